"""Where a TF1 variable name is not the Keras weight path: the exceptions, as data.

The library contract keeps names: a TF1 variable ``encoder/dense/kernel:0`` is
the Keras 3 weight whose ``.path`` is ``encoder/dense/kernel``. This module holds
everything that rule does not cover, in one place, so the rewrite, ``ckpt
convert`` and ``verify --entry`` agree:

- ``OPTIMIZER_STATE``: checkpoint entries that are training state, not model
  weights (slot variables, step counters, Adam's beta powers). They are
  reported as skipped, never as unmatched.
- ``TRANSFORMS``: the TF1 RNN cells whose variables become other Keras weights
  (one kernel over ``[inputs; state]`` -> ``kernel`` + ``recurrent_kernel``, gates
  reordered). The names are here; the gate layouts and the value functions are
  ``tf2port.verify.rnn_weights`` (measured by ``scripts/check_rnn_layouts.py``), which
  verify's program mode uses too, so there is one table of gate orders.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from tf2port.verify.rnn_weights import LAYOUTS, Layout, tf1_shapes, to_keras, to_tf1

# Slot variables are named "<variable>/<OptimizerName>[_<k>]" by tf.train optimizers
# (Adam has two slots: Adam and Adam_1); step counters and Adam's beta powers sit at
# the top level (or under a scope, with _<k> when several optimizers exist).
OPTIMIZER_SLOT_NAMES = ("Adam", "Momentum", "RMSProp", "Adagrad", "AdagradDA", "Adadelta",
                        "Ftrl", "ProximalAdagrad", "GradientDescent")
OPTIMIZER_STATE: tuple[re.Pattern[str], ...] = (
    re.compile(r"(?:^|/)global_step$"),
    re.compile(r"(?:^|/)beta[12]_power(?:_\d+)?$"),
    re.compile(r"/(?:" + "|".join(OPTIMIZER_SLOT_NAMES) + r")(?:_\d+)?$"),
)

Shape = tuple[int, ...]


def is_optimizer_state(name: str) -> bool:
    """Whether a checkpoint entry is optimizer or step state rather than a model weight."""
    return any(pattern.search(name) for pattern in OPTIMIZER_STATE)


@dataclass(frozen=True)
class Transform:
    """The TF1 variables of one RNN cell, which together become one Keras cell's weights.

    ``pattern`` matches any variable of the cell and captures ``scope`` (the folder
    around the cell, ``rnn`` under ``dynamic_rnn``) and ``cell`` (TF1's cell folder);
    ``sources`` are the cell's variables under ``{scope}/{cell}/`` in the layout's order
    (kernel, bias per pair); ``targets`` are the Keras weights under ``{scope}/``
    (kernel, recurrent_kernel, bias). ``forget_bias`` is what TF1 adds to the forget
    gate at run time by default (never stored; Keras keeps it in the bias).
    """

    name: str  # what users call the cell, for messages
    pattern: re.Pattern[str]
    sources: tuple[str, ...]
    targets: tuple[str, ...]
    layout: str  # a key of rnn_weights.LAYOUTS
    forget_bias: float
    note: str

    @property
    def cell_layout(self) -> Layout:
        return LAYOUTS[self.layout]

    def expected_shapes(self, targets: Sequence[Shape]) -> tuple[list[Shape], list[Shape]] | None:
        """(TF1 source shapes, Keras target shapes) this cell has for the model's inputs and units.

        Read from the model's kernel ``[inputs, G * units]`` and recurrent kernel
        ``[units, G * units]``; None when those are not 2-D.
        """
        if len(targets) < 2 or len(targets[0]) != 2 or len(targets[1]) != 2:
            return None
        inputs, units = int(targets[0][0]), int(targets[1][0])
        gates = sum(self.cell_layout.blocks) * units
        tf1 = [tuple(shape) for shape in tf1_shapes(self.cell_layout, inputs, units)]
        return tf1, [(inputs, gates), (units, gates), (gates,)]

    def to_keras(self, values: Sequence[np.ndarray], forget_bias: float) -> list[np.ndarray]:
        """TF1 source values (in ``sources`` order) -> Keras kernel, recurrent_kernel, bias."""
        kernel = values[0]
        units = kernel.shape[1] // self.cell_layout.blocks[0]
        return list(to_keras(self.cell_layout, list(values), kernel.shape[0] - units, units, forget_bias))

    def to_tf1(self, values: Sequence[np.ndarray], forget_bias: float) -> list[np.ndarray]:
        """The inverse: Keras kernel, recurrent_kernel, bias -> TF1 values in ``sources`` order."""
        kernel, recurrent, bias = values
        return to_tf1(self.cell_layout, kernel, recurrent, bias, recurrent.shape[0], forget_bias)


def _cell_pattern(folders: str, variables: str) -> re.Pattern[str]:
    return re.compile(rf"^(?:(?P<scope>.*)/)?(?P<cell>{folders})/(?:{variables})$")


KERAS_WEIGHTS = ("kernel", "recurrent_kernel", "bias")
TRANSFORMS: tuple[Transform, ...] = (
    # tf.nn.rnn_cell.LSTMCell / BasicLSTMCell: one kernel over [inputs; state] with gates
    # (i, j, f, o) -> Keras LSTM kernel (inputs) and recurrent_kernel (state), gates (i, f, c, o);
    # the bias keeps its name and shape but not its gate order, and TF1's forget_bias (1.0 by
    # default, added at run time) is folded into its forget gate.
    Transform("LSTM", _cell_pattern("basic_lstm_cell|lstm_cell", "kernel|bias"), ("kernel", "bias"),
              tuple(f"lstm_cell/{w}" for w in KERAS_WEIGHTS), "LSTMCell", 1.0,
              "TF1 LSTM kernel split into kernel and recurrent_kernel, gates (i, j, f, o) -> (i, f, c, o), "
              "forget_bias folded into the bias"),
    # tf.nn.rnn_cell.GRUCell: gates/{kernel,bias} (r, u) and candidate/{kernel,bias} -> one Keras GRU
    # cell with reset_after=False (TF1 applies the reset gate before the recurrent kernel): gates (z, r, h).
    Transform("GRU", _cell_pattern("gru_cell", "gates/kernel|gates/bias|candidate/kernel|candidate/bias"),
              ("gates/kernel", "gates/bias", "candidate/kernel", "candidate/bias"),
              tuple(f"gru_cell/{w}" for w in KERAS_WEIGHTS), "GRUCell", 0.0,
              "TF1 GRU gates and candidate kernels split into kernel and recurrent_kernel, gates (r, u, h) -> "
              "(z, r, h); the Keras GRU must have reset_after=False"),
    # tf.nn.rnn_cell.BasicRNNCell: one kernel over [inputs; state] -> Keras SimpleRNN kernel + recurrent_kernel.
    Transform("SimpleRNN", _cell_pattern("basic_rnn_cell", "kernel|bias"), ("kernel", "bias"),
              tuple(f"simple_rnn_cell/{w}" for w in KERAS_WEIGHTS), "SimpleRNNCell", 0.0,
              "TF1 BasicRNNCell kernel split into kernel and recurrent_kernel"),
)


@dataclass(frozen=True)
class CellMatch:
    """A TF1 variable name recognised as part of an RNN cell: which cell and where."""

    transform: Transform
    scope: str  # the folder around the cell ("" at top level)
    cell: str  # TF1's cell folder, e.g. "basic_lstm_cell"

    @property
    def prefix(self) -> str:
        """The TF1 cell's own folder, e.g. ``encoder/rnn/lstm_cell`` (forget biases are keyed by it)."""
        return f"{self.scope}/{self.cell}" if self.scope else self.cell

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(f"{self.prefix}/{s}" for s in self.transform.sources)

    def targets(self, model_name: str = "") -> tuple[str, ...]:
        scope = "/".join(part for part in (model_name, self.scope) if part)
        return tuple(f"{scope}/{t}" if scope else t for t in self.transform.targets)


def find_transform(name: str) -> CellMatch | None:
    """The RNN cell a TF1 variable name belongs to, or None for an ordinary variable."""
    for transform in TRANSFORMS:
        match = transform.pattern.match(name)
        if match:
            return CellMatch(transform, match.group("scope") or "", match.group("cell"))
    return None
