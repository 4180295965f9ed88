"""Graph to eager for session code inside a function: `def main(): ... with tf.Session() as sess:`.

The function's body is the program (its parameters are plain Python values); the rewrite
puts the result back into the same `def`, step functions nested in it. What the rewrite
declines at module level it declines inside the function, at the same construct; a graph
built in one function and run in another, or sessions in several functions, decline too.
"""
from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

from tf2port.fix.graph_to_eager import rewrite
from tf2port.fix.pipeline import fix_text

ALL = lambda code, line: True  # noqa: E731
PROGRAMS = Path(__file__).resolve().parent.parent / "fixtures" / "programs"
# programs whose `main()` form gets a module-level class where the module form has it among the statements
CLASS_BEFORE_MAIN = {"mnist_softmax": "class MnistSplit:"}
# programs whose module-level form converts but whose `main()` form declines, and why
DECLINED_IN_MAIN = {
    "summaries_flags_logging": "flags bound inside a function (absl binds and parses them at module level)",
}


def dd(source: str) -> str:
    return textwrap.dedent(source).lstrip("\n")


def fix(source: str) -> str:
    return fix_text(dd(source), "t.py", ALL).text


def declined(source: str) -> list[tuple[int, int, str]]:
    outcome = fix_text(dd(source), "t.py", ALL)
    return [(d.span.line, d.span.col, d.message) for d in outcome.remaining if "declined" in d.message]


def test_main_with_placeholders_minimize_and_a_session_loop_is_rewritten_inside_main():
    before = """
    import sys

    import numpy as np
    import tensorflow as tf


    def main(steps):
        x = tf.placeholder(tf.float32, [None, 2])
        y = tf.placeholder(tf.float32, [None, 1])
        w = tf.Variable(tf.zeros([2, 1]), name="w")
        b = tf.Variable(0.0, name="b")
        prediction = tf.matmul(x, w) + b
        loss = tf.reduce_mean(tf.square(prediction - y))
        train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)

        features = np.array([[0.0, 1.0], [1.0, 0.0]], np.float32)
        targets = np.array([[1.0], [2.0]], np.float32)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            for step in range(steps):
                _, value = sess.run([train, loss], feed_dict={x: features, y: targets})
                print(step, value)
            print(sess.run(w))


    if __name__ == "__main__":
        main(int(sys.argv[1]))
    """
    after = """
    import sys

    import numpy as np
    import tensorflow as tf


    def main(steps):
        w = tf.Variable(tf.zeros([2, 1]), name="w")
        b = tf.Variable(0.0, name="b")
        optimizer = tf.keras.optimizers.SGD(learning_rate=0.1)

        features = np.array([[0.0, 1.0], [1.0, 0.0]], np.float32)
        targets = np.array([[1.0], [2.0]], np.float32)

        @tf.function(input_signature=[
            tf.TensorSpec([None, 2], tf.float32),
            tf.TensorSpec([None, 1], tf.float32),
        ])
        def train_step(x, y):
            with tf.GradientTape() as tape:
                prediction = tf.matmul(x, w) + b
                loss = tf.reduce_mean(tf.square(prediction - y))
            variables = [w, b]
            gradients = tape.gradient(loss, variables)
            optimizer.apply_gradients(zip(gradients, variables))
            return loss

        for step in range(steps):
            value = train_step(features, targets).numpy()
            print(step, value)
        print(w.numpy())


    if __name__ == "__main__":
        main(int(sys.argv[1]))
    """
    assert fix(before) == dd(after)
    assert fix(after) == dd(after)  # the converted function is left alone


# the module-level declines of tests/test_graph_to_eager.py, as the body of `def main():`
MODULE_LEVEL_DECLINES = {
    "tf.cond": """
        import tensorflow as tf
        flag = tf.placeholder(tf.bool)
        y = tf.cond(flag, lambda: tf.constant(1.0), lambda: tf.constant(2.0))
        with tf.Session() as sess:
            print(sess.run(y, feed_dict={flag: True}))
        """,
    "tf.train.start_queue_runners": """
        import tensorflow as tf
        x = tf.placeholder(tf.float32)
        with tf.Session() as sess:
            tf.train.start_queue_runners(sess)
            print(sess.run(x * 2, feed_dict={x: 1.0}))
        """,
    "feed_dict": """
        import tensorflow as tf
        x = tf.placeholder(tf.float32)
        y = x * 2
        feeds = make_feeds()
        with tf.Session() as sess:
            print(sess.run(y, feed_dict=feeds))
        """,
}


def in_main(module_source: str) -> str:
    """The same program with everything after the import as the body of `def main():`."""
    head, _, rest = dd(module_source).partition("\n")
    return head + "\n\n\ndef main():\n" + textwrap.indent(rest, "    ")


@pytest.mark.parametrize("construct", MODULE_LEVEL_DECLINES, ids=str)
def test_what_module_level_code_declines_is_declined_inside_main_at_the_same_construct(construct):
    module_level = rewrite(dd(MODULE_LEVEL_DECLINES[construct]))
    inside = rewrite(in_main(MODULE_LEVEL_DECLINES[construct]))
    assert inside.text is None
    assert [(d.construct, d.reason) for d in inside.declined] == [(d.construct, d.reason)
                                                                 for d in module_level.declined]
    # three lines added above the body (two blank, the def), four columns of indentation
    assert [(d.line, d.col) for d in inside.declined] == [(d.line + 3, d.col + 4) for d in module_level.declined]
    outcome = fix_text(in_main(MODULE_LEVEL_DECLINES[construct]), "t.py", ALL)
    assert "tf.compat.v1.disable_eager_execution()" in outcome.text  # the fallback still runs


def test_a_declined_session_function_keeps_its_tf1_form_with_the_finding_at_its_line():
    source = """
    import tensorflow as tf


    def main():
        flag = tf.placeholder(tf.bool)
        y = tf.cond(flag, lambda: tf.constant(1.0), lambda: tf.constant(2.0))
        with tf.Session() as sess:
            print(sess.run(y, feed_dict={flag: True}))
    """
    # the same two findings as at module level: `y` is not a graph value the rewrite knows once tf.cond is out
    assert declined(source) == [
        (6, 9, "graph-to-eager rewrite declined: tf.cond on graph values is not rewritten yet (`tf.cond`)"),
        (8, 15, "graph-to-eager rewrite declined: fetches that are not graph names (dicts, expressions) "
                "(`Session.run`)")]
    assert fix(source) == dd("""
    import tensorflow as tf
    tf.compat.v1.disable_eager_execution()


    def main():
        flag = tf.compat.v1.placeholder(tf.bool)
        y = tf.cond(flag, lambda: tf.constant(1.0), lambda: tf.constant(2.0))
        with tf.compat.v1.Session() as sess:
            print(sess.run(y, feed_dict={flag: True}))
    """)


def test_a_graph_built_in_one_function_and_run_in_another_is_declined_where_it_is_built():
    source = """
    import tensorflow as tf


    def build():
        x = tf.placeholder(tf.float32, [None])
        return x, tf.reduce_sum(x)


    def main():
        x, total = build()
        with tf.Session() as sess:
            print(sess.run(total, feed_dict={x: [1.0, 2.0]}))
    """
    assert declined(source) == [(5, 9, "graph-to-eager rewrite declined: graph code in `build()` (library-style "
                                       "graph code) while the session runs in `main()`; only a graph built and run "
                                       "in the same function is rewritten (`tf.placeholder`)")]
    assert "def build():" in fix(source) and "tf.compat.v1.Session()" in fix(source)


def test_a_graph_built_at_module_level_and_run_in_main_is_declined():
    source = """
    import tensorflow as tf

    x = tf.placeholder(tf.float32, [None])
    total = tf.reduce_sum(x)


    def main():
        with tf.Session() as sess:
            print(sess.run(total, feed_dict={x: [1.0, 2.0]}))
    """
    assert declined(source) == [(3, 5, "graph-to-eager rewrite declined: graph code at module level while the "
                                       "session runs in `main()`; only a graph built and run in the same function "
                                       "is rewritten (`tf.placeholder`)")]


def test_sessions_in_two_functions_are_declined_at_the_second():
    source = """
    import tensorflow as tf


    def train():
        x = tf.placeholder(tf.float32, [None])
        with tf.Session() as sess:
            print(sess.run(tf.reduce_sum(x), feed_dict={x: [1.0]}))


    def evaluate():
        with tf.Session() as sess:
            print(sess.run(tf.constant(1.0)))
    """
    found = declined(source)
    assert (11, 10, "graph-to-eager rewrite declined: sessions are opened in several functions (also in "
                    "`train()`); the session code of one function is rewritten (`tf.Session`)") in found
    assert "tf.compat.v1.Session()" in fix(source)


def test_graph_built_in_a_loop_of_main_is_declined_naming_main():
    source = """
    import tensorflow as tf


    def main():
        x = tf.placeholder(tf.float32, [None, 2])
        h = x
        for units in (4, 2):
            h = tf.layers.dense(h, units)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            print(sess.run(h, feed_dict={x: [[1.0, 2.0]]}))
    """
    assert declined(source)[0] == (8, 13, "graph-to-eager rewrite declined: graph built inside a loop or block; only "
                                          "`main()`-level graph construction is rewritten (`tf.layers.dense`)")


def test_flags_bound_inside_main_are_declined():
    """absl parses FLAGS at module level: `FLAGS = tf.app.flags.FLAGS` in `main()` would be read unparsed."""
    source = """
    import tensorflow as tf

    tf.app.flags.DEFINE_integer("steps", 3, "training steps")


    def main():
        FLAGS = tf.app.flags.FLAGS
        x = tf.placeholder(tf.float32, [None])
        total = tf.reduce_sum(x)
        with tf.Session() as sess:
            for _ in range(FLAGS.steps):
                print(sess.run(total, feed_dict={x: [1.0, 2.0]}))


    if __name__ == "__main__":
        main()
    """
    assert declined(source) == [(7, 13, "graph-to-eager rewrite declined: flags bound inside a function are not "
                                        "rewritten (absl's FLAGS is bound and parsed at module level); bind them at "
                                        "module level (`tf.app.flags.FLAGS`)")]


def test_flags_defined_at_module_level_and_read_in_main_are_parsed_by_app_run():
    before = """
    import tensorflow as tf

    tf.app.flags.DEFINE_integer("steps", 3, "training steps")
    FLAGS = tf.app.flags.FLAGS


    def main(_):
        x = tf.placeholder(tf.float32, [None])
        total = tf.reduce_sum(x)
        with tf.Session() as sess:
            for _ in range(FLAGS.steps):
                print(sess.run(total, feed_dict={x: [1.0, 2.0]}))


    if __name__ == "__main__":
        tf.app.run()
    """
    after = """
    import tensorflow as tf
    from absl import app, flags

    flags.DEFINE_integer("steps", 3, "training steps")
    FLAGS = flags.FLAGS


    def main(_):
        @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
        def compute_total(x):
            total = tf.reduce_sum(x)
            return total

        for _ in range(FLAGS.steps):
            print(compute_total([1.0, 2.0]).numpy())


    if __name__ == "__main__":
        app.run(main)
    """
    assert fix(before) == dd(after)


def _imports_and_rest(text: str) -> tuple[str, str]:
    """The module's docstring and leading imports, and the statements after them."""
    tree = ast.parse(text)
    end = 0
    for i, stmt in enumerate(tree.body):
        if not (isinstance(stmt, (ast.Import, ast.ImportFrom)) or (i == 0 and isinstance(stmt, ast.Expr))):
            break
        end = stmt.end_lineno or end
    lines = text.splitlines(keepends=True)
    return "".join(lines[:end]), "".join(lines[end:])


def _statement_lines(code: str) -> list[str]:
    """Lines without indentation and blank lines: the code the two forms must share."""
    return [line.strip() for line in code.splitlines() if line.strip() and line.strip() not in ("def main():", "main()")]


MODULE_PROGRAMS = sorted(p.parent.name for p in PROGRAMS.glob("*/expected.py") if not any(
    isinstance(s, (ast.FunctionDef, ast.ClassDef)) for s in ast.parse((p.parent / "original.py").read_text()).body))


@pytest.mark.parametrize("name", MODULE_PROGRAMS)
def test_a_fixture_program_moved_into_main_converts_to_its_golden_moved_into_main(name):
    """The function body is read as the module was: the same statements come out, nested in `main`."""
    imports, rest = _imports_and_rest((PROGRAMS / name / "original.py").read_text())
    body = textwrap.indent(rest.strip("\n") + "\n", "    ")
    outcome = fix_text(imports + "\n\ndef main():\n" + body + "\n\nmain()\n", "original.py", ALL)
    found = [d.message for d in outcome.remaining if "declined" in d.message]
    if name in DECLINED_IN_MAIN:
        assert found and "tf.compat.v1.disable_eager_execution()" in outcome.text
        return
    assert found == []
    got, want = _statement_lines(outcome.text), _statement_lines((PROGRAMS / name / "expected.py").read_text())
    if name in CLASS_BEFORE_MAIN:  # the reader's stand-in class is defined at module level, ahead of `main`
        assert outcome.text.index(CLASS_BEFORE_MAIN[name]) < outcome.text.index("def main():")
        got, want = sorted(got), sorted(want)
    assert got == want


def test_a_helper_writing_tf_train_examples_does_not_stop_the_rewrite_of_main():
    """tf.train.Example is a protocol buffer, not graph code: the helper stays as it is."""
    source = """
    import tensorflow as tf


    def to_example(value):
        return tf.train.Example(features=tf.train.Features(feature={
            "value": tf.train.Feature(float_list=tf.train.FloatList(value=[value]))}))


    def main():
        x = tf.placeholder(tf.float32, [None])
        total = tf.reduce_sum(x)
        with tf.Session() as sess:
            value = sess.run(total, feed_dict={x: [1.0, 2.0]})
        print(to_example(value))
    """
    after = fix(source)
    assert declined(source) == []
    assert "def to_example(value):\n    return tf.train.Example(" in after
    assert "    value = compute_total([1.0, 2.0]).numpy()\n    print(to_example(value))\n" in after
