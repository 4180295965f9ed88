"""The TF1 runtime's stand-ins and honesty: contrib/slim run, missing pieces say
what is missing, and randomness verify cannot align never passes silently."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tf2port.verify import verify_pair

pytestmark = [pytest.mark.tf, pytest.mark.slow]

DATA = """
import numpy as np
np.random.seed(11)
x_data = np.random.rand(16, 3).astype(np.float32)
y_data = x_data.sum(axis=1, keepdims=True)
"""


def _pair(tmp_path: Path, original: str, converted: str) -> tuple[Path, Path]:
    a, b = tmp_path / "original.py", tmp_path / "converted.py"
    a.write_text(DATA + textwrap.dedent(original))
    b.write_text(DATA + textwrap.dedent(converted))
    return a, b


def test_contrib_layers_and_slim_stand_ins_run_and_match_keras(tmp_path: Path) -> None:
    original, converted = _pair(tmp_path, """
        import tensorflow as tf
        from tensorflow.contrib import slim
        X = tf.placeholder(tf.float32, [None, 3])
        Y = tf.placeholder(tf.float32, [None, 1])
        hidden = tf.contrib.layers.fully_connected(X, 4)
        out = slim.fully_connected(hidden, 1, activation_fn=None)
        loss = tf.reduce_mean(tf.square(out - Y))
        train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            for _ in range(5):
                print(sess.run([train, loss], {X: x_data, Y: y_data})[1])
    """, """
        import tensorflow as tf
        hidden = tf.keras.layers.Dense(4, activation="relu")
        out = tf.keras.layers.Dense(1)
        optimizer = tf.keras.optimizers.SGD(0.1)

        @tf.function
        def train_step(x, y):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(out(hidden(x)) - y))
            variables = hidden.trainable_variables + out.trainable_variables
            optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
            return loss

        for _ in range(5):
            print(train_step(x_data, y_data).numpy())
    """)
    verdict = verify_pair(original, converted)
    assert verdict.status == "equivalent", (verdict.reason, verdict.stderr_tail)
    assert verdict.compared.variables == 4


def test_missing_contrib_piece_is_named(tmp_path: Path) -> None:
    original, converted = _pair(tmp_path, """
        import tensorflow as tf
        estimator = tf.contrib.learn.LinearRegressor
    """, "print(1)\n")
    verdict = verify_pair(original, converted)
    assert verdict.status == "error" and verdict.exit_code == 2
    assert verdict.failed_side == "original"
    assert "cannot run the original: needs tf.contrib.learn" in verdict.reason


def test_unaligned_random_op_makes_a_difference_not_comparable(tmp_path: Path) -> None:
    original, converted = _pair(tmp_path, """
        import tensorflow as tf
        X = tf.placeholder(tf.float32, [None, 3])
        W = tf.Variable(tf.zeros([3, 1]))
        noisy = X + tf.random_normal(tf.shape(X), stddev=0.1)
        loss = tf.reduce_mean(tf.square(tf.matmul(noisy, W) - y_data))
        train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            for _ in range(3):
                sess.run(train, {X: x_data})
            print(sess.run(loss, {X: x_data}))
    """, """
        import tensorflow as tf
        W = tf.Variable(tf.zeros([3, 1]))
        optimizer = tf.keras.optimizers.SGD(0.1)

        def compute_loss(x):
            noisy = x + tf.random.normal(tf.shape(x), stddev=0.1)
            return tf.reduce_mean(tf.square(tf.matmul(noisy, W) - y_data))

        @tf.function
        def train_step(x):
            with tf.GradientTape() as tape:
                loss = compute_loss(x)
            optimizer.apply_gradients(zip(tape.gradient(loss, [W]), [W]))

        for _ in range(3):
            train_step(x_data)
        print(tf.function(compute_loss)(x_data).numpy())
    """)
    verdict = verify_pair(original, converted)
    assert verdict.status == "not-comparable", (verdict.reason, verdict.stderr_tail)
    assert verdict.exit_code == 2
    assert "cannot align" in verdict.reason
    assert any("RandomStandardNormal" in n for n in verdict.notes)
