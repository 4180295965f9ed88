from __future__ import annotations

from tf2port.analysis.names import ModuleInfo, Reference
from tf2port.diagnostics import FixClass
from tf2port.fix.api_names import Plan
from tf2port.rules.base import Example, Rule

RNN_FUNCTIONS = frozenset({
    "tf.nn.dynamic_rnn", "tf.nn.static_rnn", "tf.nn.bidirectional_dynamic_rnn",
    "tf.nn.static_bidirectional_rnn", "tf.nn.raw_rnn", "tf.nn.static_state_saving_rnn",
})


class RnnCell(Rule):
    """A TF1 recurrent network: `tf.nn.rnn_cell.*` cells or `tf.nn.dynamic_rnn` and relatives.

    ## What it does
    Finds the TF1 RNN cells (`tf.nn.rnn_cell.LSTMCell`, `BasicLSTMCell`, `GRUCell`,
    `MultiRNNCell`, `DropoutWrapper`, …) and the functions that unroll them
    (`tf.nn.dynamic_rnn`, `tf.nn.static_rnn`, `tf.nn.bidirectional_dynamic_rnn`,
    `tf.nn.static_bidirectional_rnn`, `tf.nn.raw_rnn`, `tf.nn.static_state_saving_rnn`).
    `tf.contrib.rnn` is reported by `TF301`.

    ## Why is this bad?
    The `tf.nn.rnn_cell` classes exist only with the legacy `tf-keras` package and
    `TF_USE_LEGACY_KERAS=1`; under Keras 3 they do not resolve. The unrolling functions are
    kept in `tf.compat.v1.nn` but build graph-mode loops over TF1 cells. In TF2 a recurrent
    network is a Keras layer (`tf.keras.layers.LSTM`, or `tf.keras.layers.RNN` around a cell).
    Weights do not carry over one to one: the TF1 LSTM concatenates its gate kernels in another
    order, and `BasicLSTMCell` adds `forget_bias=1.0` where Keras uses `unit_forget_bias`.

    ## Example
    ```python
    cell = tf.nn.rnn_cell.LSTMCell(128)
    outputs, state = tf.nn.dynamic_rnn(cell, inputs, dtype=tf.float32)
    ```

    ## Use instead
    ```python
    lstm = tf.keras.layers.LSTM(128, return_sequences=True, return_state=True)
    outputs, h, c = lstm(inputs)
    ```

    ## Fix safety
    In a session script the graph-to-eager rewrite turns `BasicRNNCell`, `BasicLSTMCell`,
    `LSTMCell`, `GRUCell` and `MultiRNNCell` unrolled by `tf.nn.dynamic_rnn` into Keras
    `SimpleRNN`/`LSTM`/`GRU`/`RNN` layers (GRU with `reset_after=False`, TF1's forget bias kept
    in the Keras bias); `tf2port verify` maps the weights between the two layouts to prove it.
    It declines, with the reason at the line, `sequence_length`, `time_major`, other initial
    states, peepholes, projections, `DropoutWrapper`, `static_rnn` and bidirectional RNNs.
    Otherwise: safe fallback for the unrolling functions (they are spelled
    `tf.compat.v1.nn.<name>`, the identical object); the cells have no fallback under Keras 3,
    so they get no fix and the message names the Keras cell to use.
    """

    CODE = "TF402"
    NAME = "rnn-cell"
    FIX = FixClass.SAFE
    MESSAGE = ("`{name}` unrolls a TF1 recurrent network; in TF2 use `tf.keras.layers.LSTM`/`GRU` "
               "or `tf.keras.layers.RNN`")
    names = frozenset({"tf.nn.rnn_cell"} | RNN_FUNCTIONS)
    prefixes = ("tf.nn.rnn_cell.",)
    VALID = (
        "import tensorflow as tf\nlstm = tf.keras.layers.LSTM(128)\noutputs = lstm(inputs)\n",
        "import tensorflow as tf\ncell = tf.keras.layers.LSTMCell(128)\nrnn = tf.keras.layers.RNN(cell)\n",
    )
    INVALID = (
        Example(
            """
            import tensorflow as tf
            outputs, state = tf.nn.dynamic_rnn(cell, inputs, dtype=tf.float32)
            """,
            """
            import tensorflow as tf
            outputs, state = tf.compat.v1.nn.dynamic_rnn(cell, inputs, dtype=tf.float32)
            """,
        ),
        Example(
            """
            import tensorflow as tf
            cell = tf.nn.rnn_cell.BasicLSTMCell(128)
            """
        ),
    )

    def check_reference(self, ref: Reference, info: ModuleInfo, plan: Plan) -> str | None:
        entry = plan.entry
        if ref.name in RNN_FUNCTIONS or entry is None:
            return self.MESSAGE.format(name=ref.name)
        if entry.replacement:
            return (f"`{ref.name}` exists only with legacy tf-keras (TF_USE_LEGACY_KERAS=1); "
                    f"use `{entry.replacement}` ({entry.advice.rstrip('.')})")
        return (f"`{ref.name}` exists only with legacy tf-keras (TF_USE_LEGACY_KERAS=1); "
                "build the network from `tf.keras.layers` RNN layers and cells")
