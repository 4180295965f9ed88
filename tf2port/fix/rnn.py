"""Emission of Keras RNN layers for ``tf.nn.dynamic_rnn`` (analysis: :mod:`tf2port.analysis.rnn`).

``outputs, state = tf.nn.dynamic_rnn(cell, x, dtype=tf.float32)`` with an LSTM cell becomes
a layer created once, ``lstm = tf.keras.layers.LSTM(n, return_sequences=True, return_state=True)``,
and, in the step function, ``outputs, state_h, state_c = lstm(x)``; later reads of
``state.h`` / ``state.c`` become ``state_h`` / ``state_c`` (Keras returns h before c).
TF1 details that change the function are carried explicitly: a GRU is
``reset_after=False`` with its gate biases starting at 1 as in TF1; an LSTM with
``forget_bias=0.0`` is ``unit_forget_bias=False``. ``MultiRNNCell`` becomes
``tf.keras.layers.RNN`` over the list of Keras cells.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from tf2port.analysis.rnn import CellSpec, RnnCall, StackSpec

if TYPE_CHECKING:
    from tf2port.analysis.graph import Statement
    from tf2port.fix.graph_to_eager import _Emitter

LAYER_NAMES = {"LSTMCell": "lstm", "GRUCell": "gru", "SimpleRNNCell": "rnn"}
MAX_LINE = 100
GRU_COMMENT = "# as TF1's GRUCell: reset gate applied before the recurrent kernel, gate biases starting at 1"


def _cell_options(spec: CellSpec, tf: str) -> list[str]:
    """Keras keywords that make the Keras cell compute TF1's function."""
    if spec.keras_cell == "GRUCell":
        units = spec.units if spec.units.isidentifier() or spec.units.isdigit() else f"({spec.units})"
        gates = str(2 * int(units)) if units.isdigit() else f"(2 * {units})"
        # TF1's GRUCell starts its reset and update gate biases at 1, the candidate's at 0
        return ["reset_after=False",
                f"bias_initializer={tf}.keras.initializers.Constant([1.0] * {gates} + [0.0] * {units})"]
    if spec.keras_cell == "LSTMCell" and not spec.forget_bias:
        return ["unit_forget_bias=False"]
    return []


def _cell(spec: CellSpec, tf: str) -> str:
    return f"{tf}.keras.layers.{spec.keras_cell}({', '.join([spec.units, *_cell_options(spec, tf)])})"


def constructor(rnn: RnnCall, tf: str, target: str, name: str | None = None) -> str:
    """The module-level layer: `tf.keras.layers.LSTM(8, return_sequences=True, ...)`, one argument
    a line when it would not fit (`target = ` is the start of its line); `name` for a sub-layer."""
    flags = ["return_sequences=True"] + (["return_state=True"] if rnn.state else [])
    flags += [f'name="{name}"'] if name is not None else []
    cell = rnn.cell
    if isinstance(cell, StackSpec):
        if cell.comprehension:
            cells = f"[{_cell(cell.cells[0], tf)} {cell.comprehension}]"
        else:
            cells = "[" + ", ".join(_cell(c, tf) for c in cell.cells) + "]"
        head, args = f"{tf}.keras.layers.RNN", [cells, *flags]
    else:
        head, args = f"{tf}.keras.layers.{cell.keras_cell[:-len('Cell')]}", [cell.units, *_cell_options(cell, tf),
                                                                            *flags]
    one_line = f"{head}({', '.join(args)})"
    gru = isinstance(cell, CellSpec) and cell.keras_cell == "GRUCell"
    if len(target) + 3 + len(one_line) <= MAX_LINE and not gru:
        return one_line
    lines = [f"    {GRU_COMMENT}\n" if gru and arg.startswith("reset_after") else "" for arg in args]
    return f"{head}(\n" + "".join(f"{comment}    {arg},\n" for comment, arg in zip(lines, args)) + ")"


def prepare(emitter: _Emitter, stmt: Statement) -> None:
    """Name the layer object and the state variables; record the layer's spec for emission."""
    rnn: RnnCall = stmt.extra["rnn"]
    cell = rnn.cell
    base = "rnn" if isinstance(cell, StackSpec) else LAYER_NAMES[cell.keras_cell]
    if isinstance(cell, StackSpec):
        base = "stacked_" + LAYER_NAMES[cell.cells[0].keras_cell] if len({c.keras_cell for c in cell.cells}) == 1 \
            else "stacked_rnn"
    layer = emitter.layer_objects[stmt.index] = emitter.fresh(base)
    inputs = cst.Module(body=[]).code_for_node(rnn.inputs)
    emitter.layer_specs[stmt.index] = (constructor(rnn, emitter.tf, layer), "{inputs}", inputs)
    if rnn.state and isinstance(cell, CellSpec) and "LSTM" in cell.kind:
        emitter.rnn_states[rnn.state] = {part: emitter.fresh(f"{rnn.state}_{part}") for part in rnn.state_parts}


def call_statement(emitter: _Emitter, stmt: Statement) -> cst.BaseStatement:
    """In the step function: `outputs, state_h, state_c = lstm(x)` (targets as the user reads them)."""
    rnn: RnnCall = stmt.extra["rnn"]
    layer = emitter.layer_objects[stmt.index]
    inputs = emitter.layer_specs[stmt.index][2]
    targets = [rnn.outputs]
    if rnn.state in emitter.rnn_states:
        names = emitter.rnn_states[rnn.state]
        targets += [names[part] if part in rnn.state_parts else "_" for part in ("h", "c")]
    elif rnn.state:
        targets.append(rnn.state)
    node = cst.parse_statement(f"{', '.join(targets)} = {layer}({inputs})\n")
    leading = [line for line in getattr(stmt.node, "leading_lines", []) if line.comment]
    if isinstance(stmt.node, cst.SimpleStatementLine):  # a trailing comment stays on its line
        node = node.with_changes(trailing_whitespace=stmt.node.trailing_whitespace)
    return node.with_changes(leading_lines=leading)


class StateReads(cst.CSTTransformer):
    """`state.h` -> `state_h`, `state.c` -> `state_c` for the LSTM states the layers return apart."""

    def __init__(self, states: dict[str, dict[str, str]]) -> None:
        self.states = states

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.BaseExpression:
        if isinstance(updated.value, cst.Name) and updated.value.value in self.states:
            names = self.states[updated.value.value]
            if updated.attr.value in names:
                return cst.Name(names[updated.attr.value])
        return updated


def _bound_by_import(stmt: cst.BaseStatement) -> set[str]:
    """Names a module-level `import` / `from ... import` statement binds (empty for other statements)."""
    if not (isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1
            and isinstance(stmt.body[0], (cst.Import, cst.ImportFrom))):
        return set()
    names = stmt.body[0].names
    if isinstance(names, cst.ImportStar):
        return set()
    bound = set()
    for alias in names:
        target = alias.asname.name if alias.asname is not None else alias.name
        code = cst.Module(body=[]).code_for_node(target)
        bound.add(code.split(".")[0])
    return bound


def drop_unused_rnn_imports(body: list[cst.BaseStatement], aliases: dict[str, str]) -> list[cst.BaseStatement]:
    """`from tensorflow.contrib import rnn` goes once no cell is read through it (TF2 has no tf.contrib)."""
    from tf2port.analysis.graph import names_used

    used: set[str] = set()
    for stmt in body:
        if not _bound_by_import(stmt):
            used |= names_used(stmt)
    out = []
    for stmt in body:
        bound = _bound_by_import(stmt)
        if bound and not bound & used and all(aliases.get(n, "").startswith("tensorflow.contrib.rnn") for n in bound):
            continue
        out.append(stmt)
    return out
