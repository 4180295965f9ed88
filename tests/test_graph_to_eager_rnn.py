"""RNN cells and dynamic_rnn -> Keras RNN layers: before/after pairs, declines, and verify's weight mapping.

The fixture programs (char_lstm, sine_gru, basic_rnn_sign, stacked_lstm) are verified end to end
by tests/test_graph_to_eager.py; here: one behaviour per test, the layouts checked against the
real cells, and a wrong conversion caught.
"""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from tf2port.fix.graph_to_eager import rewrite
from tf2port.fix.pipeline import fix_text
from tf2port.verify.api import conclude
from tf2port.verify.rnn_weights import (LAYOUTS, UNMAPPED_NOTE, CellBuilds, is_tf1_cell_variable, match_cell,
                                        to_keras, to_tf1)
from tf2port.verify.trace import Event, Trace

ROOT = Path(__file__).resolve().parent.parent
ALL = lambda code, line: True  # noqa: E731


def dd(source: str) -> str:
    return textwrap.dedent(source).lstrip("\n")


def fix(source: str) -> str:
    return fix_text(dd(source), "t.py", ALL).text


# --- rewrite: before / after ------------------------------------------------------------------------
LSTM_BEFORE = """
    import tensorflow as tf
    X = tf.placeholder(tf.float32, [None, 5, 2])
    cell = tf.nn.rnn_cell.BasicLSTMCell(8)
    outputs, state = tf.nn.dynamic_rnn(cell, X, dtype=tf.float32)
    W = tf.Variable(tf.zeros([8, 1]))
    y = tf.matmul(state.h, W) + tf.reduce_sum(state.c)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        print(sess.run(y, feed_dict={X: data}))
    """
LSTM_AFTER = """
    import tensorflow as tf
    lstm = tf.keras.layers.LSTM(8, return_sequences=True, return_state=True)
    W = tf.Variable(tf.zeros([8, 1]))


    @tf.function(input_signature=[tf.TensorSpec([None, 5, 2], tf.float32)])
    def compute_y(x):
        outputs, state_h, state_c = lstm(x)
        y = tf.matmul(state_h, W) + tf.reduce_sum(state_c)
        return y


    print(compute_y(data).numpy())
    """


def test_lstm_state_tuple_fields_become_the_keras_states_h_then_c():
    assert fix(LSTM_BEFORE) == dd(LSTM_AFTER)


def test_converted_lstm_program_is_left_alone():
    assert fix(LSTM_AFTER) == dd(LSTM_AFTER)


def test_unused_state_gives_a_layer_without_return_state_and_inline_cells_are_read():
    before = """
        import tensorflow as tf
        x = tf.placeholder(tf.float32, [None, 4, 3])
        outputs, _ = tf.nn.dynamic_rnn(tf.nn.rnn_cell.LSTMCell(6, forget_bias=0.0), x, dtype=tf.float32)
        last = outputs[:, -1]
        with tf.Session() as sess:
            print(sess.run(last, feed_dict={x: data}))
        """
    after = """
        import tensorflow as tf
        lstm = tf.keras.layers.LSTM(6, unit_forget_bias=False, return_sequences=True)


        @tf.function(input_signature=[tf.TensorSpec([None, 4, 3], tf.float32)])
        def compute_last(x):
            outputs = lstm(x)
            last = outputs[:, -1]
            return last


        print(compute_last(data).numpy())
        """
    assert fix(before) == dd(after)


def test_gru_cell_keeps_tf1_reset_gate_and_gate_bias_start():
    before = """
        import tensorflow as tf
        x = tf.placeholder(tf.float32, [None, 7, 1])
        cell = tf.nn.rnn_cell.GRUCell(5)
        outputs, state = tf.nn.dynamic_rnn(cell, x, dtype=tf.float32)
        with tf.Session() as sess:
            print(sess.run(state, feed_dict={x: data}))
        """
    after = """
        import tensorflow as tf
        gru = tf.keras.layers.GRU(
            5,
            # as TF1's GRUCell: reset gate applied before the recurrent kernel, gate biases starting at 1
            reset_after=False,
            bias_initializer=tf.keras.initializers.Constant([1.0] * 10 + [0.0] * 5),
            return_sequences=True,
            return_state=True,
        )


        @tf.function(input_signature=[tf.TensorSpec([None, 7, 1], tf.float32)])
        def compute_state(x):
            outputs, state = gru(x)
            return state


        print(compute_state(data).numpy())
        """
    assert fix(before) == dd(after)


def test_multi_rnn_cell_of_contrib_cells_becomes_a_keras_rnn_over_a_list_of_cells():
    before = """
        import tensorflow as tf
        from tensorflow.contrib import rnn
        x = tf.placeholder(tf.float32, [None, 3, 2])
        stack = rnn.MultiRNNCell([rnn.BasicRNNCell(4), rnn.BasicLSTMCell(3)])
        outputs, state = tf.nn.dynamic_rnn(stack, x, dtype=tf.float32)
        total = tf.reduce_sum(outputs)
        with tf.Session() as sess:
            print(sess.run(total, feed_dict={x: data}))
        """
    after = """
        import tensorflow as tf
        stacked_rnn = tf.keras.layers.RNN(
            [tf.keras.layers.SimpleRNNCell(4), tf.keras.layers.LSTMCell(3)],
            return_sequences=True,
        )


        @tf.function(input_signature=[tf.TensorSpec([None, 3, 2], tf.float32)])
        def compute_total(x):
            outputs = stacked_rnn(x)
            total = tf.reduce_sum(outputs)
            return total


        print(compute_total(data).numpy())
        """
    assert fix(before) == dd(after)


def test_an_initial_zero_state_is_keras_default_start():
    before = """
        import tensorflow as tf
        x = tf.placeholder(tf.float32, [32, 6, 2])
        cell = tf.nn.rnn_cell.GRUCell(4)
        init_state = cell.zero_state(32, tf.float32)
        outputs, state = tf.nn.dynamic_rnn(cell, x, initial_state=init_state)
        mean = tf.reduce_mean(outputs)
        with tf.Session() as sess:
            print(sess.run(mean, feed_dict={x: data}))
        """
    after = fix(before)
    assert "zero_state" not in after and "init_state" not in after
    assert "    outputs = gru(x)\n" in after


def test_arguments_that_keep_tf1s_function_are_accepted():
    before = """
        import tensorflow as tf
        x = tf.placeholder(tf.float32, [None, 3, 1])
        cell = tf.nn.rnn_cell.BasicRNNCell(4, activation=tf.tanh, name="encoder", dtype=tf.float32)
        outputs, state = tf.nn.dynamic_rnn(cell, x, dtype=tf.float32, swap_memory=True)
        with tf.Session() as sess:
            print(sess.run(state, feed_dict={x: data}))
        """
    assert "rnn = tf.keras.layers.SimpleRNN(4, return_sequences=True, return_state=True)\n" in fix(before)


PROGRAM = """
import tensorflow as tf
x = tf.placeholder(tf.float32, [None, 5, 2])
{cell}
{run}
total = tf.reduce_sum(outputs) + tf.reduce_sum(state)
with tf.Session() as sess:
    print(sess.run(total, feed_dict={{x: data}}))
"""
RUN = "outputs, state = tf.nn.dynamic_rnn(cell, x, dtype=tf.float32)"


@pytest.mark.parametrize(("cell", "run", "line", "reason"), [
    ("cell = tf.nn.rnn_cell.GRUCell(4)", "outputs, state = tf.nn.dynamic_rnn(cell, x, sequence_length=lengths, "
     "dtype=tf.float32)", 4, "sequence_length"),
    ("cell = tf.nn.rnn_cell.GRUCell(4)", "outputs, state = tf.nn.dynamic_rnn(cell, x, time_major=True, "
     "dtype=tf.float32)", 4, "time-major"),
    ("cell = tf.nn.rnn_cell.GRUCell(4)", "outputs, state = tf.nn.dynamic_rnn(cell, x, initial_state=s0)", 4,
     "initial state"),
    ("cell = tf.nn.rnn_cell.GRUCell(4)", "outputs, state = tf.nn.dynamic_rnn(cell, x, dtype=tf.float64)", 4,
     "float32"),
    ("cell = tf.nn.rnn_cell.LSTMCell(4, use_peepholes=True)", RUN, 3, "use_peepholes=True"),
    ("cell = tf.nn.rnn_cell.LSTMCell(4, num_proj=2)", RUN, 3, "num_proj=2"),
    ("cell = tf.nn.rnn_cell.BasicRNNCell(4, activation=tf.nn.relu)", RUN, 3, "activation=tf.nn.relu"),
    ("cell = tf.nn.rnn_cell.BasicLSTMCell(4, forget_bias=0.5)", RUN, 3, "forget_bias=0.5"),
    ("cell = tf.nn.rnn_cell.BasicLSTMCell(4)", RUN, 4, "state tuple is used as a whole"),
    ("cell = tf.nn.rnn_cell.MultiRNNCell([tf.nn.rnn_cell.GRUCell(4), tf.nn.rnn_cell.GRUCell(4)])", RUN, 4,
     "state of a MultiRNNCell"),
    ("cell = tf.nn.rnn_cell.DropoutWrapper(tf.nn.rnn_cell.GRUCell(4), output_keep_prob=0.5)", RUN, 3,
     "DropoutWrapper"),
    ("cell = tf.nn.rnn_cell.GRUCell(4)", "outputs, state = tf.nn.static_rnn(cell, tf.unstack(x, axis=1), "
     "dtype=tf.float32)", 4, "static_rnn"),
    ("cell = tf.nn.rnn_cell.GRUCell(4)", "(outputs, _), state = tf.nn.bidirectional_dynamic_rnn(cell, cell, x, "
     "dtype=tf.float32)", 4, "bidirectional"),
])
def test_rnn_constructs_that_would_compute_another_function_decline_at_their_line(cell, run, line, reason):
    source = PROGRAM.format(cell=cell, run=run).lstrip("\n")
    result = rewrite(source)
    assert result.text is None
    assert result.declined, source
    blocker = result.declined[0]
    assert blocker.line == line
    assert reason in f"{blocker.construct}: {blocker.reason}"
    outcome = fix_text(source, "t.py", ALL)
    assert "tf.compat.v1.disable_eager_execution()" in outcome.text  # the fallback still runs


# --- verify: the weight layouts -------------------------------------------------------------------
def random_tf1(layout_name: str, inputs: int, units: int) -> list[np.ndarray]:
    rng = np.random.RandomState(0)
    layout = LAYOUTS[layout_name]
    out = []
    for blocks in layout.blocks:
        out += [rng.randn(inputs + units, blocks * units).astype(np.float32),
                rng.randn(blocks * units).astype(np.float32)]
    return out


def test_lstm_mapping_splits_the_kernel_reorders_gates_and_folds_the_forget_bias():
    inputs, units = 2, 3
    kernel = np.arange((inputs + units) * 4 * units, dtype=np.float32).reshape(inputs + units, 4 * units)
    bias = np.arange(4 * units, dtype=np.float32)
    k, r, b = to_keras(LAYOUTS["LSTMCell"], [kernel, bias], inputs, units, offset=1.0)
    i, j, f, o = (slice(g * units, (g + 1) * units) for g in range(4))  # TF1's gate order
    assert np.array_equal(k, np.concatenate([kernel[:inputs, g] for g in (i, f, j, o)], axis=1))
    assert np.array_equal(r, np.concatenate([kernel[inputs:, g] for g in (i, f, j, o)], axis=1))
    assert np.array_equal(b, np.concatenate([bias[i], bias[f] + 1.0, bias[j], bias[o]]))


def test_gru_mapping_takes_update_then_reset_gate_then_candidate():
    inputs, units = 1, 2
    gates, gates_bias, candidate, candidate_bias = random_tf1("GRUCell", inputs, units)
    k, r, b = to_keras(LAYOUTS["GRUCell"], [gates, gates_bias, candidate, candidate_bias], inputs, units, 0.0)
    assert np.array_equal(k[:, :units], gates[:inputs, units:])  # z = TF1's u, the second gate block
    assert np.array_equal(r[:, units:2 * units], gates[inputs:, :units])  # reset gate
    assert np.array_equal(b[2 * units:], candidate_bias)


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_mapping_back_to_tf1_inverts_the_mapping(name):
    tf1 = random_tf1(name, 3, 4)
    offset = 1.0 if LAYOUTS[name].forget_block is not None else 0.0
    back = to_tf1(LAYOUTS[name], *to_keras(LAYOUTS[name], tf1, 3, 4, offset), units=4, offset=offset)
    assert [a.shape for a in back] == [a.shape for a in tf1]
    for a, b in zip(back, tf1):
        np.testing.assert_allclose(a, b, atol=1e-6)


def test_a_cell_matches_the_first_consecutive_unused_original_variables_of_its_shapes():
    def spec(name, shape):
        return ({"name": name, "shape": shape, "dtype": "float32"}, np.zeros(shape, np.float32))

    init = [spec("W", [5, 16]), spec("rnn/basic_lstm_cell/kernel", [5, 16]), spec("rnn/basic_lstm_cell/bias", [16]),
            spec("b", [16])]
    used = [False] * 4
    # W has the kernel's shape, but no bias follows it
    assert match_cell(LAYOUTS["LSTMCell"], init, used, inputs=1, units=4) == (1, 2)
    assert match_cell(LAYOUTS["LSTMCell"], init, [False, True, False, False], inputs=1, units=4) is None
    assert match_cell(LAYOUTS["LSTMCell"], init, used, inputs=2, units=4) is None
    assert is_tf1_cell_variable("rnn/multi_rnn_cell/cell_0/lstm_cell/kernel")
    assert is_tf1_cell_variable("rnn/gru_cell/candidate/bias")
    assert not is_tf1_cell_variable("dense/kernel")


def test_an_unmapped_cell_makes_the_pair_not_comparable():
    def trace(notes: tuple[str, ...]) -> Trace:
        return Trace(side="v2", status="ok", error="", events=(Event(1, "step", (np.float32(1.0),)),),
                     writes=(), init=(), final={}, notes=notes, meta={})

    note = f"{UNMAPPED_NOTE}: a Keras GRU with reset_after=True computes another function"
    verdict = conclude(trace(()), trace((note,)), original="a.py", converted="b.py", rtol=1e-6, atol=1e-5)
    assert verdict.status == "not-comparable"
    assert verdict.reason.startswith(UNMAPPED_NOTE)
    assert conclude(trace(()), trace(()), original="a.py", converted="b.py", rtol=1e-6,
                    atol=1e-5).status == "equivalent"


@pytest.mark.tf
def test_keras_cells_that_cannot_take_the_tf1_weights_are_reported():
    import tensorflow as tf

    init = [({"name": "rnn/gru_cell/gates/kernel", "shape": [5, 8], "dtype": "float32"}, np.zeros((5, 8)))]
    builds = CellBuilds(init, [False])
    builds.start("GRUCell", tf.keras.layers.GRUCell(4), (None, 1))  # Keras' default: reset_after=True
    builds.start("GRUCell", tf.keras.layers.GRUCell(4, reset_after=False), (None, 1))  # no candidate variables
    assert len(builds.problems) == 2
    assert "reset_after=True" in builds.problems[0]
    assert "no original gru_cell/gates/gru_cell/candidate variables" in builds.problems[1]
    assert builds.current is None


@pytest.mark.tf
@pytest.mark.slow
def test_tf1_cells_and_keras_layers_compute_the_same_function_under_the_mapping():
    """The measured facts behind LAYOUTS, on the real cells (TF1 side in its own process)."""
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "check_rnn_layouts.py")], capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]
    for cell in ("BasicLSTMCell", "LSTMCell", "GRUCell", "BasicRNNCell"):
        assert f"\n{cell} " in "\n" + result.stdout
    assert "rnn/gru_cell/gates/kernel[4, 8]" not in result.stdout  # 3 inputs + 4 units: [7, 8]
    assert "rnn/gru_cell/gates/kernel[7, 8]" in result.stdout


@pytest.mark.tf
@pytest.mark.slow
def test_a_keras_lstm_without_tf1s_forget_bias_is_a_mismatch(tmp_path):
    """The mapping does not hide a wrong port: `unit_forget_bias=False` for TF1's forget_bias=1.0.

    (The right port of this program verifies equivalent: see the LSTM goldens.)
    """
    from tf2port.verify import verify_pair

    original = ROOT / "fixtures" / "programs" / "basic_rnn_sign" / "original.py"
    source = original.read_text().replace("tf.nn.rnn_cell.BasicRNNCell(num_units=10)",
                                          "tf.nn.rnn_cell.BasicLSTMCell(num_units=10)")
    source = source.replace("tf.matmul(state, w)", "tf.matmul(state.h, w)")
    (tmp_path / "original.py").write_text(source)
    converted = fix_text(source, "original.py", ALL).text
    assert "tf.keras.layers.LSTM(10, return_sequences=True, return_state=True)" in converted
    wrong = converted.replace("LSTM(10, ", "LSTM(10, unit_forget_bias=False, ")
    (tmp_path / "wrong.py").write_text(wrong)
    verdict = verify_pair(tmp_path / "original.py", tmp_path / "wrong.py", timeout=300)
    assert verdict.status == "mismatch", verdict.to_json()
    assert verdict.divergence is not None and (verdict.divergence.kind, verdict.divergence.index) == ("step", 0)
