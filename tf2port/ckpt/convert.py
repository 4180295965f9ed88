"""Plan a checkpoint conversion: which TF1 entry gives which Keras weight.

Pure (numpy only): the plan is computed from names and shapes, so it can be
tested and printed without TensorFlow. The command in ``tf2port.ckpt.cli``
reads the checkpoint, builds the model, asks ``plan`` and writes.

    plan(checkpoint={"dense/kernel": (4, 2)}, weights=[("dense/kernel", (4, 2))])
    # -> Plan(assign={"dense/kernel": Source("dense/kernel", "")}, ...)
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from tf2port.ckpt.mapping import find_transform, is_optimizer_state
from tf2port.verify.rnn_weights import LAYOUTS

Shape = tuple[int, ...]


@dataclass(frozen=True)
class Source:
    """Where one Keras weight's value comes from: a checkpoint entry, maybe transformed."""

    entry: str
    transform: str = ""  # a TRANSFORM_FUNCTIONS key; empty = the value as stored
    part: int = 0  # which output of the transform


@dataclass(frozen=True)
class Plan:
    """The mapping and every reason it is incomplete; ``complete`` allows a write."""

    assign: dict[str, Source] = field(default_factory=dict)
    skipped_optimizer: tuple[str, ...] = ()
    dropped: tuple[str, ...] = ()  # mapped to null in --names
    unmatched_entries: tuple[str, ...] = ()  # checkpoint model variables no weight takes
    missing_weights: tuple[str, ...] = ()  # model weights with no value
    shape_errors: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        return not (self.unmatched_entries or self.missing_weights or self.shape_errors)

    def problems(self) -> list[str]:
        """One line per problem, every one listed."""
        return ([f"unmatched checkpoint variable: {n}" for n in self.unmatched_entries]
                + [f"model weight without a value: {n}" for n in self.missing_weights]
                + [f"shape differs: {m}" for m in self.shape_errors])


# TF1's LSTM cells add this to the forget gate at every step and never store it (BasicLSTMCell
# and LSTMCell default); a Keras LSTM keeps it in its bias, so the converted bias carries it.
LSTM_FORGET_BIAS = 1.0


def _keras_gates(value: np.ndarray, axis: int) -> list[np.ndarray]:
    """TF1 LSTM gate blocks (i, j, f, o) in Keras' order (i, f, c, o), from verify's layout table."""
    blocks = np.split(value, 4, axis=axis)
    return [blocks[block] for _, block in LAYOUTS["LSTMCell"].order]


def lstm_kernel_split(value: np.ndarray, shapes: Sequence[Shape]) -> list[np.ndarray]:
    """TF1 LSTM kernel [inputs+units, 4*units] -> Keras kernel [inputs, 4u] and recurrent_kernel [u, 4u]."""
    rows = shapes[0][0]
    reordered = np.concatenate(_keras_gates(value, 1), axis=1)
    return [reordered[:rows], reordered[rows:]]


def lstm_bias_reorder(value: np.ndarray, shapes: Sequence[Shape]) -> list[np.ndarray]:
    """TF1 LSTM bias [4*units] -> the Keras bias: gates reordered, TF1's forget_bias folded in."""
    gates = _keras_gates(value, 0)
    forget = LAYOUTS["LSTMCell"].forget_block
    assert forget is not None
    gates[forget] = gates[forget] + np.asarray(LSTM_FORGET_BIAS, value.dtype)
    return [np.concatenate(gates)]


TRANSFORM_FUNCTIONS: dict[str, Callable[[np.ndarray, Sequence[Shape]], list[np.ndarray]]] = {
    "lstm_kernel_split": lstm_kernel_split,
    "lstm_bias_reorder": lstm_bias_reorder,
}


def plan(checkpoint: Mapping[str, Shape], weights: Sequence[tuple[str, Shape]],
         overrides: Mapping[str, str | None] | None = None, model_name: str = "") -> Plan:
    """Map checkpoint entries (name -> shape) to model weights (path, shape) in order.

    Rules, in order: an ``overrides`` entry (old name -> new path, or None to drop
    it); a ``mapping.TRANSFORMS`` pattern whose targets all exist; the contract's
    identity (path == TF1 name; another shape is an error), also under the model's own
    name (a model built at top level prefixes its weights with it: TF1 ``hidden/kernel`` is
    ``model/hidden/kernel``); optimizer state is skipped. Everything else is reported.
    """
    overrides = dict(overrides or {})
    shapes = {path: tuple(shape) for path, shape in weights}
    assign: dict[str, Source] = {}
    skipped: list[str] = []
    dropped: list[str] = []
    unmatched: list[str] = []
    shape_errors: list[str] = []

    def take(path: str, source: Source, got: Shape) -> None:
        if path in assign:
            shape_errors.append(f"{path} is given twice ({assign[path].entry}, {source.entry})")
        elif tuple(got) != shapes[path]:
            shape_errors.append(f"{source.entry} {list(got)} -> {path} {list(shapes[path])}")
        else:
            assign[path] = source

    for name in sorted(checkpoint):
        shape = tuple(checkpoint[name])
        if name in overrides:
            target = overrides[name]
            if target is None:
                dropped.append(name)
            elif target not in shapes:
                unmatched.append(f"{name} (--names maps it to {target}, which the model lacks)")
            else:
                take(target, Source(name), shape)
            continue
        found = find_transform(name)
        if found is not None and all(t in shapes for t in found[1]):
            transform, targets = found
            parts = [shapes[t] for t in targets]
            try:
                values = TRANSFORM_FUNCTIONS[transform.kind](np.zeros(shape, np.float32), parts)
            except ValueError:
                values = []
            for index, target in enumerate(targets):
                got = values[index].shape if index < len(values) else shape
                take(target, Source(name, transform.kind, index), got)
            continue
        if name in shapes:
            take(name, Source(name), shape)
            continue
        if model_name and f"{model_name}/{name}" in shapes:
            take(f"{model_name}/{name}", Source(name), shape)
            continue
        if is_optimizer_state(name):
            skipped.append(name)
            continue
        unmatched.append(name)
    missing = [path for path, _ in weights if path not in assign]
    return Plan(assign=assign, skipped_optimizer=tuple(skipped), dropped=tuple(dropped),
                unmatched_entries=tuple(unmatched), missing_weights=tuple(missing),
                shape_errors=tuple(shape_errors))


def values_for(plan_: Plan, read: Callable[[str], np.ndarray],
               shapes: Mapping[str, Shape]) -> dict[str, np.ndarray]:
    """The value of every planned weight, reading each checkpoint entry once."""
    out: dict[str, np.ndarray] = {}
    groups: dict[str, list[tuple[str, Source]]] = {}
    for path, source in plan_.assign.items():
        groups.setdefault(source.entry, []).append((path, source))
    for entry, targets in groups.items():
        value = read(entry)
        for path, source in targets:
            if not source.transform:
                out[path] = value
                continue
            ordered = sorted((s.part, p) for p, s in targets if s.transform == source.transform)
            parts = TRANSFORM_FUNCTIONS[source.transform](value, [shapes[p] for _, p in ordered])
            out[path] = parts[source.part]
    return out
