"""Plain TF2 for the converted program, with recording hooks that need no edits.

- ``tf.function`` is wrapped so each eager call of a step function defined in
  the user's folder is recorded (Keras' own internal functions are not);
- a variable creator substitutes the original's initial values, matched by
  creation order, shape and dtype (it sees Keras 3 weights too: they are
  ``tf.Variable`` underneath);
- dropout draws come from the shared mask source (see ``aligned``).
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np

from tf2port.verify import standins
from tf2port.verify.aligned import MaskSource, make_dropout
from tf2port.verify.rnn_weights import KERAS_WEIGHTS, KERNEL_NOTE, LAYOUTS, CellBuilds, is_tf1_cell_variable
from tf2port.verify.trace import Recorder


class NoGpuError(RuntimeError):
    """``--device gpu`` asked for and TensorFlow sees none."""


class V2Runtime:
    """Installs recording into TF2 and substitutes initial values."""

    def __init__(self, recorder: Recorder, user_dir: Path,
                 init: list[tuple[dict[str, Any], np.ndarray]], device: str) -> None:
        self.rec = recorder
        self.user_dir = str(user_dir.resolve())
        self.init = init
        self.used = [False] * len(init)
        self.matched: list[tuple[int, Any]] = []
        self.device = device
        self.masks = MaskSource()
        self.cells = CellBuilds(init, self.used)

    def install(self) -> None:
        import tensorflow as tf

        self.tf = tf
        gpus = tf.config.list_physical_devices("GPU")
        if self.device == "gpu" and not gpus:
            raise NoGpuError("--device gpu: TensorFlow sees no GPU on this machine")
        self.rec.meta["gpus"] = len(gpus)
        self._patch_function()
        self._patch_schedules()
        self._patch_dropout()
        self._patch_data()
        self._patch_rnn_cells()
        for name, module in standins.tutorials_modules().items():
            sys.modules.setdefault(name, module)

    def scope(self) -> Any:
        return self.tf.variable_creator_scope(self._creator)

    # -- hooks -----------------------------------------------------------
    def _patch_function(self) -> None:
        tf = self.tf
        real_function = tf.function
        runtime = self

        def is_user(fn: Any) -> bool:
            code = getattr(getattr(fn, "__func__", fn), "__code__", None)
            return code is not None and Path(code.co_filename).resolve().is_relative_to(
                runtime.user_dir)

        def function(func: Any = None, *args: Any, **kwargs: Any) -> Any:
            if func is None:
                return lambda f: function(f, *args, **kwargs)
            compiled = real_function(func, *args, **kwargs)
            if not is_user(func):
                return compiled
            return Recorded(compiled, getattr(func, "__name__", "function"), runtime)

        tf.function = function

    def _patch_schedules(self) -> None:
        """A learning-rate schedule the user's code evaluates is a fetched value (TF1: `sess.run(lr)`).

        Only eager calls made from the user's folder count; the optimizer's own calls do not.
        """
        import inspect

        runtime = self
        schedules = self.tf.keras.optimizers.schedules
        classes = {id(c): c for c in (getattr(schedules, n) for n in dir(schedules)) if inspect.isclass(c)}
        for cls in classes.values():
            if not issubclass(cls, schedules.LearningRateSchedule) or "__call__" not in vars(cls):
                continue

            def call(schedule: Any, step: Any, _real: Any = vars(cls)["__call__"]) -> Any:
                value = _real(schedule, step)
                caller = Path(sys._getframe(1).f_code.co_filename).resolve()
                if runtime.tf.executing_eagerly() and caller.is_relative_to(runtime.user_dir):
                    runtime.rec.event(type(schedule).__name__, value)
                return value

            cls.__call__ = call  # type: ignore[method-assign]  # patched on purpose: records every schedule value

    def _patch_dropout(self) -> None:
        tf = self.tf
        aligned = make_dropout(tf, self.masks)

        def dropout(x: Any, rate: Any, noise_shape: Any = None, seed: Any = None,
                    name: Any = None) -> Any:
            return aligned(x, rate, noise_shape)

        def stateless_dropout(x: Any, rate: Any, seed: Any = None, rng_alg: Any = None,
                              noise_shape: Any = None, name: Any = None) -> Any:
            return aligned(x, rate, noise_shape)

        tf.nn.dropout = dropout
        tf.nn.experimental.stateless_dropout = stateless_dropout

    def _patch_data(self) -> None:
        standins.patch_mnist(("keras.datasets.mnist", "tensorflow.keras.datasets.mnist"), self.tf)

    def _patch_rnn_cells(self) -> None:
        """Keras RNN cells build their weights under a mapping from the original's TF1 cell variables."""
        import keras

        cells = self.cells
        for kind in LAYOUTS:
            cls = getattr(keras.layers, kind)
            real_build = cls.build

            def build(cell: Any, input_shape: Any, _real: Any = real_build, _kind: str = kind) -> Any:
                cells.start(_kind, cell, input_shape)
                try:
                    return _real(cell, input_shape)
                finally:
                    cells.finish_build()

            cls.build = build

    def _rnn_weight(self, next_creator: Any, name: str, kwargs: dict[str, Any]) -> Any:
        """A Keras RNN cell's kernel/recurrent_kernel/bias: starts from the mapped original value."""
        tf = self.tf
        init = kwargs.get("initial_value")
        if callable(init):
            init = init()
            kwargs["initial_value"] = init
        with tf.init_scope():
            tensor = tf.convert_to_tensor(init, dtype=kwargs.get("dtype"))
        try:
            own = np.array(tensor.numpy())
        except Exception:  # symbolic (created while a tf.function traces): cannot be checked
            own = None
        value = self.cells.substitute(name, own)
        if value is not None:
            kwargs["initial_value"] = value.astype(tensor.dtype.as_numpy_dtype)
        var = next_creator(**kwargs)
        self.cells.created(name, var)
        return var

    def _creator(self, next_creator: Any, **kwargs: Any) -> Any:
        tf = self.tf
        trainable = kwargs.get("trainable")
        index = None
        name = str(kwargs.get("name") or "")
        if self.cells.expects(name):  # also after `build` when Keras deferred the cell's weights
            return self._rnn_weight(next_creator, name, kwargs)
        if trainable is None or trainable:
            init = kwargs.get("initial_value")
            if callable(init):
                init = init()
                kwargs["initial_value"] = init
            with tf.init_scope():
                value = tf.convert_to_tensor(init, dtype=kwargs.get("dtype"))
            shape = [int(d) if d is not None else -1 for d in value.shape]
            dtype = value.dtype.name
            # TF1 RNN cell variables are Keras RNN cells' first (their weights are built later, at the
            # first call); a plain variable takes one only when nothing else has its shape
            candidates = sorted(range(len(self.init)), key=lambda i: is_tf1_cell_variable(self.init[i][0]["name"]))
            for i in candidates:
                spec, arr = self.init[i]
                if not self.used[i] and spec["shape"] == shape and spec["dtype"] == dtype:
                    index = i
                    self.used[i] = True
                    try:
                        self.rec.arrays[f"own_{i}"] = np.array(value.numpy())
                    except Exception:  # symbolic: the initialiser cannot be checked
                        pass
                    kwargs["initial_value"] = arr.astype(dtype)
                    break
            if index is None:
                self.rec.note(f"converted variable {name or '?'} {tuple(shape)} {dtype} has no "
                              "counterpart in the original; it kept its own initial value")
        var = next_creator(**kwargs)
        if index is not None:
            self.matched.append((index, var))
            if "device" not in self.rec.meta:
                self.rec.meta["device"] = str(getattr(var, "device", ""))
        return var

    def finish(self) -> None:
        for index, var in self.matched:
            try:
                self.rec.final[index] = var.numpy()
            except Exception:
                continue
        self._finish_rnn_cells()
        for i, used in enumerate(self.used):
            if not used:
                spec = self.init[i][0]
                self.rec.note(f"original variable {spec['name']} {tuple(spec['shape'])} "
                              f"{spec['dtype']} was not matched by any converted variable")
        self.rec.meta["dropout_draws"] = self.masks.draws
        self.rec.meta.setdefault("device", self._default_device())

    def _finish_rnn_cells(self) -> None:
        """Final values (and the biases' own initial values) of Keras RNN cells, in the TF1 layout."""
        cells = self.cells
        for problem in cells.problems:
            self.rec.note(problem)
        for group in cells.groups:
            try:
                finals = {name: var.numpy() for name, var in group.variables.items()}  # type: ignore[attr-defined]
                self.rec.final.update(cells.in_tf1_layout(group, finals))
            except Exception:
                continue
            if len(group.own) == len(KERAS_WEIGHTS):
                for index, value in cells.in_tf1_layout(group, group.own).items():
                    if value.ndim == 1:  # deterministic biases are checked exactly; see KERNEL_NOTE
                        self.rec.arrays[f"own_{index}"] = value
        if cells.groups:
            self.rec.note(KERNEL_NOTE)

    def _default_device(self) -> str:
        try:
            return str(self.tf.constant(0.0).device)
        except Exception:
            return ""


class Recorded:
    """A ``tf.function`` whose eager calls are recorded; otherwise transparent."""

    def __init__(self, compiled: Any, name: str, runtime: V2Runtime) -> None:
        self._compiled = compiled
        self._name = name
        self._runtime = runtime

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        result = self._compiled(*args, **kwargs)
        if self._runtime.tf.executing_eagerly():
            self._runtime.rec.event(self._name, result)
        return result

    def __get__(self, obj: Any, objtype: Any = None) -> Any:
        if obj is None:
            return self
        return Recorded(self._compiled.__get__(obj, objtype), self._name, self._runtime)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._compiled, name)
