"""Plan a checkpoint conversion: which TF1 entries give which Keras weight.

Pure (numpy only): the plan is computed from names and shapes, so it can be
tested and printed without TensorFlow. The command in ``tf2port.ckpt.cli``
reads the checkpoint, builds the model, asks ``plan`` and writes;
``verify --entry`` asks the same ``plan`` to give the converted class the
original's values, and maps its final values back with ``to_checkpoint_names``.

    plan(checkpoint={"dense/kernel": (4, 2)}, weights=[("dense/kernel", (4, 2))])
    # -> Plan(assign={"dense/kernel": Source(("dense/kernel",))}, ...)
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from tf2port.ckpt.mapping import TRANSFORMS, CellMatch, find_transform, is_optimizer_state

Shape = tuple[int, ...]
GRU_RESET_AFTER_HINT = ("a Keras GRU with reset_after=True (bias [2, 3 * units]) computes another function "
                        "than TF1's GRUCell; build it with reset_after=False")


@dataclass(frozen=True)
class Source:
    """Where one Keras weight's value comes from: checkpoint entries, maybe transformed.

    Without ``transform`` it is the one entry as stored; with one (a ``mapping.TRANSFORMS``
    name) ``entries`` are the TF1 cell's variables in the transform's order, ``cell`` its
    TF1 folder and ``part`` which Keras weight (kernel, recurrent_kernel, bias) this is.
    """

    entries: tuple[str, ...]
    transform: str = ""
    part: int = 0
    cell: str = ""

    @property
    def entry(self) -> str:
        return self.cell or self.entries[0]


@dataclass(frozen=True)
class ShapeError:
    """Checkpoint entries and model weights that would pair by name but differ in shape."""

    entries: tuple[str, ...]
    paths: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class Plan:
    """The mapping and every reason it is incomplete; ``complete`` allows a write."""

    assign: dict[str, Source] = field(default_factory=dict)
    skipped_optimizer: tuple[str, ...] = ()
    dropped: tuple[str, ...] = ()  # mapped to null in --names
    unmatched_entries: tuple[str, ...] = ()  # checkpoint model variables no weight takes
    missing_weights: tuple[str, ...] = ()  # model weights with no value
    shape_errors: tuple[ShapeError, ...] = ()
    reasons: dict[str, str] = field(default_factory=dict)  # unmatched entry -> why, when known

    @property
    def complete(self) -> bool:
        return not (self.unmatched_entries or self.missing_weights or self.shape_errors)

    def problems(self) -> list[str]:
        """One line per problem, every one listed."""
        return ([f"unmatched checkpoint variable: {n}" + (f" ({self.reasons[n]})" if n in self.reasons else "")
                 for n in self.unmatched_entries]
                + [f"model weight without a value: {n}" for n in self.missing_weights]
                + [f"shape differs: {error.text}" for error in self.shape_errors])

    def transformed_cells(self) -> list[tuple[str, str]]:
        """(TF1 cell folder, transform name) of every RNN cell the plan splits, in order."""
        seen: dict[str, str] = {}
        for source in self.assign.values():
            if source.transform:
                seen.setdefault(source.cell, source.transform)
        return list(seen.items())


def _shapes_text(names: Sequence[str], shapes: Sequence[Shape]) -> str:
    return ", ".join(f"{name} {list(shape)}" for name, shape in zip(names, shapes))


def plan(checkpoint: Mapping[str, Shape], weights: Sequence[tuple[str, Shape]],
         overrides: Mapping[str, str | None] | None = None, model_name: str = "") -> Plan:
    """Map checkpoint entries (name -> shape) to model weights (path, shape) in order.

    Rules, in order: an ``overrides`` entry (old name -> new path, or None to drop
    it); a ``mapping.TRANSFORMS`` RNN cell whose Keras weights all exist (its TF1
    variables are taken together; a cell with some of them missing is reported as
    partial); the contract's identity (path == TF1 name; another shape is an error),
    also under the model's own name (a model built at top level prefixes its weights
    with it: TF1 ``hidden/kernel`` is ``model/hidden/kernel``); optimizer state is
    skipped. Everything else is reported.
    """
    overrides = dict(overrides or {})
    shapes = {path: tuple(shape) for path, shape in weights}
    assign: dict[str, Source] = {}
    skipped: list[str] = []
    dropped: list[str] = []
    unmatched: list[str] = []
    reasons: dict[str, str] = {}
    shape_errors: list[ShapeError] = []

    def take(path: str, source: Source, got: Shape) -> None:
        if path in assign:
            shape_errors.append(ShapeError(source.entries, (path,),
                                           f"{path} is given twice ({assign[path].entry}, {source.entry})"))
        elif tuple(got) != shapes[path]:
            shape_errors.append(ShapeError(source.entries, (path,),
                                           f"{source.entry} {list(got)} -> {path} {list(shapes[path])}"))
        else:
            assign[path] = source

    cells: dict[str, CellMatch] = {}
    for name in checkpoint:
        found = find_transform(name)
        if found is not None and name not in overrides:
            cells.setdefault(found.prefix, found)
    in_cells: set[str] = set()
    for prefix, cell in sorted(cells.items()):
        targets = next((t for t in (cell.targets(), cell.targets(model_name) if model_name else ())
                        if t and all(p in shapes for p in t)), None)
        present = [s for s in cell.sources if s in checkpoint and s not in overrides]
        kind = f"TF1 {cell.transform.name} cell {prefix}"
        if targets is None:
            # the model has no such Keras cell: the variables stay for the other rules, with the reason
            wanted = ", ".join(cell.targets(model_name) if model_name else cell.targets())
            for name in present:
                reasons[name] = f"{kind}: the model has no Keras weights {wanted}"
            continue
        in_cells.update(present)
        lacking = [s for s in cell.sources if s not in present]
        if lacking:
            for name in present:
                unmatched.append(name)
                reasons[name] = f"partial {kind}: the checkpoint lacks {', '.join(lacking)}"
            continue
        target_shapes = [shapes[p] for p in targets]
        source_shapes = [tuple(checkpoint[s]) for s in cell.sources]
        expected = cell.transform.expected_shapes(target_shapes)
        if expected is None or expected != (source_shapes, target_shapes):
            hint = ""
            if cell.transform.name == "GRU" and len(target_shapes[2]) == 2:
                hint = f" ({GRU_RESET_AFTER_HINT})"
            shape_errors.append(ShapeError(cell.sources, targets, f"{kind} {_shapes_text(cell.sources, source_shapes)}"
                                           f" -> {_shapes_text(targets, target_shapes)}{hint}"))
            continue
        for part, path in enumerate(targets):
            assign[path] = Source(cell.sources, cell.transform.name, part, prefix)

    for name in sorted(checkpoint):
        shape = tuple(checkpoint[name])
        if name in in_cells:
            continue
        if name in overrides:
            target = overrides[name]
            if target is None:
                dropped.append(name)
            elif target not in shapes:
                unmatched.append(name)
                reasons[name] = f"--names maps it to {target}, which the model lacks"
            else:
                take(target, Source((name,)), shape)
            continue
        if name in shapes:
            take(name, Source((name,)), shape)
            continue
        if model_name and f"{model_name}/{name}" in shapes:
            take(f"{model_name}/{name}", Source((name,)), shape)
            continue
        if is_optimizer_state(name):
            skipped.append(name)
            continue
        unmatched.append(name)
    missing = [path for path, _ in weights if path not in assign]
    return Plan(assign=assign, skipped_optimizer=tuple(skipped), dropped=tuple(dropped),
                unmatched_entries=tuple(sorted(unmatched)), missing_weights=tuple(missing),
                shape_errors=tuple(shape_errors), reasons={n: reasons[n] for n in unmatched if n in reasons})


TRANSFORM_BY_NAME = {transform.name: transform for transform in TRANSFORMS}


def forget_bias_of(source: Source, forget_biases: Mapping[str, float] | None) -> float:
    """The forget bias TF1 added for this cell: as recorded (verify) or the cell's default (ckpt)."""
    default = TRANSFORM_BY_NAME[source.transform].forget_bias
    return float((forget_biases or {}).get(source.cell, default))


def values_for(plan_: Plan, read: Callable[[str], np.ndarray],
               forget_biases: Mapping[str, float] | None = None) -> dict[str, np.ndarray]:
    """The value of every planned weight, reading each checkpoint entry once.

    ``forget_biases`` (TF1 cell folder -> value) overrides a transform's default forget bias.
    """
    cache: dict[str, np.ndarray] = {}

    def value(name: str) -> np.ndarray:
        if name not in cache:
            cache[name] = read(name)
        return cache[name]

    out: dict[str, np.ndarray] = {}
    cells: dict[str, list[np.ndarray]] = {}
    for path, source in plan_.assign.items():
        if not source.transform:
            out[path] = value(source.entries[0])
            continue
        if source.cell not in cells:
            transform = TRANSFORM_BY_NAME[source.transform]
            cells[source.cell] = transform.to_keras([value(e) for e in source.entries],
                                                    forget_bias_of(source, forget_biases))
        out[path] = cells[source.cell][source.part]
    return out


def to_checkpoint_names(plan_: Plan, values: Mapping[str, np.ndarray],
                        forget_biases: Mapping[str, float] | None = None) -> dict[str, np.ndarray]:
    """The inverse of ``values_for``: Keras weight values -> values under the TF1 names.

    A split RNN kernel is put back together, gates in TF1's order, forget bias taken out,
    so values can be compared with what the TF1 program holds.
    """
    out: dict[str, np.ndarray] = {}
    cells: dict[str, dict[int, np.ndarray]] = {}
    first: dict[str, Source] = {}
    for path, source in plan_.assign.items():
        if not source.transform:
            out[source.entries[0]] = np.asarray(values[path])
            continue
        cells.setdefault(source.cell, {})[source.part] = np.asarray(values[path])
        first.setdefault(source.cell, source)
    for cell, parts in cells.items():
        source = first[cell]
        transform = TRANSFORM_BY_NAME[source.transform]
        back = transform.to_tf1([parts[k] for k in range(len(transform.targets))],
                                forget_bias_of(source, forget_biases))
        out.update(zip(source.entries, back))
    return out
