"""Where a TF1 variable name is not the Keras weight path: the exceptions, as data.

The library contract keeps names: a TF1 variable ``encoder/dense/kernel:0`` is
the Keras 3 weight whose ``.path`` is ``encoder/dense/kernel``. This module holds
everything that rule does not cover, in one place, so the rewrite, ``ckpt
convert`` and ``verify --entry`` agree:

- ``OPTIMIZER_STATE``: checkpoint entries that are training state, not model
  weights (slot variables, step counters, Adam's beta powers). They are
  reported as skipped, never as unmatched.
- ``TRANSFORMS``: one TF1 variable that becomes several Keras weights (or one
  reshaped), by pattern, with the transform that produces the values.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

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


def is_optimizer_state(name: str) -> bool:
    """Whether a checkpoint entry is optimizer or step state rather than a model weight."""
    return any(pattern.search(name) for pattern in OPTIMIZER_STATE)


@dataclass(frozen=True)
class Transform:
    """One TF1 variable whose value becomes other Keras weights.

    ``pattern`` matches the TF1 name and captures the scope prefix as ``scope``;
    ``targets`` are Keras paths with ``{scope}`` filled in; ``kind`` names the
    function in ``tf2port.ckpt.convert.TRANSFORM_FUNCTIONS`` that splits the value.
    A transform wins over the identity rule when all its targets exist (the LSTM
    bias keeps its name but not its gate order).
    """

    pattern: re.Pattern[str]
    targets: tuple[str, ...]
    kind: str
    note: str


TRANSFORMS: tuple[Transform, ...] = (
    # tf.nn.rnn_cell.LSTMCell / BasicLSTMCell: one kernel over [inputs; state] with gates
    # (i, j, f, o) -> Keras LSTM kernel (inputs) and recurrent_kernel (state), gates (i, f, c, o).
    # Gate order from verify's measured layout table (tf2port.verify.rnn_weights).
    Transform(re.compile(r"^(?P<scope>.*?)/(?:basic_)?lstm_cell/kernel$"),
              ("{scope}/lstm_cell/kernel", "{scope}/lstm_cell/recurrent_kernel"),
              "lstm_kernel_split",
              "TF1 LSTM kernel split into kernel and recurrent_kernel, gates reordered"),
    # Same name and shape as the Keras bias, but the gates are in TF1's order, and TF1's
    # forget_bias (1.0, added at run time, never stored) belongs in the Keras forget-gate bias.
    Transform(re.compile(r"^(?P<scope>.*?)/(?:basic_)?lstm_cell/bias$"),
              ("{scope}/lstm_cell/bias",),
              "lstm_bias_reorder",
              "TF1 LSTM bias gates reordered (i, j, f, o) -> (i, f, c, o), forget_bias 1.0 folded in"),
)


def find_transform(name: str) -> tuple[Transform, tuple[str, ...]] | None:
    """The transform for a TF1 name and its concrete target paths, or None."""
    for transform in TRANSFORMS:
        match = transform.pattern.match(name)
        if match:
            scope = match.group("scope")
            return transform, tuple(t.format(scope=scope) for t in transform.targets)
    return None
