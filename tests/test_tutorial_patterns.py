"""Patterns a QA run over public TF1 tutorials met often, each rewritten instead of declined.

The programs here are our own, written to the shape of those tutorials.
"""
from __future__ import annotations

import textwrap

from tf2port.fix.pipeline import fix_text

ALL = lambda code, line: True  # noqa: E731


def dd(src: str) -> str:
    return textwrap.dedent(src).lstrip("\n")


def test_the_default_graph_given_to_a_file_writer_is_dropped_with_the_writer_rewrite():
    """`FileWriter(logdir, graph=tf.get_default_graph())` only showed the graph in TensorBoard: not a blocker."""
    before = dd("""
        import numpy as np
        import tensorflow as tf

        x = tf.placeholder(tf.float32, [None, 1])
        w = tf.Variable([[0.5]])
        loss = tf.reduce_mean(tf.square(tf.matmul(x, w) - 1.0))
        train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
        tf.summary.scalar("loss", loss)
        merged = tf.summary.merge_all()
        writer = tf.summary.FileWriter("logs", graph=tf.get_default_graph())

        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            for step in range(3):
                _, summary = sess.run([train, merged], feed_dict={x: np.ones((2, 1), np.float32)})
                writer.add_summary(summary, step)
        writer.close()
        """)
    after = dd("""
        import numpy as np
        import tensorflow as tf

        w = tf.Variable([[0.5]])
        optimizer = tf.keras.optimizers.SGD(learning_rate=0.1)
        writer = tf.summary.create_file_writer("logs")


        @tf.function(input_signature=[tf.TensorSpec([None, 1], tf.float32), tf.TensorSpec([], tf.int64)])
        def train_step(x, step):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(tf.matmul(x, w) - 1.0))
            with writer.as_default():
                tf.summary.scalar("loss", loss, step=step)
            variables = [w]
            gradients = tape.gradient(loss, variables)
            optimizer.apply_gradients(zip(gradients, variables))


        for step in range(3):
            train_step(np.ones((2, 1), np.float32), step)
        writer.close()
        """)
    assert fix_text(before, "t.py", ALL).text == after
    # the graph object used for anything else still declines
    elsewhere = before.replace('writer = tf.summary.FileWriter("logs", graph=tf.get_default_graph())',
                               'writer = tf.summary.FileWriter("logs")\nops = tf.get_default_graph().get_operations()')
    outcome = fix_text(elsewhere, "t.py", ALL)
    assert [(d.span.line, d.message) for d in outcome.remaining if "declined" in d.message] == [
        (11, "graph-to-eager rewrite declined: direct use of the graph object has no eager counterpart "
             "(`tf.get_default_graph`)")]


def test_a_fetched_attribute_of_a_graph_value_is_not_taken_for_an_expression():
    """`sess.run(w.initializer)` runs an assign op, not a computation: it still declines, at its line."""
    source = dd("""
        import tensorflow as tf

        x = tf.placeholder(tf.float32, [None, 2])
        w = tf.Variable(tf.zeros([2, 1]))
        y = tf.matmul(x, w)
        with tf.Session() as sess:
            sess.run(w.initializer)
            print(sess.run(y * 2, feed_dict={x: [[1.0, 2.0]]}))
        """)
    outcome = fix_text(source, "t.py", ALL)
    assert [(d.span.line, d.message) for d in outcome.remaining if "declined" in d.message] == [
        (7, "graph-to-eager rewrite declined: fetches that are not graph names (dicts, expressions) "
            "(`Session.run`)")]
    assert "tf.compat.v1.Session()" in outcome.text
