"""A ``tf.estimator`` for verify's original side: TF 2.21 no longer has one.

``tf.estimator`` left TensorFlow in 2.16 (``tf.compat.v1.estimator`` is absent in 2.21 and
the ``tensorflow-estimator`` package stops at 2.15), so an Estimator program cannot run
as written. This module restates, on TF1 graphs and sessions, the documented behaviour
of the subset tf2port rewrites, so the original still runs under verify unedited:

- ``train(input_fn, steps=None, max_steps=None, hooks=None)``: calls ``input_fn`` again
  (the input starts over), runs ``[train_op, loss]`` (and the tensors of a model_fn's
  LoggingTensorHook, logged every N) once per step until ``steps`` more
  steps, global step ``max_steps`` / a ``StopAtStepHook``'s last step, or the end of the
  input; then keeps a checkpoint of every global variable (in memory: verify runs in a
  fresh folder, so nothing would be restored from ``model_dir`` anyway);
- ``evaluate(input_fn, steps=None)``: the checkpoint restored, metric update ops and the
  loss run per batch, returns the metric values, ``loss`` (mean of the batch losses) and
  ``global_step``;
- ``predict(input_fn)``: yields one dict of predictions per example;
- ``inputs.numpy_input_fn(shuffle=False)``: rows in order, epochs back to back, batches
  across epoch ends (the queue's ``dequeue_up_to``), as a ``tf.data`` pipeline;
- ``train_and_evaluate``: local mode, a run shorter than ``throttle_secs``: trains to
  ``max_steps`` then evaluates once.

Recorded steps are what a converted step function returns: one event per train step
(the loss), per evaluation batch (the loss) and per prediction batch (the dict).
Bookkeeping (restores, metric readouts, checkpoint copies) goes through ``quiet_run``,
the session's run before verify wrapped it, so it adds no step. One graph per mode and
input function is kept and its iterator re-initialised per call: the same op seeds as a
new graph would give, and the train graph's variables are the ones verify compares.
"""
from __future__ import annotations

import inspect
import types
from collections.abc import Callable, Iterator
from typing import Any

UNSUPPORTED_CONFIG = ("train_distribute", "eval_distribute", "device_fn", "experimental_distribute")


def build(tf1: Any, quiet_run: Callable[..., Any]) -> types.ModuleType:
    """The ``tf.estimator`` module object for a TF1 runtime; ``quiet_run`` is the unwrapped run."""
    module = types.ModuleType("tensorflow.estimator")

    class ModeKeys:
        TRAIN = "train"
        EVAL = "eval"
        PREDICT = "infer"

    class EstimatorSpec:
        def __init__(self, mode: str, predictions: Any = None, loss: Any = None, train_op: Any = None,
                     eval_metric_ops: Any = None, training_hooks: Any = None, **unsupported: Any) -> None:
            if unsupported:
                raise NotImplementedError(f"EstimatorSpec({', '.join(unsupported)}=) is not supported by "
                                          "verify's tf.estimator stand-in")
            self.logged: dict[str, Any] = {}
            self.every_n_iter = 0
            for hook in training_hooks or []:
                timer = getattr(hook, "_timer", None)
                if not isinstance(hook, tf1.train.LoggingTensorHook) or self.logged or timer is None \
                        or not timer._every_steps or hook._formatter is not None or hook._log_at_end:
                    raise NotImplementedError("EstimatorSpec(training_hooks=) takes one LoggingTensorHook "
                                              "logged every_n_iter in verify's stand-in")
                self.logged, self.every_n_iter = dict(hook._tensors), timer._every_steps
            self.mode, self.predictions, self.loss = mode, predictions, loss
            self.train_op, self.eval_metric_ops = train_op, dict(eval_metric_ops or {})

    class RunConfig:
        def __init__(self, model_dir: str | None = None, tf_random_seed: int | None = None,
                     **rest: Any) -> None:
            for key in rest:
                if key in UNSUPPORTED_CONFIG:
                    raise NotImplementedError(f"RunConfig({key}=) is not supported by verify's stand-in")
            self.model_dir, self.tf_random_seed = model_dir, tf_random_seed

    class TrainSpec:
        def __init__(self, input_fn: Callable[..., Any], max_steps: int | None = None,
                     hooks: Any = None) -> None:
            self.input_fn, self.max_steps, self.hooks = input_fn, max_steps, list(hooks or [])

    class EvalSpec:
        def __init__(self, input_fn: Callable[..., Any], steps: int | None = 100, name: Any = None,
                     hooks: Any = None, throttle_secs: int = 600, **rest: Any) -> None:
            if hooks or rest:
                raise NotImplementedError("EvalSpec hooks/exporters are not supported by verify's stand-in")
            self.input_fn, self.steps = input_fn, steps

    class _Built:
        """One graph for one mode and input function, its session and what each step runs."""

        initialised: bool  # declared here: mypy cannot infer it through the function-local forward references

        def __init__(self, estimator: Estimator, mode: str, input_fn: Callable[..., Any]) -> None:
            self.graph = tf1.Graph()
            with self.graph.as_default():
                if estimator.config.tf_random_seed is not None:
                    tf1.set_random_seed(estimator.config.tf_random_seed)
                self.global_step = tf1.train.get_or_create_global_step()
                data = _call(input_fn, params=estimator.params, mode=mode, config=estimator.config)
                if isinstance(data, tf1.data.Dataset):
                    self.iterator = tf1.data.make_initializable_iterator(data)
                    batch = self.iterator.get_next()
                else:
                    self.iterator, batch = None, data
                features, labels = batch if isinstance(batch, tuple) else (batch, None)
                self.spec = _call(estimator.model_fn, features=features, labels=labels, mode=mode,
                                  params=estimator.params, config=estimator.config)
                if mode == ModeKeys.EVAL:
                    metrics = dict(self.spec.eval_metric_ops)
                    metrics["loss"] = tf1.metrics.mean(self.spec.loss)
                    self.values = {key: value for key, (value, _) in metrics.items()}
                    self.update = tf1.group(*(update for _, update in metrics.values()))
                if mode != ModeKeys.TRAIN or estimator._recorded is not None:
                    # copies of the weights (restored, or trained from where the first train graph stopped):
                    # not new initial values; verify follows the first train graph's variables only
                    self.graph.clear_collection(tf1.GraphKeys.TRAINABLE_VARIABLES)
                self.variables = tf1.global_variables()
                self.init = tf1.global_variables_initializer()
                self.local_init = tf1.local_variables_initializer()
                self.feeds = {v.op.name: tf1.placeholder(v.dtype.base_dtype, v.shape) for v in self.variables}
                self.restore = tf1.group(*(v.assign(self.feeds[v.op.name]) for v in self.variables))
            self.session = tf1.Session(graph=self.graph)
            self.initialised = False

        def start(self, checkpoint: dict[str, Any] | None, record_init: bool) -> None:
            if not self.initialised:
                # the first graph ever initialises through the recorded run: verify captures initial values
                (self.session.run if record_init else lambda op: quiet_run(self.session, op))(self.init)
                self.initialised = True
            if checkpoint is not None:
                feed = {self.feeds[name]: value for name, value in checkpoint.items() if name in self.feeds}
                quiet_run(self.session, self.restore, feed)
            quiet_run(self.session, self.local_init)
            if self.iterator is not None:
                quiet_run(self.session, self.iterator.initializer)

        def checkpoint(self) -> dict[str, Any]:
            values = quiet_run(self.session, self.variables)
            return {v.op.name: value for v, value in zip(self.variables, values)}

        def step(self) -> int:
            return int(quiet_run(self.session, self.global_step))

    class Estimator:
        def __init__(self, model_fn: Callable[..., Any], model_dir: str | None = None, config: Any = None,
                     params: Any = None, warm_start_from: Any = None) -> None:
            if warm_start_from is not None:
                raise NotImplementedError("Estimator(warm_start_from=) is not supported by verify's stand-in")
            self.model_fn, self.params = model_fn, params
            self.config = config or RunConfig(model_dir=model_dir)
            self.model_dir = model_dir or self.config.model_dir
            self._built: dict[tuple[str, int], _Built] = {}
            self._checkpoint: dict[str, Any] | None = None
            self._owner: _Built | None = None  # the graph whose variables hold the latest values
            self._recorded: _Built | None = None  # the first train graph: its variables are the ones verified

        def _start(self, mode: str, input_fn: Callable[..., Any]) -> _Built:
            key = (mode, id(input_fn))
            built = self._built.get(key)
            if built is None:
                built = self._built[key] = _Built(self, mode, input_fn)
                if mode == ModeKeys.TRAIN and self._recorded is None:
                    self._recorded = built
            first = self._checkpoint is None and mode == ModeKeys.TRAIN
            built.start(None if built is self._owner else self._checkpoint, record_init=first)
            return built

        def train(self, input_fn: Callable[..., Any], hooks: Any = None, steps: int | None = None,
                  max_steps: int | None = None, saving_listeners: Any = None) -> Estimator:
            built = self._start(ModeKeys.TRAIN, input_fn)
            start = built.step()
            limits = [start + steps] if steps is not None else []
            limits += [max_steps] if max_steps is not None else []
            for hook in hooks or []:
                if isinstance(hook, tf1.train.StopAtStepHook):
                    limits.append(hook._last_step if hook._last_step is not None else start + hook._num_steps)
                else:
                    raise NotImplementedError(f"{type(hook).__name__} is not supported by verify's stand-in")
            last = min(limits) if limits else None
            spec, iteration = built.spec, 0
            # a LoggingTensorHook's tensors are fetched every step (recorded), logged at 0, N, 2N...
            fetches = [spec.train_op, spec.loss] + ([spec.logged] if spec.logged else [])
            while last is None or built.step() < last:
                try:
                    values = built.session.run(fetches)
                except tf1.errors.OutOfRangeError:
                    break
                if spec.logged and iteration % spec.every_n_iter == 0:
                    tf1.logging.info("%s", ", ".join(f"{tag} = {values[2][tag]}" for tag in sorted(spec.logged)))
                iteration += 1
            self._checkpoint, self._owner = built.checkpoint(), built
            if self._recorded is not None and built is not self._recorded:
                self._recorded.start(self._checkpoint, record_init=False)  # its final values are verify's
            return self

        def evaluate(self, input_fn: Callable[..., Any], steps: int | None = None, hooks: Any = None,
                     checkpoint_path: Any = None, name: Any = None) -> dict[str, Any]:
            built = self._start(ModeKeys.EVAL, input_fn)
            done = 0
            while steps is None or done < steps:
                try:
                    built.session.run([built.update, built.spec.loss])
                except tf1.errors.OutOfRangeError:
                    break
                done += 1
            results = dict(quiet_run(built.session, built.values))
            results["global_step"] = built.step()
            return results

        def predict(self, input_fn: Callable[..., Any], predict_keys: Any = None, hooks: Any = None,
                    checkpoint_path: Any = None, yield_single_examples: bool = True) -> Iterator[dict[str, Any]]:
            built = self._start(ModeKeys.PREDICT, input_fn)
            while True:
                try:
                    batch = built.session.run(built.spec.predictions)
                except tf1.errors.OutOfRangeError:
                    return
                size = len(next(iter(batch.values())))
                for i in range(size):
                    yield {key: value[i] for key, value in batch.items()}

    def train_and_evaluate(estimator: Estimator, train_spec: TrainSpec, eval_spec: EvalSpec) -> tuple:
        estimator.train(train_spec.input_fn, hooks=train_spec.hooks, max_steps=train_spec.max_steps)
        return estimator.evaluate(eval_spec.input_fn, steps=eval_spec.steps), []

    def numpy_input_fn(x: Any, y: Any = None, batch_size: int = 128, num_epochs: int | None = 1,
                       shuffle: bool | None = None, queue_capacity: int = 1000, num_threads: int = 1
                       ) -> Callable[[], Any]:
        """Rows in order, epochs back to back, the last batch short when epochs are counted."""
        if shuffle is None:
            raise ValueError("shuffle must be provided explicitly as a bool")
        if shuffle or num_threads != 1:
            raise NotImplementedError("numpy_input_fn(shuffle=True / num_threads>1) draws from a TF1 queue "
                                      "verify's stand-in does not reproduce")

        def input_fn() -> Any:
            data = tf1.data.Dataset.from_tensor_slices((x, y) if y is not None else x)
            if num_epochs != 1:
                data = data.repeat(num_epochs)
            return data.batch(batch_size)

        return input_fn

    inputs = types.ModuleType("tensorflow.estimator.inputs")
    inputs.numpy_input_fn = numpy_input_fn  # type: ignore[attr-defined]
    module.inputs = inputs  # type: ignore[attr-defined]
    for name, value in (("ModeKeys", ModeKeys), ("EstimatorSpec", EstimatorSpec), ("RunConfig", RunConfig),
                        ("TrainSpec", TrainSpec), ("EvalSpec", EvalSpec), ("Estimator", Estimator),
                        ("train_and_evaluate", train_and_evaluate)):
        setattr(module, name, value)
    return module


def _call(fn: Callable[..., Any], **available: Any) -> Any:
    """Call an input_fn / model_fn with the arguments its signature names, as Estimator did."""
    names = inspect.signature(fn).parameters
    return fn(**{key: value for key, value in available.items() if key in names})
