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
