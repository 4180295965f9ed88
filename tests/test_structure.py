"""The stdlib layout check that lets fix skip libcst on modules whose session code certainly declines.

Reference: the libcst graph analysis. Where the layout check says the decline is certain, the
graph rewrite must decline too, on the original and on what the library rewrite makes of it,
and its first findings must be the layout check's, at the same lines and columns.
"""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from tf2port.analysis.graph import calls_in
from tf2port.analysis.structure import calls_in_source_order
from tf2port.fix import graph_to_eager, library
from tf2port.fix.edits import LineIndex
from tf2port.fix.pipeline import _layout, fix_text, parse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import bench  # noqa: E402  (the benchmark's corpus generator: varied TF1 modules)

ALL = lambda code, line: True  # noqa: E731
FIXTURES = sorted(p for p in (ROOT / "fixtures").rglob("*.py") if p.parent.name != "bad")


def dd(source: str) -> str:
    return textwrap.dedent(source).lstrip("\n")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> list[tuple[str, str]]:
    """Fixture programs, bench modules, and fixture programs with their session code moved into two functions."""
    root = tmp_path_factory.mktemp("corpus")
    bench.make_corpus(root, 24, seed=1)
    texts = [(str(p), p.read_text()) for p in FIXTURES + sorted(root.rglob("*.py"))]
    for path in sorted((ROOT / "fixtures" / "programs").glob("*/original.py"))[::4]:
        text = path.read_text()
        texts.append((f"{path}:helper", text + "\n\ndef evaluate():\n    with tf.Session() as sess:\n"
                                              "        return sess.run(tf.constant(1.0))\n"))
    return texts


def _positions(text: str) -> list[tuple[int, int]]:
    module = cst.parse_module(text)
    where = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    return [(where[c].start.line, where[c].start.column + 1) for stmt in module.body for c in calls_in(stmt)]


@pytest.mark.parametrize("path", FIXTURES[::2], ids=lambda p: str(p.relative_to(ROOT / "fixtures")))
def test_calls_come_in_the_order_and_at_the_positions_the_libcst_walk_gives(path):
    text = path.read_text()
    tree, index = parse(text, str(path)), LineIndex(text)
    ours = [(index.span(c).line, index.span(c).col) for stmt in tree.body for c in calls_in_source_order(stmt)]
    assert ours == _positions(text)


def test_certain_declines_are_declines_of_the_libcst_analysis_with_the_same_first_findings(corpus):
    kinds = set()
    for path, text in corpus:
        shape = _layout(parse(text, path), text)
        if not shape.certain:
            continue
        reason = shape.cause.reason
        kinds.add("sessions" if "several functions" in reason else "module" if "module level" in reason else "class")
        full = graph_to_eager.rewrite(text)
        assert full.text is None, path
        ours = [(b.line, b.col, b.construct, b.reason) for b in shape.blockers]
        theirs = [(d.line, d.col, d.construct, d.reason) for d in full.declined]
        assert theirs[:len(ours)] == ours, path
        converted = library.rewrite(text).text
        if converted is not None:  # the library rewrite does not remove the cause
            assert graph_to_eager.rewrite(converted).text is None, path
    assert kinds == {"sessions", "module", "class"}  # every kind of cause was checked


def test_a_library_function_whose_graph_is_built_apart_from_the_session_still_reaches_the_rewrite():
    """graph code only inside variable-creating functions: the library rewrite may remove it, so nothing is certain."""
    source = dd("""
        import tensorflow as tf


        def tower(x):
            with tf.variable_scope("tower"):
                return tf.layers.dense(x, 4)


        def main():
            x = tf.placeholder(tf.float32, [None, 3])
            y = tower(x)
            with tf.Session() as sess:
                sess.run(tf.global_variables_initializer())
                print(sess.run(y, feed_dict={x: [[1.0, 2.0, 3.0]]}))
        """)
    assert not _layout(parse(source, "t.py"), source).certain
    converted = fix_text(source, "t.py", ALL).text
    assert "class Tower(tf.keras.Model):" in converted and "Session" not in converted


def test_two_session_functions_keep_the_tf1_form_and_name_each_cause_at_its_line():
    source = dd("""
        import tensorflow as tf


        def dense(x):
            w = tf.get_variable("w", [3, 2])
            return tf.matmul(x, w)


        def train(batch):
            x = tf.placeholder(tf.float32, [None, 3])
            y = dense(x)
            with tf.Session() as sess:
                sess.run(tf.global_variables_initializer())
                return sess.run(y, feed_dict={x: batch})


        def evaluate():
            with tf.Session() as sess:  # a second session
                return sess.run(tf.constant(1.0))
        """)
    expected = dd("""
        import tensorflow as tf
        tf.compat.v1.disable_eager_execution()


        def dense(x):
            w = tf.compat.v1.get_variable("w", [3, 2])
            return tf.matmul(x, w)


        def train(batch):
            x = tf.compat.v1.placeholder(tf.float32, [None, 3])
            y = dense(x)
            with tf.compat.v1.Session() as sess:
                sess.run(tf.compat.v1.global_variables_initializer())
                return sess.run(y, feed_dict={x: batch})


        def evaluate():
            with tf.compat.v1.Session() as sess:  # a second session
                return sess.run(tf.constant(1.0))
        """)
    outcome = fix_text(source, "t.py", ALL)
    assert outcome.text == expected
    declined = [(d.span.line, d.span.col, d.code, d.message) for d in outcome.remaining if "declined" in d.message]
    assert declined == [
        (5, 9, "TF207", "graph-to-eager rewrite declined: graph code in `dense()` (library-style graph code) while the "
                        "session runs in `train()`; only a graph built and run in the same function is rewritten "
                        "(`tf.get_variable`)"),
        (18, 10, "TF201", "graph-to-eager rewrite declined: sessions are opened in several functions (also in "
                          "`train()`); the session code of one function is rewritten (`tf.Session`)"),
        (18, 10, "TF201", "library rewrite declined: the session code that calls the library functions is not "
                          "rewritten, and Keras layers do not run in graph mode; the functions are kept "
                          "(`tf.Session`)"),
    ]


def test_fixing_a_module_whose_session_layout_declines_never_loads_libcst(tmp_path):
    """Speed by construction: the decline is found with the stdlib parser alone."""
    bench.make_corpus(tmp_path, 12, seed=3)
    texts = [p.read_text() for p in sorted(tmp_path.rglob("*.py"))]
    certain = [t for t in texts if _layout(parse(t, "m.py"), t).certain]
    assert len(certain) >= 8
    code = ("import sys, json\nfrom tf2port.fix.pipeline import fix_text\n"
            "for text in json.load(sys.stdin):\n"
            "    assert 'declined' in str(fix_text(text, 'm.py', lambda c, l: True).remaining)\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'libcst'))\n")
    import json
    result = subprocess.run([sys.executable, "-c", code], input=json.dumps(certain), capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "[]"
