"""TF1 semantics for the original program, installed before it is imported.

``import tensorflow`` must give ``tf.compat.v1`` with v2 behaviour off, without
editing the user's file: the module is placed in ``sys.modules`` and a finder
answers for ``tensorflow.contrib`` and the tutorial MNIST. ``Session.run`` is
wrapped to record fetched values, initial values (as soon as a session has
initialised them) and final values (when the session closes).
"""
from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
import types
import weakref
from typing import Any

from tf2port.verify import standins
from tf2port.verify.aligned import MaskSource, make_dropout
from tf2port.verify.trace import Recorder

# Stateful random ops whose values verify cannot reproduce on the other side.
RANDOM_OPS = frozenset({
    "RandomUniform", "RandomStandardNormal", "TruncatedNormal", "RandomUniformInt",
    "Multinomial", "RandomShuffle", "RandomGamma", "RandomPoisson", "RandomPoissonV2",
    "RandomCrop", "ParameterizedTruncatedNormal",
})

# Ops whose output is a serialized Summary protobuf (what `merge_all` and `tf.summary.*` return in TF1).
SUMMARY_OPS = frozenset({"MergeSummary", "ScalarSummary", "HistogramSummary", "ImageSummary", "AudioSummaryV2",
                         "TensorSummary", "TensorSummaryV2"})


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Serves prepared module objects (contrib / tutorials stand-ins) by name."""

    def __init__(self, modules: dict[str, types.ModuleType], missing: dict[str, str]) -> None:
        self.modules = modules
        self.missing = missing

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if fullname in self.modules:
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        for prefix, need in self.missing.items():
            if fullname == prefix or fullname.startswith(prefix + "."):
                raise ImportError(f"cannot run the original: needs {fullname} ({need})")
        return None

    def create_module(self, spec: Any) -> types.ModuleType:
        return self.modules[spec.name]

    def exec_module(self, module: types.ModuleType) -> None:
        return None


def _contrib(tf1: Any) -> dict[str, types.ModuleType]:
    """Stand-ins for the ``tf.contrib`` pieces TF1 tutorials used most."""
    mods: dict[str, types.ModuleType] = {}
    contrib = types.ModuleType("tensorflow.contrib")
    contrib.__path__ = []

    def missing(name: str) -> Any:
        raise AttributeError(f"cannot run the original: needs tf.contrib.{name}, which verify "
                             "has no stand-in for (available: layers, rnn, slim)")

    setattr(contrib, "__getattr__", missing)  # module-level __getattr__ (PEP 562)
    mods["tensorflow.contrib"] = contrib

    layers = types.ModuleType("tensorflow.contrib.layers")
    try:
        import tf_slim

        for name in dir(tf_slim.layers):
            if not name.startswith("_"):
                setattr(layers, name, getattr(tf_slim.layers, name))
        mods["tensorflow.contrib.slim"] = tf_slim
        contrib.slim = tf_slim  # type: ignore[attr-defined]
    except Exception:  # tf-slim missing or broken: only core pieces below
        pass
    layers.xavier_initializer = lambda uniform=True, seed=None, dtype=tf1.float32: (  # type: ignore[attr-defined]
        tf1.glorot_uniform_initializer(seed=seed, dtype=dtype) if uniform
        else tf1.glorot_normal_initializer(seed=seed, dtype=dtype))
    layers.xavier_initializer_conv2d = layers.xavier_initializer  # type: ignore[attr-defined]
    layers.l2_regularizer = getattr(layers, "l2_regularizer", None) or (  # type: ignore[attr-defined]
        lambda scale, scope=None: (lambda w: scale * tf1.nn.l2_loss(w)))
    layers.flatten = getattr(layers, "flatten", None) or tf1.layers.flatten  # type: ignore[attr-defined]
    mods["tensorflow.contrib.layers"] = layers
    contrib.layers = layers  # type: ignore[attr-defined]

    rnn = types.ModuleType("tensorflow.contrib.rnn")
    for name in ("BasicRNNCell", "BasicLSTMCell", "LSTMCell", "GRUCell", "MultiRNNCell",
                 "DropoutWrapper", "LSTMStateTuple", "RNNCell"):
        setattr(rnn, name, getattr(tf1.nn.rnn_cell, name))
    rnn.static_rnn = tf1.nn.static_rnn  # type: ignore[attr-defined]
    rnn.static_bidirectional_rnn = tf1.nn.static_bidirectional_rnn  # type: ignore[attr-defined]
    mods["tensorflow.contrib.rnn"] = rnn
    contrib.rnn = rnn  # type: ignore[attr-defined]
    return mods


class V1Runtime:
    """Installs the TF1 world and records what the original computes."""

    def __init__(self, recorder: Recorder) -> None:
        self.rec = recorder
        self.captured: list[Any] = []  # variables, index = init/final index
        self.captured_ids: set[int] = set()
        self.sessions: weakref.WeakSet[Any] = weakref.WeakSet()
        self.graphs: list[Any] = []
        self.masks = MaskSource()
        self._inside = False

    def install(self) -> None:
        import tensorflow.compat.v1 as tf1
        from tensorflow.python.client import session as session_lib

        tf1.disable_v2_behavior()
        self.tf1 = tf1
        self.errors = tf1.errors
        modules = _contrib(tf1)
        modules.update(standins.tutorials_modules())
        finder = _Finder(modules, {"tensorflow.contrib": "a tf.contrib module verify has no stand-in for"})
        sys.meta_path.insert(0, finder)
        for name, module in modules.items():
            sys.modules[name] = module
        tf1.contrib = modules["tensorflow.contrib"]
        tf1.examples = modules["tensorflow.examples"]
        sys.modules["tensorflow"] = tf1
        from tf2port.verify import estimator_standin  # tf.estimator is gone from TF 2.21

        tf1.estimator = sys.modules["tensorflow.estimator"] = estimator_standin.build(
            tf1, session_lib.BaseSession.run)  # before the run is wrapped: its bookkeeping is not recorded
        self._patch_data()
        self._patch_dropout()
        self._patch_session(session_lib.BaseSession)

    def _patch_data(self) -> None:
        standins.patch_mnist(("keras.datasets.mnist", "tf_keras.datasets.mnist"), self.tf1)

    def _patch_dropout(self) -> None:
        tf1 = self.tf1
        aligned = make_dropout(tf1, self.masks)

        def dropout(x: Any, keep_prob: Any = None, noise_shape: Any = None, seed: Any = None,
                    name: Any = None, rate: Any = None) -> Any:
            if rate is None:
                rate = 1.0 - tf1.cast(keep_prob, tf1.float32) if keep_prob is not None else 0.0
            return aligned(x, rate, noise_shape)

        tf1.nn.dropout = dropout
        self._patch_legacy_keras_dropout(aligned)

    @staticmethod
    def _patch_legacy_keras_dropout(aligned: Any) -> None:
        """`tf.layers.dropout` (tf-keras) draws through its RandomGenerator: serve it the aligned masks too.

        Only the executed branch of its `training` cond draws, as on the converted side, where
        Keras skips dropout when called with `training=False`.
        """
        try:
            from tf_keras.src import backend as legacy_backend
        except ImportError:  # no tf-keras: no tf.layers either
            return

        def dropout(generator: Any, inputs: Any, rate: Any, noise_shape: Any = None) -> Any:
            return aligned(inputs, rate, noise_shape)

        legacy_backend.RandomGenerator.dropout = dropout

    def _patch_session(self, base: Any) -> None:
        runtime = self
        original_run = base.run
        original_close = base.close
        self._run = original_run

        def run(sess: Any, fetches: Any, feed_dict: Any = None, options: Any = None,
                run_metadata: Any = None) -> Any:
            result = original_run(sess, fetches, feed_dict, options, run_metadata)
            if not runtime._inside:
                runtime._inside = True
                try:
                    runtime.after_run(sess, fetches, result)
                finally:
                    runtime._inside = False
            return result

        def close(sess: Any) -> Any:
            if not runtime._inside and not getattr(sess, "_closed", True):
                runtime.snapshot(sess)
            return original_close(sess)

        base.run = run
        base.close = close

    # -- recording -------------------------------------------------------
    def _prune(self, fetch: Any, result: Any) -> Any:
        """Drop fetched variables: the converted side reads those with ``.numpy()``."""
        if isinstance(fetch, dict):
            return {k: self._prune(fetch[k], result[k]) for k in fetch}
        if isinstance(fetch, (list, tuple)):
            return [self._prune(f, r) for f, r in zip(fetch, result)]
        if isinstance(fetch, self.tf1.Variable) or self._is_variable_tensor(fetch) or self._is_host_value(fetch):
            return None
        if self._is_summary(fetch):
            return None
        return result

    @staticmethod
    def _is_host_value(fetch: Any) -> bool:
        """An op over constants only (`sess.run(tf.argmax(a, 1))`, `a` a NumPy array).

        The converted side computes it eagerly in place, not in a step function; its
        printed value is still compared.
        """
        op = getattr(fetch, "op", None)
        if op is None or not hasattr(op, "type"):
            return False
        seen, stack = set(), [op]
        while stack:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            if current.type in ("Placeholder", "PlaceholderWithDefault", "VariableV2", "VarHandleOp") \
                    or current.type in RANDOM_OPS or current.type.startswith("Iterator"):
                return False
            stack.extend(t.op for t in current.inputs)
            stack.extend(current.control_inputs)
        return True

    @staticmethod
    def _is_summary(fetch: Any) -> bool:
        """A TF1 summary (a serialized protobuf): the converted step writes it instead of returning it."""
        op = getattr(fetch, "op", None)
        return getattr(op, "type", None) in SUMMARY_OPS

    @staticmethod
    def _is_variable_tensor(fetch: Any) -> bool:
        """``var.eval()`` fetches the variable's tensor, not the variable object."""
        op = getattr(fetch, "op", None)
        if op is None or not hasattr(op, "type"):
            return False
        if op.type in ("VariableV2", "VarHandleOp", "ReadVariableOp"):
            return True
        return op.type == "Identity" and op.inputs[0].op.type == "VariableV2"

    @staticmethod
    def _name(fetch: Any) -> str:
        if isinstance(fetch, dict):
            return "{" + ", ".join(V1Runtime._name(v) for v in fetch.values()) + "}"
        if isinstance(fetch, (list, tuple)):
            return "[" + ", ".join(V1Runtime._name(v) for v in fetch) + "]"
        return str(getattr(fetch, "name", type(fetch).__name__))

    def after_run(self, sess: Any, fetches: Any, result: Any) -> None:
        self.sessions.add(sess)
        if sess.graph not in self.graphs:
            self.graphs.append(sess.graph)
        try:
            pruned = self._prune(fetches, result)
        except Exception:
            pruned = result
        self.rec.event(f"sess.run({self._name(fetches)[:120]})", pruned)
        self._capture_init(sess, fetches)

    def _ops_run(self, fetches: Any) -> set[Any]:
        """Operations a fetch ran for sure: itself and the no-op groups it controls."""
        found: set[Any] = set()
        stack = [fetches]
        while stack:
            item = stack.pop()
            if isinstance(item, dict):
                stack.extend(item.values())
            elif isinstance(item, (list, tuple)):
                stack.extend(item)
            elif isinstance(item, self.tf1.Operation) and item not in found:
                found.add(item)
                if item.type == "NoOp":
                    stack.extend(item.control_inputs)
        return found

    def _capture_init(self, sess: Any, fetches: Any = None) -> None:
        trainable = sess.graph.get_collection(self.tf1.GraphKeys.TRAINABLE_VARIABLES)
        fresh = [v for v in trainable if id(v) not in self.captured_ids]
        if not fresh:
            return
        try:
            values = self._run(sess, fresh)
        except self.errors.FailedPreconditionError:
            values = []
            ready = []
            for var in fresh:
                try:
                    values.append(self._run(sess, var))
                    ready.append(var)
                except self.errors.FailedPreconditionError:
                    continue
            fresh = ready
        ran = self._ops_run(fetches)
        for var, value in zip(fresh, values):
            self.captured.append(var)
            self.captured_ids.add(id(var))
            # Restored (not initialised) values say nothing about the initialiser.
            random = self._random_init(var) if var.initializer in ran else None
            self.rec.add_init(var.op.name, value, random)

    @staticmethod
    def _random_init(var: Any) -> bool:
        """Whether the variable's initialiser draws random numbers."""
        seen, stack = set(), [var.initializer]
        while stack:
            op = stack.pop()
            if op in seen:
                continue
            seen.add(op)
            if op.type in RANDOM_OPS or op.type.startswith("StatelessRandom"):
                return True
            if op.type in ("VariableV2", "VarHandleOp") and op is not var.op:
                continue
            stack.extend(t.op for t in op.inputs)
            stack.extend(op.control_inputs)
        return False

    def snapshot(self, sess: Any) -> None:
        """Final values of the captured variables this session can read."""
        self._inside = True
        try:
            mine = [(i, v) for i, v in enumerate(self.captured) if v.graph is sess.graph]
            if not mine:
                return
            try:
                values = self._run(sess, [v for _, v in mine])
            except Exception:
                return
            for (index, _), value in zip(mine, values):
                self.rec.final[index] = value
        finally:
            self._inside = False

    def finish(self) -> None:
        for sess in list(self.sessions):
            if not getattr(sess, "_closed", True):
                self.snapshot(sess)
        self.rec.meta["dropout_draws"] = self.masks.draws
        for graph in self.graphs:
            for op_name in self._runtime_random_ops(graph):
                self.rec.note(f"unaligned random op in the original: {op_name}")

    def _runtime_random_ops(self, graph: Any) -> list[str]:
        """Stateful random ops that feed anything other than variable initialisers."""
        init_ops = set()
        stack = [v.initializer for v in graph.get_collection(self.tf1.GraphKeys.GLOBAL_VARIABLES)]
        while stack:
            op = stack.pop()
            if op in init_ops:
                continue
            init_ops.add(op)
            stack.extend(t.op for t in op.inputs)
            stack.extend(op.control_inputs)
        found = []
        for op in graph.get_operations():
            if op.type not in RANDOM_OPS:
                continue
            seen, frontier = set(), [op]
            while frontier:
                cur = frontier.pop()
                if cur in seen:
                    continue
                seen.add(cur)
                if cur not in init_ops:
                    found.append(f"{op.name} ({op.type})")
                    break
                frontier.extend(c for t in cur.outputs for c in t.consumers())
        return found
