"""RNN weight layouts: TF1 cells against Keras cells, as data, and the mapping between them.

A TF1 cell keeps one kernel over the concatenation ``[inputs, state]`` per gate group
(``[in + u, G * u]``) and a bias; a Keras cell splits that into ``kernel`` ``[in, G * u]``
and ``recurrent_kernel`` ``[u, G * u]`` and orders its gates differently. TF1's LSTM also
adds ``forget_bias`` to the forget gate at every step, where Keras keeps it in the bias
(``unit_forget_bias=True`` starts that bias at 1). Verify substitutes the original's
initial values into the converted program and compares final values, so it needs the
same function in both layouts: :func:`to_keras` and its inverse :func:`to_tf1`.

Example (LSTM, 2 inputs, 3 units)::

    kernel, recurrent, bias = to_keras(LAYOUTS["LSTMCell"], [k, b], inputs=2, units=3, offset=1.0)
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Layout:
    """How one Keras cell's gate blocks come from a TF1 cell's kernel/bias pairs.

    ``pairs`` is the number of TF1 (kernel, bias) pairs in creation order and ``blocks[p]``
    how many gate blocks of ``units`` columns pair ``p`` holds; ``order[k]`` says which
    (pair, block) Keras' gate block ``k`` is; ``forget_block`` is the Keras block that
    carries TF1's ``forget_bias`` (None when the cell has none).
    """

    tf1_cells: tuple[str, ...]  # TF1 variable-scope names of the cell (for reserving its variables)
    blocks: tuple[int, ...]
    order: tuple[tuple[int, int], ...]
    forget_block: int | None = None

    @property
    def pairs(self) -> int:
        return len(self.blocks)


# TF1 LSTM gates: i, j (candidate), f, o; Keras LSTMCell: i, f, c, o.
# TF1 GRU: gates kernel (r, u) then candidate kernel; Keras GRUCell (reset_after=False): z(=u), r, h.
LAYOUTS: dict[str, Layout] = {
    "LSTMCell": Layout(("basic_lstm_cell", "lstm_cell"), blocks=(4,), order=((0, 0), (0, 2), (0, 1), (0, 3)),
                       forget_block=1),
    "GRUCell": Layout(("gru_cell/gates", "gru_cell/candidate"), blocks=(2, 1), order=((0, 1), (0, 0), (1, 0))),
    "SimpleRNNCell": Layout(("basic_rnn_cell",), blocks=(1,), order=((0, 0),)),
}
TF1_CELL_VARIABLE = re.compile(r"(?:^|/)(basic_lstm_cell|lstm_cell|basic_rnn_cell|gru_cell/gates|gru_cell/candidate)"
                               r"/(kernel|bias)$")


def is_tf1_cell_variable(name: str) -> bool:
    """A TF1 RNN cell's kernel or bias, by its default variable name (`rnn/basic_lstm_cell/kernel`)."""
    return TF1_CELL_VARIABLE.search(name) is not None


def tf1_shapes(layout: Layout, inputs: int, units: int) -> list[list[int]]:
    """Shapes of the TF1 variables, in creation order: kernel, bias per pair."""
    out: list[list[int]] = []
    for blocks in layout.blocks:
        out += [[inputs + units, blocks * units], [blocks * units]]
    return out


def to_keras(layout: Layout, tf1: list[np.ndarray], inputs: int, units: int, offset: float
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """TF1 (kernel, bias, ...) values -> Keras (kernel, recurrent_kernel, bias); ``offset`` is the forget bias."""
    kernels, biases = tf1[0::2], tf1[1::2]
    kernel, recurrent, bias = [], [], []
    for k, (pair, block) in enumerate(layout.order):
        cols = slice(block * units, (block + 1) * units)
        kernel.append(kernels[pair][:inputs, cols])
        recurrent.append(kernels[pair][inputs:, cols])
        bias.append(biases[pair][cols] + (offset if k == layout.forget_block else 0.0))
    dtype = kernels[0].dtype
    return (np.concatenate(kernel, axis=1).astype(dtype), np.concatenate(recurrent, axis=1).astype(dtype),
            np.concatenate(bias).astype(dtype))


def to_tf1(layout: Layout, kernel: np.ndarray, recurrent: np.ndarray, bias: np.ndarray, units: int,
           offset: float) -> list[np.ndarray]:
    """The inverse of :func:`to_keras`: Keras values in TF1's layout (kernel, bias per pair)."""
    inputs = kernel.shape[0]
    kernels = [np.zeros((inputs + units, blocks * units), kernel.dtype) for blocks in layout.blocks]
    biases = [np.zeros((blocks * units,), bias.dtype) for blocks in layout.blocks]
    for k, (pair, block) in enumerate(layout.order):
        source, cols = slice(k * units, (k + 1) * units), slice(block * units, (block + 1) * units)
        kernels[pair][:inputs, cols] = kernel[:, source]
        kernels[pair][inputs:, cols] = recurrent[:, source]
        biases[pair][cols] = bias[source] - (offset if k == layout.forget_block else 0.0)
    out: list[np.ndarray] = []
    for pair_kernel, pair_bias in zip(kernels, biases):
        out += [pair_kernel, pair_bias]
    return out


UNMAPPED_NOTE = "RNN weights could not be mapped"
KERNEL_NOTE = ("RNN kernels: the converted Keras cells draw their own initial kernels (input kernel and "
               "recurrent kernel apart) where TF1 draws one kernel over [inputs, state]; verify substituted "
               "the original's values and compares only the biases' initial values")
KERAS_WEIGHTS = ("kernel", "recurrent_kernel", "bias")


@dataclass
class CellGroup:
    """One Keras cell matched to TF1 variables: the original indices and the converted variables."""

    layout: Layout
    indices: tuple[int, ...]  # original init indices, TF1 creation order
    units: int
    offset: float
    substitutes: dict[str, np.ndarray]  # Keras weight name -> value in Keras layout
    variables: dict[str, object]
    own: dict[str, np.ndarray]


def match_cell(layout: Layout, init: list[tuple[dict, np.ndarray]], used: list[bool], inputs: int, units: int
               ) -> tuple[int, ...] | None:
    """The first run of unused original variables, consecutive in creation order, shaped like this cell's."""
    shapes = tf1_shapes(layout, inputs, units)
    for start in range(len(init) - len(shapes) + 1):
        window = range(start, start + len(shapes))
        if all(not used[i] and init[i][0]["shape"] == shape for i, shape in zip(window, shapes)):
            return tuple(window)
    return None


class CellBuilds:
    """Converted-side bookkeeping: substitute mapped values while a Keras RNN cell builds its weights.

    The runtime wraps each Keras cell's ``build``; inside it, the variable creator asks
    :meth:`substitute` for ``kernel``/``recurrent_kernel``/``bias``. Final and own initial
    values are given back in the original's layout and indices.
    """

    def __init__(self, init: list[tuple[dict, np.ndarray]], used: list[bool]) -> None:
        self.init = init
        self.used = used
        self.current: CellGroup | None = None
        self.groups: list[CellGroup] = []
        # cells Keras built symbolically (a Model's first call): their weights are made after `build`, in order
        self.deferred: list[CellGroup] = []
        self.problems: list[str] = []

    def start(self, kind: str, cell: object, input_shape: object) -> None:
        layout = LAYOUTS[kind]
        units = int(getattr(cell, "units"))
        inputs = int(list(input_shape)[-1])  # type: ignore[call-overload]
        if kind == "GRUCell" and getattr(cell, "reset_after", False):
            self.problems.append(f"{UNMAPPED_NOTE}: a Keras GRU with reset_after=True computes another function "
                                 "than TF1's GRUCell (use reset_after=False)")
            self.current = None
            return
        offset = 1.0 if layout.forget_block is not None and getattr(cell, "unit_forget_bias", False) else 0.0
        indices = match_cell(layout, self.init, self.used, inputs, units)
        if indices is None:
            self.problems.append(f"{UNMAPPED_NOTE}: no original {'/'.join(layout.tf1_cells)} variables shaped "
                                 f"{tf1_shapes(layout, inputs, units)} for the converted {kind}({units}) "
                                 f"on {inputs} inputs")
            self.current = None
            return
        for i in indices:
            self.used[i] = True
        values = to_keras(layout, [self.init[i][1] for i in indices], inputs, units, offset)
        self.current = CellGroup(layout, indices, units, offset, dict(zip(KERAS_WEIGHTS, values)), {}, {})

    def target(self, name: str) -> CellGroup | None:
        """The cell a new weight called `name` belongs to: the one building, else the oldest still waiting."""
        if self.current is not None:
            return self.current
        return next((g for g in self.deferred if name in g.substitutes and name not in g.variables), None)

    def expects(self, name: str) -> bool:
        return name in KERAS_WEIGHTS and self.target(name) is not None

    def substitute(self, name: str, own: np.ndarray | None) -> np.ndarray | None:
        """The value the converted weight starts from (None: not a weight of a matched cell)."""
        group = self.target(name)
        if group is None or name not in group.substitutes:
            return None
        if own is not None:
            group.own[name] = own
        return group.substitutes[name]

    def created(self, name: str, variable: object) -> None:
        group = self.target(name)
        if group is not None and name in group.substitutes:
            group.variables[name] = variable
            if group in self.deferred and len(group.variables) == len(group.substitutes):
                self.deferred.remove(group)

    def finish_build(self) -> None:
        if self.current is not None:
            self.groups.append(self.current)
            if len(self.current.variables) < len(self.current.substitutes):
                self.deferred.append(self.current)
        self.current = None

    def in_tf1_layout(self, group: CellGroup, values: dict[str, np.ndarray]) -> dict[int, np.ndarray]:
        """Keras-layout values of a group -> {original index: value}."""
        back = to_tf1(group.layout, values["kernel"], values["recurrent_kernel"], values["bias"], group.units,
                      group.offset)
        return dict(zip(group.indices, back))
