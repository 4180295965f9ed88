"""RNN cells and ``tf.nn.dynamic_rnn`` in a TF1 graph script: what the rewrite can make a Keras RNN layer.

``cell = tf.nn.rnn_cell.BasicLSTMCell(n)`` builds nothing in the graph yet; the cell's
weights appear when ``outputs, state = tf.nn.dynamic_rnn(cell, x, dtype=tf.float32)``
runs it over time. The rewrite turns that pair into one Keras layer created at module
level (``tf.keras.layers.LSTM(n, return_sequences=True)``) and called in the step
functions. This module reads both statements into :class:`RnnCall` (or a precise
blocker); emission is in :mod:`tf2port.fix.rnn`.

Only what computes exactly TF1's function is accepted: default activations, LSTM
``forget_bias`` 1.0 (Keras' ``unit_forget_bias=True``) or 0.0, batch-major inputs,
no ``sequence_length``, no initial state but the cell's ``zero_state``, no peepholes or projections.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst

if TYPE_CHECKING:
    from tf2port.analysis.graph import _Analyser

CELL_PREFIXES = ("tf.nn.rnn_cell.", "tf.contrib.rnn.")
# TF1 cell class -> Keras cell class (the layer is the cell name without "Cell")
CELLS = {"BasicRNNCell": "SimpleRNNCell", "BasicLSTMCell": "LSTMCell", "LSTMCell": "LSTMCell", "GRUCell": "GRUCell"}
# keyword arguments of each TF1 cell, in positional order
CELL_PARAMS = {
    "BasicRNNCell": ("num_units", "activation", "reuse", "name", "dtype"),
    "BasicLSTMCell": ("num_units", "forget_bias", "state_is_tuple", "activation", "reuse", "name", "dtype"),
    "LSTMCell": ("num_units", "use_peepholes", "cell_clip", "initializer", "num_proj", "proj_clip",
                 "num_unit_shards", "num_proj_shards", "forget_bias", "state_is_tuple", "activation", "reuse",
                 "name", "dtype"),
    "GRUCell": ("num_units", "activation", "reuse", "kernel_initializer", "bias_initializer", "name", "dtype"),
}
# arguments that leave TF1's function unchanged when given these values (source text)
NEUTRAL = {
    "use_peepholes": ("False",), "cell_clip": ("None",), "initializer": ("None",), "num_proj": ("None",),
    "proj_clip": ("None",), "num_unit_shards": ("None",), "num_proj_shards": ("None",),
    "state_is_tuple": ("True",), "activation": ("None",), "reuse": ("None", "False"),  # or tanh, by its TF name
    "kernel_initializer": ("None",), "bias_initializer": ("None",), "dtype": ("None",),  # or float32, by name
    "name": None,  # any name: it only prefixes variable names
}
FORGET_BIASES = ("1.0", "1", "0.0", "0")
DYNAMIC_RNN_PARAMS = ("cell", "inputs", "sequence_length", "initial_state", "dtype", "parallel_iterations",
                      "swap_memory", "time_major", "scope")
# dynamic_rnn arguments that do not change what is computed
DYNAMIC_RNN_IGNORED = ("parallel_iterations", "swap_memory", "scope")


@dataclass(frozen=True)
class CellSpec:
    """One TF1 cell: its class, the source of its unit count, and whether TF1 adds a forget bias."""

    kind: str  # TF1 class name: BasicLSTMCell, LSTMCell, GRUCell, BasicRNNCell
    units: str  # source text of num_units
    forget_bias: bool = True  # LSTM only: forget_bias=1.0 (True) or 0.0 (False)

    @property
    def keras_cell(self) -> str:
        return CELLS[self.kind]


@dataclass(frozen=True)
class StackSpec:
    """``MultiRNNCell([...])``: the cells, or one cell repeated by a comprehension."""

    cells: tuple[CellSpec, ...]
    comprehension: str = ""  # "for _ in range(3)" when the list is a comprehension over one cell


@dataclass(frozen=True)
class RnnCall:
    """``outputs, state = tf.nn.dynamic_rnn(cell, inputs, ...)``, as the rewrite needs it."""

    cell: CellSpec | StackSpec
    inputs: cst.BaseExpression
    outputs: str
    state: str | None  # None: the state is not used
    state_parts: tuple[str, ...]  # LSTM: the LSTMStateTuple fields read ("c", "h")


def cell_kind(analyser: _Analyser, node: cst.BaseExpression) -> str | None:
    """`BasicLSTMCell` for a call of `tf.nn.rnn_cell.BasicLSTMCell` (or its contrib spelling)."""
    if not isinstance(node, cst.Call):
        return None
    name = analyser.qualified(node.func) or ""
    for prefix in CELL_PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix):]
    return None


def _code(node: cst.CSTNode) -> str:
    return cst.Module(body=[]).code_for_node(node)


def _arguments(call: cst.Call, params: tuple[str, ...]) -> dict[str, cst.BaseExpression] | None:
    out: dict[str, cst.BaseExpression] = {}
    for i, arg in enumerate(call.args):
        if arg.star:
            return None
        key = arg.keyword.value if arg.keyword else (params[i] if i < len(params) else None)
        if key is None or key not in params:
            return None
        out[key] = arg.value
    return out


class RnnReader:
    """Reads cell and dynamic_rnn statements for one analysis; blockers go to the analyser."""

    def __init__(self, analyser: _Analyser) -> None:
        self.a = analyser
        self.cells: dict[str, CellSpec | StackSpec] = {}
        self.zero_states: set[str] = set()  # `init = cell.zero_state(batch, tf.float32)`: Keras' default start

    def cell(self, node: cst.BaseExpression) -> CellSpec | StackSpec | None:
        """The spec of a cell expression (a constructor call or a cell's name); None after a blocker."""
        if isinstance(node, cst.Name) and node.value in self.cells:
            return self.cells[node.value]
        kind = cell_kind(self.a, node)
        if kind is None:
            self.a.block(node, _code(node), "the RNN cell is not a cell constructor the analysis can see")
            return None
        assert isinstance(node, cst.Call)
        if kind == "MultiRNNCell":
            return self.stack(node)
        if kind not in CELLS:
            self.a.block(node, f"tf.nn.rnn_cell.{kind}", f"`{kind}` is not rewritten (supported cells: "
                         "BasicRNNCell, BasicLSTMCell, LSTMCell, GRUCell, MultiRNNCell)")
            return None
        args = _arguments(node, CELL_PARAMS[kind])
        if args is None or "num_units" not in args:
            self.a.block(node, f"tf.nn.rnn_cell.{kind}", "the cell's arguments could not be mapped")
            return None
        forget = True
        for key, value in args.items():
            text = _code(value)
            allowed = NEUTRAL.get(key, ())
            if key == "num_units" or allowed is None:
                continue
            if key == "forget_bias":
                if text not in FORGET_BIASES:
                    self.a.block(node, f"tf.nn.rnn_cell.{kind}", f"forget_bias={text}: Keras' LSTM adds no "
                                 "constant to the forget gate (only 1.0 and 0.0 are rewritten)")
                    return None
                forget = float(text) == 1.0
                continue
            if key == "dtype" and self.a.qualified(value) == "tf.float32":
                continue
            if text not in allowed and not (key == "activation" and self.a.qualified(value) in ("tf.tanh",
                                                                                               "tf.nn.tanh")):
                self.a.block(node, f"tf.nn.rnn_cell.{kind}", f"`{key}={text}` is not rewritten (Keras' cell "
                             "would compute another function)")
                return None
        return CellSpec(kind, _code(args["num_units"]), forget)

    def is_zero_state(self, node: cst.BaseExpression) -> bool:
        """`cell.zero_state(batch_size, dtype)` of a cell the analysis knows."""
        return isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) \
            and node.func.attr.value == "zero_state" and isinstance(node.func.value, cst.Name) \
            and node.func.value.value in self.cells

    def stack(self, call: cst.Call) -> StackSpec | None:
        args = _arguments(call, ("cells", "state_is_tuple"))
        cells = args.get("cells") if args else None
        if args is None or cells is None or ("state_is_tuple" in args and _code(args["state_is_tuple"]) != "True"):
            self.a.block(call, "tf.nn.rnn_cell.MultiRNNCell", "MultiRNNCell arguments could not be mapped")
            return None
        if isinstance(cells, cst.ListComp) and not cells.for_in.inner_for_in and not cells.for_in.ifs:
            inner = self.cell(cells.elt)
            if not isinstance(inner, CellSpec):
                return None
            return StackSpec((inner,), "for " + _code(cells.for_in.target) + " in " + _code(cells.for_in.iter))
        if isinstance(cells, (cst.List, cst.Tuple)) and cells.elements:
            specs = []
            for element in cells.elements:
                inner = self.cell(element.value)
                if not isinstance(inner, CellSpec):
                    if inner is not None:
                        self.a.block(element.value, "tf.nn.rnn_cell.MultiRNNCell", "nested MultiRNNCell")
                    return None
                specs.append(inner)
            return StackSpec(tuple(specs))
        self.a.block(call, "tf.nn.rnn_cell.MultiRNNCell", "the cells of MultiRNNCell are not a list or a "
                                                          "list comprehension")
        return None

    def statement(self, index: int, stmt: cst.SimpleStatementLine, small: cst.BaseSmallStatement) -> bool:
        """Record a cell or dynamic_rnn statement; True when it was one (handled, maybe blocked)."""
        from tf2port.analysis.graph import Statement, _targets, names_used

        if not isinstance(small, cst.Assign) or len(small.targets) != 1 or not isinstance(small.value, cst.Call):
            return False
        targets = _targets(small.targets[0].target)
        call = small.value
        name = self.a.qualified(call.func) or ""
        if targets is None:
            return False
        if cell_kind(self.a, call) is not None and len(targets) == 1:
            spec = self.cell(call)
            if spec is None:
                self.a.statements.append(Statement(index, stmt, "host"))
                return True
            self.cells[targets[0]] = spec
            self.a.statements.append(Statement(index, stmt, "drop", defines=targets, extra={"rnn_cell": spec}))
            return True
        if self.is_zero_state(call) and len(targets) == 1:
            self.zero_states.add(targets[0])
            self.a.statements.append(Statement(index, stmt, "drop", defines=targets))
            return True
        if name != "tf.nn.dynamic_rnn":
            return False
        found = self.dynamic_rnn(index, call, targets)
        if found is None:
            self.a.statements.append(Statement(index, stmt, "host"))
            return True
        for target in targets:
            if target != "_":
                self.a.defined[target] = "layer"
        uses = frozenset(n for n in names_used(found.inputs) if n in self.a.defined)
        self.a.statements.append(Statement(index, stmt, "layer", defines=targets, uses=uses, call=call,
                                           qualified=name, extra={"rnn": found}))
        return True

    def dynamic_rnn(self, index: int, call: cst.Call, targets: tuple[str, ...]) -> RnnCall | None:
        args = _arguments(call, DYNAMIC_RNN_PARAMS)
        if args is None or "cell" not in args or "inputs" not in args:
            self.a.block(call, "tf.nn.dynamic_rnn", "dynamic_rnn arguments could not be mapped")
            return None
        for key, value in args.items():
            text = _code(value)
            if key in ("cell", "inputs") or key in DYNAMIC_RNN_IGNORED:
                continue
            if key == "dtype" and self.a.qualified(value) == "tf.float32":
                continue
            if key == "time_major" and text == "False":
                continue
            if key == "initial_state" and (text in self.zero_states or self.is_zero_state(value)):
                continue  # Keras RNN layers start from zeros too
            reason = {"sequence_length": "sequence_length (per-example lengths) is not rewritten: Keras masks "
                                         "differently (the state is not carried past a sequence's end the same way)",
                      "initial_state": "an initial state is not rewritten yet",
                      "time_major": "time-major inputs are not rewritten yet",
                      "dtype": f"dtype={text}: only float32 RNNs are rewritten"}.get(key, f"`{key}=` is not rewritten")
            self.a.block(value, "tf.nn.dynamic_rnn", reason)
            return None
        cell = self.cell(args["cell"])
        if cell is None:
            return None
        if len(targets) != 2:
            self.a.block(call, "tf.nn.dynamic_rnn", "the result of dynamic_rnn is not unpacked as `outputs, state`")
            return None
        outputs, state = targets
        parts = self.state_uses(index, state)
        if parts is None:
            return None
        if parts and (isinstance(cell, StackSpec) or (parts != ("whole",) and "LSTM" not in cell.kind)):
            reason = ("the state of a MultiRNNCell (a tuple per layer) is not rewritten yet" if isinstance(
                cell, StackSpec) else "the state is read in a way the rewrite does not follow")
            self.a.block(call, "tf.nn.dynamic_rnn", reason)
            return None
        if parts == ("whole",) and isinstance(cell, CellSpec) and "LSTM" in cell.kind:
            self.a.block(call, "tf.nn.dynamic_rnn", "the LSTM state tuple is used as a whole (only `state.c` and "
                                                    "`state.h` are rewritten)")
            return None
        return RnnCall(cell, args["inputs"], outputs, state if parts else None,
                       tuple(p for p in parts if p != "whole"))

    def state_uses(self, index: int, state: str) -> tuple[str, ...] | None:
        """How later statements read the state: () unused, ("whole",), or the fields read (`c`, `h`)."""
        if state == "_":
            return ()
        reads = _StateReads(state)
        for stmt in self.a.body[index + 1:]:
            stmt.visit(reads)
        return ("whole",) if reads.whole else tuple(sorted(reads.fields))


class _StateReads(cst.CSTVisitor):
    def __init__(self, state: str) -> None:
        self.state = state
        self.fields: set[str] = set()
        self.whole = False

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        if isinstance(node.value, cst.Name) and node.value.value == self.state:
            if node.attr.value in ("c", "h"):
                self.fields.add(node.attr.value)
                return False
            self.whole = True
            return False
        node.value.visit(self)
        return False

    def visit_Name(self, node: cst.Name) -> None:
        if node.value == self.state:
            self.whole = True
