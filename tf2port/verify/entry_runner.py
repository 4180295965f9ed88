"""Child-process entry for ``verify --entry``: run one side of a function/class pair.

    python -m tf2port.verify.entry_runner --side v1|v2 --script FILE --out DIR
        --spec SPEC.json [--init DIR] [--device D] [--memory-mb N] [--writable DIR ...]

v1 imports FILE with ``tensorflow`` = ``tf.compat.v1`` (v2 behaviour off) and
builds the function twice in fresh graphs: training off for the forward pass,
on for the SGD steps, both from the same initial values, which it records by
variable name (and each TF1 LSTM cell's run-time ``forget_bias``). v2 constructs
the class, builds it, takes those values by ``.path`` through the same plan as
``ckpt convert`` (RNN cells split by ``tf2port.ckpt.mapping``; creation order +
shape as fallback), does the same eagerly and maps its finals back to TF1's
layout. Both
write a trace in the format of ``tf2port.verify.trace``: events are the forward
outputs and each step's loss, finals are every variable after the steps. The
sandbox (address-space cap, write confinement) is ``runner``'s.
"""
from __future__ import annotations

import argparse
import inspect
import json
import os
import sys
import traceback
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from tf2port.ckpt.convert import (TRANSFORM_BY_NAME, Plan, Source, forget_bias_of, plan, to_checkpoint_names,
                                  values_for)
from tf2port.verify.entry_spec import InputSpec, generate_inputs, load_target
from tf2port.verify.runner import EXIT_NO_GPU, EXIT_OK, EXIT_PROGRAM_FAILED, _sandbox_self
from tf2port.verify.trace import Recorder, Trace, load_init_arrays

# Parameter names that mean "training mode" in TF1 model functions (the contract).
TRAINING_PARAMETERS = ("is_training", "training", "train", "is_train", "phase_train",
                       "train_mode", "mode")
FORWARD_EVENT = "forward pass (training=False)"


def step_event(step: int) -> str:
    return f"SGD step {step} loss (training=True)"


def training_parameter(fn: Any) -> str:
    """The function's training-flag parameter, or '' when it has none."""
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return ""
    return next((p for p in TRAINING_PARAMETERS if p in params), "")


def _loss(tf: Any, outputs: Any, regularization: Any) -> Any:
    """The fixed scalar loss: sum over float outputs of mean(square), plus regularisation."""
    terms = [tf.reduce_mean(tf.square(tf.cast(o, tf.float32)))
             for o in tf.nest.flatten(outputs) if o.dtype.is_floating]
    if not terms:
        raise ValueError("the outputs hold no floating-point tensor to train on")
    total = tf.add_n(terms)
    return total + regularization if regularization is not None else total


def random_ops_feeding(tensors: list[Any]) -> list[str]:
    """Stateful random ops the computation of ``tensors`` runs (initialisers excluded).

    A walk up the op inputs stops at variables, so initialiser draws are not
    reached; what remains (dropout, noise) draws differently on the two sides.
    """
    from tf2port.verify.v1runtime import RANDOM_OPS

    seen: set[str] = set()
    found: list[str] = []
    stack = [t.op for t in tensors]
    while stack:
        op = stack.pop()
        if op.name in seen:
            continue
        seen.add(op.name)
        if op.type in RANDOM_OPS:
            found.append(f"{op.type} {op.name}")
        stack.extend(t.op for t in op.inputs)
    return sorted(found)


def record_forget_biases(tf1: Any) -> dict[str, float]:
    """Each TF1 LSTM cell's ``forget_bias``, by the cell's variable folder, filled as cells build.

    TF1 adds it to the forget gate at run time and never stores it, so the converted
    side (which keeps it in the Keras bias) must be told; cells without legacy Keras
    (no ``tf.nn.rnn_cell``) leave the map empty.
    """
    found: dict[str, float] = {}
    try:
        classes = (tf1.nn.rnn_cell.BasicLSTMCell, tf1.nn.rnn_cell.LSTMCell)
    except (AttributeError, ImportError):
        return found
    for cls in classes:
        if "build" not in cls.__dict__:
            continue
        original = cls.build

        def build(self: Any, input_shape: Any, _original: Any = original) -> Any:
            result = _original(self, input_shape)
            kernel = getattr(self, "_kernel", None)
            if kernel is not None and hasattr(self, "_forget_bias"):
                found[kernel.op.name.rsplit("/", 1)[0]] = float(self._forget_bias)
            return result

        cls.build = build
    return found


def run_v1(spec: dict[str, Any], script: Path, rec: Recorder) -> None:
    import tensorflow.compat.v1 as tf1

    tf1.disable_v2_behavior()
    sys.modules["tensorflow"] = tf1
    rec.meta["forget_bias"] = record_forget_biases(tf1)
    fn = load_target(str(script), spec["target"])
    flag = training_parameter(fn)
    inputs = generate_inputs([InputSpec(**i) for i in spec["inputs"]], spec["seed"])

    def build(training: bool) -> tuple[Any, Any, Any]:
        graph = tf1.Graph()
        with graph.as_default():
            tf1.set_random_seed(spec["seed"])
            kwargs = dict(spec["args"])
            if flag:
                kwargs[flag] = training
            outputs = fn(*[tf1.constant(v) for v in inputs], **kwargs)
            reg = tf1.get_collection(tf1.GraphKeys.REGULARIZATION_LOSSES)
            loss = _loss(tf1, outputs, tf1.add_n(reg) if reg else None)
        return graph, outputs, loss

    if flag:
        rec.note(f"training flag: {spec['target']}({flag}=False) for the forward pass, "
                 f"{flag}=True for the steps")
    graph, outputs, _ = build(False)
    for op in random_ops_feeding(tf1.nest.flatten(outputs)):
        rec.note(f"unaligned random op in the forward pass: {op} (verify --entry does not "
                 "align random draws between the sides)")
    with graph.as_default(), tf1.Session(graph=graph) as sess:
        sess.run(tf1.global_variables_initializer())
        variables = tf1.global_variables()
        initial = sess.run(variables)
        for var, value in zip(variables, initial):
            rec.add_init(var.op.name, value, None)
        rec.event(FORWARD_EVENT, sess.run(outputs))
    by_name = {var.op.name: value for var, value in zip(variables, initial)}

    graph, outputs, loss = build(True)
    for op in random_ops_feeding([loss]):
        rec.note(f"unaligned random op in training mode: {op} (verify --entry does not align "
                 "random draws between the sides)")
    with graph.as_default(), tf1.Session(graph=graph) as sess:
        train_vars = tf1.trainable_variables()
        with tf1.control_dependencies(tf1.get_collection(tf1.GraphKeys.UPDATE_OPS)):
            train_op = tf1.train.GradientDescentOptimizer(spec["learning_rate"]).minimize(
                loss, var_list=train_vars)
        sess.run(tf1.global_variables_initializer())
        model_vars = [v for v in tf1.global_variables() if v.op.name in by_name]
        extra = [v.op.name for v in tf1.global_variables() if v.op.name not in by_name]
        if extra:
            raise RuntimeError("building with the training flag on created variables the "
                               f"forward build did not: {', '.join(extra)}")
        for var in model_vars:
            var.load(by_name[var.op.name], sess)
        for step in range(spec["steps"]):
            _, value = sess.run([train_op, loss])
            rec.event(step_event(step + 1), value)
        finals = dict(zip([v.op.name for v in model_vars], sess.run(model_vars)))
        for index, name in enumerate(by_name):
            if name in finals:
                rec.final[index] = finals[name]


@dataclass(frozen=True)
class WeightMatch:
    """How the class's weights get the original's values: a ``ckpt`` plan, notes, and every problem."""

    plan: Plan
    notes: tuple[str, ...]
    problems: tuple[str, ...]


def match_weights(old: list[tuple[str, tuple[int, ...]]], new: list[tuple[str, tuple[int, ...]]],
                  model_name: str = "") -> WeightMatch:
    """Pair class weights with original variables as ``ckpt convert`` does, then by creation order + shape.

    The plan (``tf2port.ckpt.convert.plan``) matches ``.path`` == TF1 name, the RNN
    cells of ``tf2port.ckpt.mapping.TRANSFORMS`` (one TF1 kernel -> kernel +
    recurrent_kernel) and names under the model's own name; what is left pairs in
    creation order while the shapes agree (each such pair is noted). Everything still
    unpaired is a problem, named with its shape and, when known, why.
    """
    result = plan(dict(old), new, model_name=model_name)
    assign = dict(result.assign)
    used_old = {e for source in assign.values() for e in source.entries}
    used_old |= {e for error in result.shape_errors for e in error.entries}
    used_new = set(assign) | {p for error in result.shape_errors for p in error.paths}
    rest_old = [(name, shape) for name, shape in old if name not in used_old]
    rest_new = [(path, shape) for path, shape in new if path not in used_new]
    notes = [f"{TRANSFORM_BY_NAME[kind].name} cell {cell}: {TRANSFORM_BY_NAME[kind].note}"
             for cell, kind in result.transformed_cells()]
    paired = 0
    for (name, old_shape), (path, new_shape) in zip(rest_old, rest_new):
        if tuple(old_shape) != tuple(new_shape):
            break
        assign[path] = Source((name,))
        paired += 1
        notes.append(f"matched by creation order and shape: {name} -> {path}")
    problems = [f"shape differs (original -> class): {error.text}" for error in result.shape_errors]
    problems += [f"original variable without a weight in the class: {name} {list(shape)}"
                 + (f" ({result.reasons[name]})" if name in result.reasons else "")
                 for name, shape in rest_old[paired:]]
    problems += [f"class weight without a variable in the original: {path} {list(shape)}"
                 for path, shape in rest_new[paired:]]
    return WeightMatch(replace(result, assign=assign), tuple(notes), tuple(problems))


def rnn_cell_note(cell: str, kind: str, forget_biases: dict[str, float]) -> str:
    """What verify did with a split RNN cell, and why its gradient steps stay comparable."""
    forget = forget_bias_of(Source((), kind, 0, cell), forget_biases)
    folded = (f"TF1's run-time forget_bias {forget:g} ({'as recorded' if cell in forget_biases else 'default'}) "
              "is in the Keras bias; " if TRANSFORM_BY_NAME[kind].forget_bias or cell in forget_biases else "")
    return (f"{kind} cell {cell}: {folded}the SGD steps update kernel and recurrent_kernel apart, a "
            "rearrangement of TF1's one kernel, so each step's update is the same; final values are compared "
            "after mapping them back to TF1's layout")


def run_v2(spec: dict[str, Any], script: Path, init_dir: Path, rec: Recorder, device: str) -> int:
    import tensorflow as tf

    if device == "gpu" and not tf.config.list_physical_devices("GPU"):
        print("--device gpu: no GPU is visible to TensorFlow", file=sys.stderr)
        return EXIT_NO_GPU
    rec.meta["device"] = "gpu" if tf.config.list_physical_devices("GPU") else "cpu"
    cls = load_target(str(script), spec["target"])
    inputs = [tf.constant(v) for v in
              generate_inputs([InputSpec(**i) for i in spec["inputs"]], spec["seed"])]
    tf.random.set_seed(spec["seed"])
    model = cls(**spec["args"])
    model(*inputs, training=False)  # builds every weight
    recorded = load_init_arrays(init_dir)
    forget_biases = Trace.load(init_dir).meta.get("forget_bias", {})
    old = [(s["name"], tuple(s["shape"])) for s, _ in recorded]
    weights = list(model.weights)
    match = match_weights(old, [(w.path, tuple(w.shape)) for w in weights], model.name)
    for note in match.notes:
        rec.note(note)
    if match.problems:
        rec.meta["unmatched"] = list(match.problems)
        return EXIT_OK
    by_name = {s["name"]: value for s, value in recorded}
    for cell, kind in match.plan.transformed_cells():
        rec.note(rnn_cell_note(cell, kind, forget_biases))
    values = values_for(match.plan, by_name.__getitem__, forget_biases)
    for weight in weights:
        weight.assign(values[weight.path])
    rec.event(FORWARD_EVENT, model(*inputs, training=False))
    optimizer = tf.keras.optimizers.SGD(spec["learning_rate"])
    for step in range(spec["steps"]):
        with tf.GradientTape() as tape:
            outputs = model(*inputs, training=True)
            reg = tf.add_n(model.losses) if model.losses else None
            loss = _loss(tf, outputs, reg)
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients([(g, v) for g, v in zip(grads, model.trainable_variables)
                                   if g is not None])
        rec.event(step_event(step + 1), loss)
    finals = to_checkpoint_names(match.plan, {w.path: w.numpy() for w in weights}, forget_biases)
    for index, (spec_, _) in enumerate(recorded):
        if spec_["name"] in finals:
            rec.final[index] = finals[spec_["name"]]
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tf2port.verify.entry_runner")
    parser.add_argument("--side", choices=["v1", "v2"], required=True)
    parser.add_argument("--script", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--spec", required=True)
    parser.add_argument("--init")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--memory-mb", type=int, default=0)
    parser.add_argument("--writable", action="append", default=[])
    parser.add_argument("args", nargs="*")
    opts = parser.parse_args(argv)
    isolation_note = _sandbox_self(opts.memory_mb, opts.writable)
    rec = Recorder(side=opts.side)
    if isolation_note:
        rec.note(isolation_note)
    spec = json.loads(Path(opts.spec).read_text())
    np.random.seed(spec["seed"])
    script = Path(opts.script).resolve()
    status, error, code = "ok", "", EXIT_OK
    try:
        if opts.side == "v1":
            run_v1(spec, script, rec)
        else:
            code = run_v2(spec, script, Path(opts.init), rec, opts.device)
            if code == EXIT_NO_GPU:
                return code
    except BaseException as exc:  # noqa: BLE001 - the user's failure is data
        traceback.print_exc()
        status, error, code = "error", f"{type(exc).__name__}: {exc}", EXIT_PROGRAM_FAILED
    rec.save(Path(opts.out), status=status, error=error)
    return code


if __name__ == "__main__":
    exit_code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(exit_code)
