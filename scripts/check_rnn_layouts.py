"""Measure that TF1 RNN cells and Keras RNN layers compute the same function under verify's weight mapping.

    python scripts/check_rnn_layouts.py

Runs each TF1 cell with dynamic_rnn in one child process (TF1 cells need legacy Keras, a
process-wide switch), maps its weights with ``tf2port.verify.rnn_weights.to_keras`` into the
Keras layer, and prints the largest output/state difference per cell, plus the TF1 variable
names and shapes. Also checks that ``to_tf1`` inverts ``to_keras``.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

INPUTS, UNITS, TIME, BATCH = 3, 4, 6, 2
CELLS = {  # TF1 constructor -> (Keras layer code, layout, forget offset)
    "BasicLSTMCell": ("LSTM", "LSTMCell", 1.0),
    "LSTMCell": ("LSTM", "LSTMCell", 1.0),
    "GRUCell": ("GRU", "GRUCell", 0.0),
    "BasicRNNCell": ("SimpleRNN", "SimpleRNNCell", 0.0),
}

TF1_SIDE = """
import sys, numpy as np
import tensorflow.compat.v1 as tf
tf.disable_v2_behavior()
out = sys.argv[1]
x = np.random.RandomState(0).randn({batch}, {time}, {inputs}).astype(np.float32)
for name in sys.argv[2:]:
    with tf.Graph().as_default():
        cell = getattr(tf.nn.rnn_cell, name)({units})
        outputs, state = tf.nn.dynamic_rnn(cell, tf.constant(x), dtype=tf.float32)
        variables = tf.trainable_variables()
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            # random biases too, so that a wrong bias mapping shows
            sess.run([v.assign(v + np.random.RandomState(1).randn(*v.shape.as_list()).astype(np.float32) * 0.3)
                      for v in variables if v.shape.ndims == 1])
            got = sess.run([outputs, state] + variables)
    h = got[1].h if hasattr(got[1], "h") else got[1]
    print(name, " ".join(f"{{v.op.name}}{{v.shape.as_list()}}" for v in variables))
    np.savez(f"{{out}}/{{name}}.npz", x=x, outputs=got[0], h=h, *got[2:])
"""


def main() -> int:
    from tf2port.verify.rnn_weights import LAYOUTS, to_keras, to_tf1

    import tensorflow as tf

    env = dict(os.environ, TF_USE_LEGACY_KERAS="1", TF_CPP_MIN_LOG_LEVEL="3")
    code = TF1_SIDE.format(batch=BATCH, time=TIME, inputs=INPUTS, units=UNITS)
    worst = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        listed = subprocess.run([sys.executable, "-c", code, tmp, *CELLS], env=env, check=True,
                                capture_output=True, text=True).stdout
        variable_names = dict(line.split(" ", 1) for line in listed.splitlines() if line.split(" ")[0] in CELLS)
        for name, (keras_layer, layout_name, offset) in CELLS.items():
            names = variable_names[name]
            data = np.load(Path(tmp) / f"{name}.npz")
            tf1 = [data[f"arr_{i}"] for i in range(len(data.files) - 3)]
            layout = LAYOUTS[layout_name]
            extra = {"reset_after": False} if keras_layer == "GRU" else {}
            layer = getattr(tf.keras.layers, keras_layer)(UNITS, return_sequences=True, return_state=True, **extra)
            layer.build((None, None, INPUTS))
            weights = to_keras(layout, tf1, INPUTS, UNITS, offset)
            layer.set_weights(list(weights))
            result = layer(data["x"])
            h = result[1]
            out_diff = float(np.abs(result[0].numpy() - data["outputs"]).max())
            h_diff = float(np.abs(h.numpy() - data["h"]).max())
            back = to_tf1(layout, *weights, units=UNITS, offset=offset)
            inverse = max(float(np.abs(a - b).max()) for a, b in zip(back, tf1))
            worst = max(worst, out_diff, h_diff)
            print(f"{name:14s} -> {keras_layer:9s} max|outputs diff| {out_diff:.2e}  max|h diff| {h_diff:.2e}  "
                  f"inverse {inverse:.1e}  TF1 variables: {names}")
    print(f"worst difference {worst:.2e}")
    return 0 if worst < 1e-5 else 1


if __name__ == "__main__":
    sys.exit(main())
