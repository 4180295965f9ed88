"""Rules whose findings depend on context, beyond name matching: each rewrite or finding has a no-op twin.

Why: these rules share a spelling with valid TF2 or non-TF code (pandas `df.eval`, Keras
`apply_gradients`, TF2 `tf.summary.scalar(..., step=)`, `tf.gradients` in a `tf.function`),
so each behaviour is pinned by a pair: the TF1 form fires (and is fixed as pinned), the
near-identical other form stays silent and byte-identical under `fix`.
"""
from __future__ import annotations

import textwrap

import pytest

from tf2port.diagnostics import Diagnostic
from tf2port.fix.pipeline import fix_text, lint_text


def _always(code: str, line: int) -> bool:
    return True


def _src(source: str) -> str:
    return textwrap.dedent(source).lstrip("\n")


def lint(source: str) -> list[Diagnostic]:
    return lint_text(_src(source), "snippet.py", _always)


def found(source: str, code: str) -> list[int]:
    """Lines where ``code`` fires."""
    return [d.span.line for d in lint(source) if d.code == code]


def messages(source: str, code: str) -> list[str]:
    return [d.message for d in lint(source) if d.code == code]


def fixed(source: str) -> str:
    return fix_text(_src(source), "snippet.py", _always).text


# --- TF206 tensor-eval ------------------------------------------------------------------------

def test_eval_fires_in_a_module_that_runs_a_session():
    assert found("""
        import tensorflow as tf
        sess = tf.Session()
        print(loss.eval())
        """, "TF206") == [3]


def test_eval_is_silent_in_a_module_without_a_session():
    assert found("""
        import tensorflow as tf
        print(loss.eval())
        """, "TF206") == []


def test_eval_with_feed_dict_or_session_fires_without_a_session_in_sight():
    source = """
        import tensorflow as tf
        a = loss.eval(feed_dict={x: 1.0})
        b = loss.eval(session=s)
        c = loss.eval()
        """
    assert found(source, "TF206") == [2, 3]


def test_pandas_eval_is_silent_next_to_a_session_but_tensor_eval_is_not():
    source = """
        import pandas as pd
        import tensorflow as tf
        sess = tf.InteractiveSession()
        total = df.eval("a + b")
        named = df.eval(expr="a + b")
        fstr = df.eval(f"{col} * 2")
        value = accuracy.eval()
        """
    assert found(source, "TF206") == [7]


def test_eval_in_a_module_without_tensorflow_is_silent():
    assert found("""
        import torch
        value = x.eval(session=s, feed_dict=d)
        """, "TF206") == []


def test_session_through_a_compat_v1_import_counts():
    assert found("""
        import tensorflow.compat.v1 as tf
        sess = tf.Session()
        print(y.eval())
        """, "TF206") == [3]


# --- TF502 optimizer-minimize -----------------------------------------------------------------

def test_minimize_fires_in_a_module_with_a_tf1_optimizer():
    assert found("""
        import tensorflow as tf
        optimizer = tf.train.GradientDescentOptimizer(0.1)
        train_op = optimizer.minimize(loss)
        """, "TF502") == [3]


def test_keras_optimizer_calls_are_silent():
    assert found("""
        import tensorflow as tf
        optimizer = tf.keras.optimizers.SGD(0.1)
        optimizer.minimize(loss, var_list, tape=tape)
        optimizer.apply_gradients(zip(grads, var_list))
        """, "TF502") == []


def test_minimize_stays_reported_after_the_compat_fallback():
    source = """
        import tensorflow as tf
        optimizer = tf.train.AdamOptimizer(1e-3)
        grads = optimizer.compute_gradients(loss)
        train_op = optimizer.apply_gradients(grads)
        """
    out = fixed(source)
    assert "tf.compat.v1.train.AdamOptimizer(1e-3)" in out
    assert found(out, "TF502") == [3, 4]
    assert found(out, "TF501") == [2]  # the finding stays, now without a fix
    assert fixed(out) == out


def test_tf1_optimizer_imported_from_compat_train_counts():
    assert found("""
        from tensorflow.compat.v1 import train
        step = train.MomentumOptimizer(0.1, 0.9).minimize(loss)
        """, "TF502") == [2]


# --- TF504 v1-summary -------------------------------------------------------------------------

TF1_HEADER = """
    import tensorflow as tf
    x = tf.placeholder(tf.float32)
"""


def test_summary_op_without_step_in_a_tf1_module_is_reported_and_kept_as_tf1():
    source = TF1_HEADER + '    tf.summary.scalar("loss", x)\n'
    assert found(source, "TF504") == [3]
    assert 'tf.compat.v1.summary.scalar("loss", x)' in fixed(source)


def test_summary_op_with_step_is_tf2_even_in_a_tf1_module():
    source = TF1_HEADER + '    tf.summary.scalar("loss", x, step=step)\n'
    assert found(source, "TF504") == []
    assert 'tf.summary.scalar("loss", x, step=step)' in fixed(source)  # not turned into the TF1 op


def test_summary_op_in_a_tf2_module_is_left_alone():
    source = """
        import tensorflow as tf
        tf.summary.image("inputs", images, max_outputs=3)
        """
    assert found(source, "TF504") == []
    assert fixed(source) == _src(source)


def test_summary_op_spelled_compat_v1_is_tf1_anywhere():
    source = """
        import tensorflow as tf
        tf.compat.v1.summary.image("inputs", images, max_outputs=3)
        """
    assert found(source, "TF504") == [2]
    assert fixed(source) == _src(source)


def test_file_writer_and_merge_all_are_tf1_anywhere():
    source = """
        import tensorflow as tf
        merged = tf.summary.merge_all()
        """
    assert found(source, "TF504") == [2]


# --- TF505 symbolic-gradients -----------------------------------------------------------------

def test_gradients_fire_in_eager_code():
    assert found("""
        import tensorflow as tf
        def grad(x):
            return tf.gradients(x * x, [x])
        """, "TF505") == [3]


@pytest.mark.parametrize("decorator", ["@tf.function", "@tf.function(jit_compile=True)"])
def test_gradients_inside_a_tf_function_are_silent(decorator):
    assert found(f"""
        import tensorflow as tf
        {decorator}
        def grad(x):
            return tf.gradients(x * x, [x])
        """, "TF505") == []


def test_gradients_with_a_removed_argument_are_fixed_even_inside_a_tf_function():
    source = """
        import tensorflow as tf
        @tf.function
        def grad(x):
            return tf.gradients(x * x, [x], colocate_gradients_with_ops=True)
        """
    assert found(source, "TF505") == [4]
    assert "tf.compat.v1.gradients(x * x, [x], colocate_gradients_with_ops=True)" in fixed(source)


def test_another_decorator_named_function_does_not_count():
    assert found("""
        import tensorflow as tf
        from functools import lru_cache as function
        @function
        def grad(x):
            return tf.gradients(x * x, [x])
        """, "TF505") == [5]


# --- TF601 queue-runner -----------------------------------------------------------------------

def test_coordinator_alone_is_silent():
    assert found("""
        import tensorflow as tf
        coord = tf.train.Coordinator()
        """, "TF601") == []


def test_coordinator_next_to_queue_runners_fires():
    assert found("""
        import tensorflow as tf
        coord = tf.train.Coordinator()
        threads = tf.train.start_queue_runners(sess, coord=coord)
        """, "TF601") == [2, 3]


# --- TF602 dataset-iterator -------------------------------------------------------------------

def test_iterator_class_in_a_tf2_module_is_left_alone():
    source = """
        import tensorflow as tf
        ok = isinstance(it, tf.data.Iterator)
        """
    assert found(source, "TF602") == []
    assert fixed(source) == _src(source)


def test_iterator_class_in_a_tf1_module_is_reported_and_kept_as_tf1():
    source = TF1_HEADER + "    ok = isinstance(it, tf.data.Iterator)\n"
    assert found(source, "TF602") == [3]
    assert "isinstance(it, tf.compat.v1.data.Iterator)" in fixed(source)


def test_iterator_method_needs_a_tensorflow_module():
    assert found("""
        import tensorflow as tf
        it = ds.make_initializable_iterator()
        """, "TF602") == [2]
    assert found("""
        import mylib
        it = ds.make_initializable_iterator()
        """, "TF602") == []


# --- messages that carry table knowledge ------------------------------------------------------

def test_v1_optimizer_message_carries_specific_table_advice_only():
    source = """
        import tensorflow as tf
        a = tf.train.AdamOptimizer()
        b = tf.train.FtrlOptimizer(0.1)
        """
    adam, ftrl = messages(source, "TF501")
    assert "epsilon=1e-8" in adam
    assert "No TF2-native equivalent" not in ftrl and "tf.keras.optimizers" in ftrl


def test_app_flags_message_names_the_absl_module():
    source = """
        import tensorflow as tf
        tf.app.flags.DEFINE_string("data", "", "input")
        tf.logging.info("start")
        tf.app.run()
        """
    flags, logging, app = messages(source, "TF603")
    assert "`absl.flags`" in flags and "`absl.logging`" in logging and "`absl.app`" in app


def test_contrib_message_names_the_recorded_replacement():
    (message,) = messages("""
        import tensorflow as tf
        y = tf.contrib.layers.flatten(x)
        """, "TF301")
    assert "tf.keras.layers.Flatten" in message


def test_tf_layers_message_names_the_keras_layer():
    (message,) = messages("""
        import tensorflow as tf
        y = tf.layers.conv2d(x, 32, 3)
        """, "TF401")
    assert "`tf.keras.layers.Conv2D` once" in message


def test_keras_legacy_optimizer_import_names_the_keras_3_optimizer():
    source = """
        import tensorflow as tf
        from tensorflow.keras.optimizers.legacy import Adam
        sgd = tf.keras.optimizers.legacy.SGD(0.1)
        """
    assert found(source, "TF403") == [2, 3]
    adam, sgd = messages(source, "TF403")
    assert "use `tf.keras.optimizers.Adam`" in adam and "use `tf.keras.optimizers.SGD`" in sgd
    assert fixed(source) == _src(source)


def test_keras_legacy_optimizer_used_through_a_from_import():
    assert found("""
        from tensorflow.keras.optimizers.legacy import Adam
        optimizer = Adam()
        """, "TF403") == [1, 2]


# --- TF301 / TF302: contrib and slim split the tensorflow.contrib namespace -------------------

@pytest.mark.parametrize(("source", "codes"), [
    ("import tensorflow as tf\nnet = tf.contrib.slim.conv2d(x, 32, 3)\n", {"TF302"}),
    ("import tensorflow as tf\ncell = tf.contrib.rnn.LSTMCell(64)\n", {"TF301"}),
    ("import tensorflow.contrib.slim as slim\n", {"TF302"}),
    ("from tensorflow.contrib import layers\n", {"TF301"}),
    ("from tensorflow.contrib import slim, rnn\n", {"TF301", "TF302"}),
    ("from tensorflow.contrib.slim import nets\n", {"TF302"}),
    ("import tf_slim as slim\nnet = slim.conv2d(x, 32, 3)\n", {"TF302"}),
])
def test_contrib_and_slim_claims_are_disjoint(source, codes):
    assert {d.code for d in lint(source)} == codes
    assert fixed(source) == source  # neither has a fix
