"""``verify --entry``: a TF1 model function against its hand-converted Keras class.

Each pair is written out here (input and converted side in full) to a temp
folder; both sides run for real in verify's sandboxed children.
"""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import run_cli
from tf2port.ckpt.convert import Source
from tf2port.verify.cli import verify_command
from tf2port.verify.entry import verify_entry
from tf2port.verify.entry_runner import match_weights
from tf2port.verify.entry_spec import InputSpec, parse_arg, parse_input

DENSE_TF1 = """
import tensorflow as tf


def dense_block(x, units=8):
    with tf.variable_scope("dense_block"):
        l2 = lambda w: 0.01 * tf.nn.l2_loss(w)
        h = tf.layers.dense(x, units, activation=tf.nn.relu, kernel_regularizer=l2,
                            name="hidden")
        return tf.layers.dense(h, 4, name="out")
"""

DENSE_TF2 = """
import tensorflow as tf


class DenseBlock(tf.keras.layers.Layer):
    def __init__(self, units=8, name="dense_block", **kwargs):
        super().__init__(name=name, **kwargs)
        self.hidden = tf.keras.layers.Dense(
            units, activation="relu", kernel_regularizer=tf.keras.regularizers.L2(0.005),
            name="hidden")
        self.out = tf.keras.layers.Dense(4, name="out")

    def call(self, x, training=False):
        return self.out(self.hidden(x))
"""

ATTENTION_TF1 = """
import numpy as np
import tensorflow as tf


def self_attention(x, d_model=8):
    with tf.variable_scope("attention"):
        d = int(x.shape[-1])
        wq = tf.get_variable("wq", [d, d_model])
        wk = tf.get_variable("wk", [d, d_model])
        wv = tf.get_variable("wv", [d, d_model])
        q = tf.einsum("btd,de->bte", x, wq)
        k = tf.einsum("btd,de->bte", x, wk)
        v = tf.einsum("btd,de->bte", x, wv)
        scores = tf.matmul(q, k, transpose_b=True) / np.sqrt(d_model)
        return tf.matmul(tf.nn.softmax(scores), v)
"""

ATTENTION_TF2 = """
import numpy as np
import tensorflow as tf


class SelfAttention(tf.keras.layers.Layer):
    def __init__(self, d_model=8, name="attention", **kwargs):
        super().__init__(name=name, **kwargs)
        self.d_model = d_model

    def build(self, input_shape):
        d = int(input_shape[-1])
        glorot = tf.keras.initializers.GlorotUniform
        self.wq = self.add_weight(name="wq", shape=(d, self.d_model), initializer=glorot())
        self.wk = self.add_weight(name="wk", shape=(d, self.d_model), initializer=glorot())
        self.wv = self.add_weight(name="wv", shape=(d, self.d_model), initializer=glorot())

    def call(self, x, training=False):
        q = tf.einsum("btd,de->bte", x, self.wq)
        k = tf.einsum("btd,de->bte", x, self.wk)
        v = tf.einsum("btd,de->bte", x, self.wv)
        scores = tf.matmul(q, k, transpose_b=True) / np.sqrt(self.d_model)
        return tf.matmul(tf.nn.softmax(scores), v)


class SelfAttentionTransposedQuery(SelfAttention):
    \"\"\"Wrong on purpose: the query kernel is used transposed (square, so shapes agree).\"\"\"

    def call(self, x, training=False):
        q = tf.einsum("btd,ed->bte", x, self.wq)
        k = tf.einsum("btd,de->bte", x, self.wk)
        v = tf.einsum("btd,de->bte", x, self.wv)
        scores = tf.matmul(q, k, transpose_b=True) / np.sqrt(self.d_model)
        return tf.matmul(tf.nn.softmax(scores), v)
"""

BATCH_NORM_TF1 = """
import tensorflow as tf


def projection_bn(x, is_training, filters=6):
    with tf.variable_scope("block"):
        h = tf.layers.dense(x, filters, use_bias=False, name="proj")
        h = tf.layers.batch_normalization(h, training=is_training, name="bn")
        return tf.nn.relu(h)
"""

BATCH_NORM_TF2 = """
import tensorflow as tf


class ProjectionBn(tf.keras.layers.Layer):
    def __init__(self, filters=6, name="block", **kwargs):
        super().__init__(name=name, **kwargs)
        self.proj = tf.keras.layers.Dense(filters, use_bias=False, name="proj")
        self.bn = tf.keras.layers.BatchNormalization(momentum=0.99, epsilon=1e-3, name="bn")

    def call(self, x, training=False):
        return tf.nn.relu(self.bn(self.proj(x), training=training))
"""

LINEAR_TF1 = """
import tensorflow as tf


def linear(x, units=3):
    with tf.variable_scope("linear"):
        w = tf.get_variable("w", [int(x.shape[-1]), units])
        b = tf.get_variable("b", [units], initializer=tf.zeros_initializer())
        return tf.matmul(x, w) + b
"""

LINEAR_TF2 = """
import tensorflow as tf


class LinearBiasUnused(tf.keras.layers.Layer):
    \"\"\"Wrong on purpose: creates the bias, forgets to add it (zero at first, so the
    forward pass agrees; the training steps do not).\"\"\"

    def __init__(self, units=3, name="linear", **kwargs):
        super().__init__(name=name, **kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(name="w", shape=(int(input_shape[-1]), self.units))
        self.b = self.add_weight(name="b", shape=(self.units,), initializer="zeros")

    def call(self, x, training=False):
        return tf.matmul(x, self.w)


class LinearWithoutBias(tf.keras.layers.Layer):
    \"\"\"Wrong on purpose: no bias weight at all.\"\"\"

    def __init__(self, units=3, name="linear", **kwargs):
        super().__init__(name=name, **kwargs)
        self.units = units

    def build(self, input_shape):
        self.w = self.add_weight(name="w", shape=(int(input_shape[-1]), self.units))

    def call(self, x, training=False):
        return tf.matmul(x, self.w)
"""

DROPOUT_TF1 = """
import tensorflow as tf


def dense_dropout(x, is_training, rate=0.5):
    with tf.variable_scope("head"):
        h = tf.layers.dense(x, 4, name="dense")
        return tf.layers.dropout(h, rate=rate, training=is_training)
"""

DROPOUT_TF2 = """
import tensorflow as tf


class DenseDropout(tf.keras.layers.Layer):
    def __init__(self, rate=0.5, name="head", **kwargs):
        super().__init__(name=name, **kwargs)
        self.dense = tf.keras.layers.Dense(4, name="dense")
        self.dropout = tf.keras.layers.Dropout(rate)

    def call(self, x, training=False):
        return self.dropout(self.dense(x), training=training)
"""

GRU = Path(__file__).resolve().parent.parent / "fixtures" / "library" / "gru_encoder"
GRU_TF1 = (GRU / "original.py").read_text()
# GruEncoder is what `tf2port fix` makes of GRU_TF1 (the reviewed golden); the reset_after=True variant is a wrong port
GRU_TF2 = (GRU / "expected.py").read_text() + """


class GruEncoderResetAfter(tf.keras.layers.Layer):
    def __init__(self, num_units=5, name="gru_encoder", **kwargs):
        super().__init__(name=name, **kwargs)
        self.rnn = tf.keras.layers.GRU(num_units, return_state=True, name="rnn")
        self.head = tf.keras.layers.Dense(2, name="head")

    def call(self, sequences, training=False):
        _, state = self.rnn(sequences)
        return self.head(state)
"""

LSTM_TF1 = """
import tensorflow as tf


def lstm_no_forget_bias(sequences, num_units=6):
    with tf.variable_scope("lstm_encoder"):
        cell = tf.nn.rnn_cell.BasicLSTMCell(num_units, forget_bias=0.0)
        outputs, _ = tf.nn.dynamic_rnn(cell, sequences, dtype=tf.float32)
        return outputs


def lstm_last_step(sequences, num_units=6):
    with tf.variable_scope("lstm_encoder"):
        cell = tf.nn.rnn_cell.LSTMCell(num_units)
        outputs, _ = tf.nn.dynamic_rnn(cell, sequences, dtype=tf.float32)
        return tf.layers.dense(outputs[:, -1, :], 3, name="logits")
"""

LSTM_TF2 = """
import tensorflow as tf


class LstmNoForgetBias(tf.keras.layers.Layer):
    def __init__(self, num_units=6, name="lstm_encoder", **kwargs):
        super().__init__(name=name, **kwargs)
        self.rnn = tf.keras.layers.LSTM(num_units, unit_forget_bias=False, return_sequences=True, name="rnn")

    def call(self, sequences, training=False):
        return self.rnn(sequences)


class LstmLastStepWithoutGradient(tf.keras.layers.Layer):
    \"\"\"Wrong on purpose: the forward pass is right, but training never reaches the LSTM.\"\"\"

    def __init__(self, num_units=6, name="lstm_encoder", **kwargs):
        super().__init__(name=name, **kwargs)
        self.rnn = tf.keras.layers.LSTM(num_units, return_sequences=True, name="rnn")
        self.logits = tf.keras.layers.Dense(3, name="logits")

    def call(self, sequences, training=False):
        outputs = tf.stop_gradient(self.rnn(sequences))
        return self.logits(outputs[:, -1, :])
"""


def write_pair(folder: Path, stem: str, tf1: str, tf2: str) -> tuple[Path, Path]:
    original, converted = folder / f"{stem}.py", folder / f"{stem}_tf2.py"
    original.write_text(textwrap.dedent(tf1).lstrip())
    converted.write_text(textwrap.dedent(tf2).lstrip())
    return original, converted


# ---- pure parts: no TensorFlow -------------------------------------------------------

def test_parse_input_shape_dtype_and_integer_bound():
    assert parse_input("x=4,16") == InputSpec("x", (4, 16), "float32", 2)
    assert parse_input("ids=2,5:int32:100") == InputSpec("ids", (2, 5), "int32", 100)
    with pytest.raises(ValueError, match="dtype"):
        parse_input("x=4:complex64")
    with pytest.raises(ValueError, match="integer inputs only"):
        parse_input("x=4:float32:3")


def test_parse_arg_literal_or_string():
    assert parse_arg("units=8") == ("units", 8)
    assert parse_arg("act=relu") == ("act", "relu")
    assert parse_arg("rates=(0.1, 0.2)") == ("rates", (0.1, 0.2))


def test_match_weights_by_name_then_order_and_shape_listing_the_rest():
    old = [("s/w", (4, 3)), ("s/b", (3,)), ("s/extra", (2,))]
    new = [("s/w", (4, 3)), ("s/bias", (3,)), ("s/gamma", (5,))]
    match = match_weights(old, new)
    assert match.plan.assign == {"s/w": Source(("s/w",)), "s/bias": Source(("s/b",))}
    assert match.notes == ("matched by creation order and shape: s/b -> s/bias",)
    assert match.problems == ("original variable without a weight in the class: s/extra [2]",
                              "class weight without a variable in the original: s/gamma [5]")


def test_match_weights_reports_a_shape_difference_under_the_same_name():
    match = match_weights([("d/kernel", (4, 3))], [("d/kernel", (3, 4))])
    assert match.problems == ("shape differs (original -> class): d/kernel [4, 3] -> d/kernel [3, 4]",)


def test_match_weights_splits_a_tf1_lstm_kernel_as_ckpt_convert_does():
    """One TF1 kernel over [inputs; state] is Keras' kernel + recurrent_kernel: matched by the ckpt mapping."""
    old = [("m/rnn/lstm_cell/kernel", (12, 32)), ("m/rnn/lstm_cell/bias", (32,)), ("m/logits/kernel", (8, 3))]
    new = [("m/rnn/lstm_cell/kernel", (4, 32)), ("m/rnn/lstm_cell/recurrent_kernel", (8, 32)),
           ("m/rnn/lstm_cell/bias", (32,)), ("m/logits/kernel", (8, 3))]
    match = match_weights(old, new)
    assert match.problems == ()
    cell = ("m/rnn/lstm_cell/kernel", "m/rnn/lstm_cell/bias")
    assert match.plan.assign == {"m/rnn/lstm_cell/kernel": Source(cell, "LSTM", 0, "m/rnn/lstm_cell"),
                                 "m/rnn/lstm_cell/recurrent_kernel": Source(cell, "LSTM", 1, "m/rnn/lstm_cell"),
                                 "m/rnn/lstm_cell/bias": Source(cell, "LSTM", 2, "m/rnn/lstm_cell"),
                                 "m/logits/kernel": Source(("m/logits/kernel",))}
    assert match.notes[0].startswith("LSTM cell m/rnn/lstm_cell: TF1 LSTM kernel split into kernel and "
                                     "recurrent_kernel")


def test_match_weights_names_every_variable_of_a_cell_the_class_lacks():
    old = [("m/rnn/gru_cell/gates/kernel", (9, 8)), ("m/rnn/gru_cell/gates/bias", (8,)),
           ("m/rnn/gru_cell/candidate/kernel", (9, 4)), ("m/rnn/gru_cell/candidate/bias", (4,))]
    match = match_weights(old, [("m/dense/kernel", (5, 4))])
    why = ("TF1 GRU cell m/rnn/gru_cell: the model has no Keras weights m/rnn/gru_cell/kernel, "
           "m/rnn/gru_cell/recurrent_kernel, m/rnn/gru_cell/bias")
    assert match.problems == (
        f"original variable without a weight in the class: m/rnn/gru_cell/gates/kernel [9, 8] ({why})",
        f"original variable without a weight in the class: m/rnn/gru_cell/gates/bias [8] ({why})",
        f"original variable without a weight in the class: m/rnn/gru_cell/candidate/kernel [9, 4] ({why})",
        f"original variable without a weight in the class: m/rnn/gru_cell/candidate/bias [4] ({why})",
        "class weight without a variable in the original: m/dense/kernel [5, 4]",
    )


def test_entry_usage_errors_exit_2(tmp_path):
    original, converted = write_pair(tmp_path, "dense", DENSE_TF1, DENSE_TF2)
    entry = ["--entry", f"{original}:dense_block", f"{converted}:DenseBlock"]
    no_input = CliRunner().invoke(verify_command, entry)
    assert no_input.exit_code == 2
    assert "--entry needs at least one --input" in no_input.output
    with_paths = CliRunner().invoke(verify_command, [str(original), str(converted), *entry,
                                                     "--input", "x=4,16"])
    assert with_paths.exit_code == 2
    assert "--entry takes the place of ORIGINAL and CONVERTED" in with_paths.output
    bad_input = CliRunner().invoke(verify_command, [*entry, "--input", "x=4,y"])
    assert bad_input.exit_code == 2
    assert "dimensions must be integers" in bad_input.output
    neither = CliRunner().invoke(verify_command, [])
    assert neither.exit_code == 2
    assert "give ORIGINAL and CONVERTED (or --entry)" in neither.output


# ---- real runs ---------------------------------------------------------------------

@pytest.mark.tf
@pytest.mark.slow
def test_dense_block_with_l2_regularisation_is_equivalent(tmp_path):
    original, converted = write_pair(tmp_path, "dense", DENSE_TF1, DENSE_TF2)
    verdict = verify_entry(f"{original}:dense_block", f"{converted}:DenseBlock",
                           inputs=[parse_input("x=4,16")], args={"units": 8})
    assert verdict.status == "equivalent", verdict.reason or verdict.divergence
    assert verdict.compared.steps == 4  # forward pass + 3 SGD steps
    assert verdict.compared.variables == 4  # hidden and out kernel/bias after the steps


@pytest.mark.tf
@pytest.mark.slow
def test_attention_with_get_variable_is_equivalent(tmp_path):
    original, converted = write_pair(tmp_path, "attn", ATTENTION_TF1, ATTENTION_TF2)
    verdict = verify_entry(f"{original}:self_attention", f"{converted}:SelfAttention",
                           inputs=[parse_input("x=2,5,8")])
    assert verdict.status == "equivalent", verdict.reason or verdict.divergence
    assert verdict.compared.variables == 3


@pytest.mark.tf
@pytest.mark.slow
def test_batch_norm_block_maps_is_training_and_compares_moving_statistics(tmp_path):
    original, converted = write_pair(tmp_path, "bn", BATCH_NORM_TF1, BATCH_NORM_TF2)
    verdict = verify_entry(f"{original}:projection_bn", f"{converted}:ProjectionBn",
                           inputs=[parse_input("x=8,5")])
    assert verdict.status == "equivalent", verdict.reason or verdict.divergence
    # proj/kernel, bn gamma, beta, moving_mean, moving_variance (updated by the steps)
    assert verdict.compared.variables == 5
    assert any("is_training=True for the steps" in n for n in verdict.notes)


@pytest.mark.tf
@pytest.mark.slow
def test_transposed_query_kernel_is_a_mismatch_on_the_forward_pass(tmp_path):
    original, converted = write_pair(tmp_path, "attn", ATTENTION_TF1, ATTENTION_TF2)
    result = run_cli("verify", "--entry", f"{original}:self_attention",
                     f"{converted}:SelfAttentionTransposedQuery", "--input", "x=2,5,8")
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout.startswith("MISMATCH: ")
    assert "first divergence (step 0): step 0 value 0[0, 0, 0]" in result.stdout
    assert "original: forward pass (training=False)" in result.stdout


@pytest.mark.tf
@pytest.mark.slow
def test_unused_bias_passes_the_forward_pass_but_not_the_training_steps(tmp_path):
    original, converted = write_pair(tmp_path, "linear", LINEAR_TF1, LINEAR_TF2)
    verdict = verify_entry(f"{original}:linear", f"{converted}:LinearBiasUnused",
                           inputs=[parse_input("x=4,6")])
    assert verdict.status == "mismatch"
    assert verdict.divergence is not None
    # forward (event 0) and step 1's loss (event 1) agree: the bias starts at zero
    assert (verdict.divergence.kind, verdict.divergence.index) == ("step", 2)
    assert verdict.divergence.original_name == "SGD step 2 loss (training=True)"


@pytest.mark.tf
@pytest.mark.slow
def test_missing_bias_weight_is_not_comparable_and_named(tmp_path):
    original, converted = write_pair(tmp_path, "linear", LINEAR_TF1, LINEAR_TF2)
    verdict = verify_entry(f"{original}:linear", f"{converted}:LinearWithoutBias",
                           inputs=[parse_input("x=4,6")])
    assert verdict.status == "not-comparable"
    assert "original variable without a weight in the class: linear/b [3]" in verdict.reason


@pytest.mark.tf
@pytest.mark.slow
def test_dropout_in_training_mode_is_not_comparable_rather_than_a_mismatch(tmp_path):
    original, converted = write_pair(tmp_path, "drop", DROPOUT_TF1, DROPOUT_TF2)
    verdict = verify_entry(f"{original}:dense_dropout", f"{converted}:DenseDropout",
                           inputs=[parse_input("x=8,6")])
    assert verdict.status == "not-comparable", verdict
    assert verdict.reason.startswith("the original draws random numbers verify cannot align")
    # the forward pass (dropout off) agreed; the first step with dropout on did not
    assert verdict.divergence is not None and verdict.divergence.index == 1


@pytest.mark.tf
@pytest.mark.slow
def test_gru_cell_is_equivalent_with_its_two_tf1_kernels_mapped_into_one_keras_cell(tmp_path):
    original, converted = write_pair(tmp_path, "gru", GRU_TF1, GRU_TF2)
    verdict = verify_entry(f"{original}:gru_encoder", f"{converted}:GruEncoder", inputs=[parse_input("x=3,4,2")])
    assert verdict.status == "equivalent", verdict.reason or verdict.divergence
    # gates/kernel, gates/bias, candidate/kernel, candidate/bias (compared in TF1's layout), head kernel and bias
    assert verdict.compared.variables == 6
    assert any(n.startswith("GRU cell gru_encoder/rnn/gru_cell: the SGD steps update kernel and "
                            "recurrent_kernel apart") for n in verdict.notes), verdict.notes


@pytest.mark.tf
@pytest.mark.slow
def test_gru_with_reset_after_is_not_comparable_and_says_why(tmp_path):
    original, converted = write_pair(tmp_path, "gru", GRU_TF1, GRU_TF2)
    verdict = verify_entry(f"{original}:gru_encoder", f"{converted}:GruEncoderResetAfter",
                           inputs=[parse_input("x=3,4,2")])
    assert verdict.status == "not-comparable"
    assert verdict.reason.startswith("1 weight(s) could not be given the original's values: shape differs "
                                     "(original -> class): TF1 GRU cell gru_encoder/rnn/gru_cell "
                                     "gru_encoder/rnn/gru_cell/gates/kernel [7, 10], "), verdict.reason
    assert verdict.reason.endswith("gru_encoder/rnn/gru_cell/bias [2, 15] (a Keras GRU with reset_after=True "
                                   "(bias [2, 3 * units]) computes another function than TF1's GRUCell; build "
                                   "it with reset_after=False)"), verdict.reason


@pytest.mark.tf
@pytest.mark.slow
def test_basic_lstm_cell_forget_bias_is_read_from_the_original_not_assumed(tmp_path):
    """forget_bias=0.0: folding the usual 1.0 into the Keras bias would change every forward value."""
    original, converted = write_pair(tmp_path, "lstm", LSTM_TF1, LSTM_TF2)
    verdict = verify_entry(f"{original}:lstm_no_forget_bias", f"{converted}:LstmNoForgetBias",
                           inputs=[parse_input("x=2,5,3")])
    assert verdict.status == "equivalent", verdict.reason or verdict.divergence
    assert any(n.startswith("LSTM cell lstm_encoder/rnn/basic_lstm_cell: TF1's run-time forget_bias 0 "
                            "(as recorded) is in the Keras bias") for n in verdict.notes), verdict.notes


@pytest.mark.tf
@pytest.mark.slow
def test_lstm_that_training_cannot_reach_agrees_forward_but_not_at_step_2(tmp_path):
    """The steps are compared, not only the forward pass: a converted LSTM cut off from the gradient is caught."""
    original, converted = write_pair(tmp_path, "lstm", LSTM_TF1, LSTM_TF2)
    verdict = verify_entry(f"{original}:lstm_last_step", f"{converted}:LstmLastStepWithoutGradient",
                           inputs=[parse_input("x=2,5,3")])
    assert verdict.status == "mismatch", verdict.reason
    assert verdict.divergence is not None
    assert verdict.divergence.original_name == "SGD step 2 loss (training=True)"
