"""What the lint/fix speed work must not change: memoised plans stay per call, the GC comes back.

Plans are memoised per (name, spelling) and default arguments per (symbol, named
arguments); these tests put several calls of one symbol with different argument
shapes and spellings in one module, where a memo keyed too coarsely would leak one
call's edits into another. The cyclic GC is paused per file and must be restored.
"""
from __future__ import annotations

import gc
import textwrap

import pytest

from tf2port import engine
from tf2port.analysis.names import analyse
from tf2port.fix.pipeline import fix_text, lint_text, parse

ALL = lambda code, line: True  # noqa: E731


def fix(src: str) -> str:
    return fix_text(textwrap.dedent(src).lstrip("\n"), "t.py", ALL).text


def dd(src: str) -> str:
    return textwrap.dedent(src).lstrip("\n")


def test_one_symbol_with_different_argument_shapes_is_planned_per_call():
    before = """
        import tensorflow.compat.v1 as tf
        a = tf.nn.dropout(h, keep_prob=0.5)
        b = tf.nn.dropout(h, 0.5)
        c = tf.nn.dropout(h, keep_prob=p + q)
        d = tf.nn.dropout(h, *rest)
        """
    after = """
        import tensorflow as tf
        a = tf.nn.dropout(h, rate=1 - 0.5)
        b = tf.nn.dropout(h, rate=1 - 0.5)
        c = tf.nn.dropout(h, rate=1 - (p + q))
        d = tf.compat.v1.nn.dropout(h, *rest)
        """
    assert fix(before) == dd(after)
    assert fix(after) == dd(after)


def test_changed_defaults_are_added_only_where_the_call_does_not_pass_them():
    before = """
        import tensorflow.compat.v1 as tf
        a = tf.random_normal_initializer()
        b = tf.random_normal_initializer(stddev=2.0)
        c = tf.random_normal_initializer(0.0, 3.0)
        d = tf.random_normal_initializer()
        """
    after = """
        import tensorflow as tf
        a = tf.random_normal_initializer(stddev=1.0)
        b = tf.random_normal_initializer(stddev=2.0)
        c = tf.random_normal_initializer(0.0, 3.0)
        d = tf.random_normal_initializer(stddev=1.0)
        """
    assert fix(before) == dd(after)


def test_same_name_under_two_aliases_and_odd_spacing_each_get_their_own_edit():
    before = """
        import tensorflow as tf
        import tensorflow as t2
        x = tf.log(1.0)
        y = t2.log(1.0)
        z = tf . log(2.0)
        """
    after = """
        import tensorflow as tf
        import tensorflow as t2
        x = tf.math.log(1.0)
        y = t2.math.log(1.0)
        z = tf.math.log(2.0)
        """
    assert fix(before) == dd(after)


def test_shadowed_alias_and_a_reference_under_an_attribute_of_a_call():
    src = dd("""
        import tensorflow as tf
        def f(tf):
            return tf.log(1.0)
        g = tf.log(1.0)
        h = tf.constant([1.0]).shape
        """)
    names = [(ref.name, ref.node.lineno) for ref in analyse(parse(src, "t.py"), src).references]
    assert names == [("tf.log", 4), ("tf.constant", 5)]
    assert fix(src) == src.replace("g = tf.log", "g = tf.math.log")


def test_lint_findings_do_not_depend_on_what_was_linted_before():
    tf1 = dd("""
        import tensorflow as tf
        y = tf.nn.dropout(h, keep_prob=0.5)
        """)  # keep_prob= exists only in TF1: the module is TF1 code
    tf2 = dd("""
        import tensorflow as tf
        y = tf.nn.dropout(h, 0.5)
        """)  # no TF1-only name: the same call keeps its TF2 meaning
    assert lint_text(tf2, "b.py", ALL) == []
    findings = lint_text(tf1, "a.py", ALL)
    assert [(d.code, [e.text for e in d.edits]) for d in findings] == [("TF103", ["rate", "1 - "])]
    assert lint_text(tf2, "b.py", ALL) == []
    assert lint_text(tf1, "a.py", ALL) == findings


@pytest.mark.parametrize("enabled_before", [True, False])
def test_cycle_collector_is_paused_inside_and_restored_after(enabled_before):
    was = gc.isenabled()
    try:
        (gc.enable if enabled_before else gc.disable)()
        with pytest.raises(ValueError), engine.cycle_collector_paused():
            assert not gc.isenabled()
            raise ValueError("a file's processing failed")
        assert gc.isenabled() is enabled_before
    finally:
        (gc.enable if was else gc.disable)()


def test_processing_a_file_leaves_the_collector_running(tmp_path):
    path = tmp_path / "m.py"
    path.write_text("import tensorflow as tf\nx = tf.placeholder(tf.float32)\n")
    assert gc.isenabled()
    result = engine.process_path(str(path), engine.Options(mode="lint"))
    assert [d.code for d in result.diagnostics] == ["TF202"]
    assert gc.isenabled()


# --- the stdlib-ast gate in front of the library rewrite ---------------------------------------
@pytest.mark.parametrize("source", [
    # through each kind of TensorFlow import the rewrite reads
    "import tensorflow as tf\ndef f(x):\n    return tf.layers.dense(x, 2)\n",
    "import tensorflow.compat.v1 as tf\ndef f():\n    return tf.get_variable('w', [2])\n",
    "from tensorflow.compat import v1 as tf\ndef f():\n    return tf.get_variable('w', [2])\n",
    "from tensorflow.layers import dense\ndef f(x):\n    return dense(x, 2)\n",
    "import tensorflow.layers as L\ndef f(x):\n    return L.dense(x, 2)\n",
    "import tensorflow as tf\ndef f(cell, x):\n    return tf.nn.dynamic_rnn(cell, x, dtype=tf.float32)\n",
])
def test_library_gate_lets_every_variable_creating_function_through(source):
    from tf2port.fix.library import rewrite
    from tf2port.fix.pipeline import _library_candidate

    assert _library_candidate(source, parse(source, "t.py"))
    outcome = rewrite(source)  # the rewrite acts on each (converts it or declines at its line): the gate must pass it
    assert outcome.text is not None or outcome.declined


@pytest.mark.parametrize("source", [
    "import tensorflow as tf\nw = tf.get_variable('w', [2])\n",  # module level: the graph pass's business
    "import tensorflow as tf\ndef f(x):\n    return tf.keras.layers.Dense(2)(x)\n",  # TF2 Keras
    "import numpy as np\ndef f(layers):\n    return layers.get_variable('w')\n",  # not TensorFlow
    "import tensorflow as tf\nclass Model(tf.keras.layers.Layer):\n"
    "    def build(self, shape):\n        self.w = tf.Variable(1.0)\n",  # what the rewrite emits
])
def test_library_gate_stops_modules_with_nothing_to_convert(source):
    from tf2port.fix.library import rewrite
    from tf2port.fix.pipeline import _library_candidate

    assert not _library_candidate(source, parse(source, "t.py"))
    outcome = rewrite(source)
    assert outcome.text is None and not outcome.declined


def test_a_function_creating_only_tf_variable_is_tf2_and_gets_no_library_finding():
    source = dd("""
        import tensorflow as tf


        def make():
            v = tf.Variable(1.0)
            return v
        """)
    outcome = fix_text(source, "t.py", ALL)
    assert outcome.text == source
    assert [d.message for d in outcome.remaining] == []
