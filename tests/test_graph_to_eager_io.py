"""Graph to eager for checkpoints and summaries: `Saver` → `tf.train.Checkpoint`, TF1 summaries → writers.

Before/after pairs (each with its no-op twin), declines with their line, and runs of real
programs: the converted summaries land in event files TensorBoard reads with the original's
tags, steps and values; the converted checkpoints restore what the original restored.
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from tf2port.fix.graph_to_eager import rewrite
from tf2port.fix.pipeline import fix_text

ROOT = Path(__file__).resolve().parent.parent
PROGRAMS = ROOT / "fixtures" / "programs"
ALL = lambda code, line: True  # noqa: E731


def dd(source: str) -> str:
    return textwrap.dedent(source).lstrip("\n")


def fix(source: str) -> str:
    return fix_text(dd(source), "t.py", ALL).text


# --- summaries -------------------------------------------------------------------------------
SUMMARY_PROGRAM = """
import tensorflow as tf

x = tf.placeholder(tf.float32, [None])
w = tf.Variable(2.0)
loss = tf.reduce_mean(tf.square(w * x - 1.0))
tf.summary.scalar("loss", loss)
train_op = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
merged = tf.summary.merge_all()
writer = tf.summary.FileWriter("logs")
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for i in range(3):
        summary, _ = sess.run([merged, train_op], feed_dict={x: [1.0, 2.0]})
        writer.add_summary(summary, i)
"""
SUMMARY_CONVERTED = """
import tensorflow as tf

w = tf.Variable(2.0)
optimizer = tf.keras.optimizers.SGD(learning_rate=0.1)
writer = tf.summary.create_file_writer("logs")


@tf.function(input_signature=[tf.TensorSpec([None], tf.float32), tf.TensorSpec([], tf.int64)])
def train_step(x, step):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(w * x - 1.0))
    with writer.as_default():
        tf.summary.scalar("loss", loss, step=step)
    variables = [w]
    gradients = tape.gradient(loss, variables)
    optimizer.apply_gradients(zip(gradients, variables))


for i in range(3):
    train_step([1.0, 2.0], i)
"""


def test_fetched_summary_is_written_inside_the_step_at_the_add_summary_step():
    assert fix(SUMMARY_PROGRAM) == dd(SUMMARY_CONVERTED)


def test_converted_summary_program_is_left_alone():
    assert fix(SUMMARY_CONVERTED) == dd(SUMMARY_CONVERTED)


def test_merge_of_named_summaries_writes_those_only_and_keeps_the_other_fetches():
    before = """
        import tensorflow as tf
        x = tf.placeholder(tf.float32, [None])
        w = tf.Variable(2.0)
        y = w * x
        loss = tf.reduce_mean(tf.square(y - 1.0))
        loss_summary = tf.summary.scalar("loss", loss)
        tf.summary.histogram("outputs", y)
        train_op = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
        merged = tf.summary.merge([loss_summary])
        with tf.Session() as sess:
            writer = tf.summary.FileWriter("logs", sess.graph, flush_secs=5)
            sess.run(tf.global_variables_initializer())
            for i in range(3):
                _, value, summary = sess.run([train_op, loss, merged], feed_dict={x: [1.0]})
                writer.add_summary(summary, global_step=i * 10)
            writer.close()
        """
    after = """
        import tensorflow as tf
        w = tf.Variable(2.0)
        optimizer = tf.keras.optimizers.SGD(learning_rate=0.1)


        @tf.function(input_signature=[tf.TensorSpec([None], tf.float32), tf.TensorSpec([], tf.int64)])
        def train_step(x, step):
            with tf.GradientTape() as tape:
                y = w * x
                loss = tf.reduce_mean(tf.square(y - 1.0))
            with writer.as_default():
                tf.summary.scalar("loss", loss, step=step)
            variables = [w]
            gradients = tape.gradient(loss, variables)
            optimizer.apply_gradients(zip(gradients, variables))
            return loss


        writer = tf.summary.create_file_writer("logs", flush_millis=5000)
        for i in range(3):
            value = train_step([1.0], i * 10).numpy()
        writer.close()
        """
    assert fix(before) == dd(after)


@pytest.mark.parametrize(("construct", "line", "source"), [
    ("Session.run", 8, """
        import tensorflow as tf
        w = tf.Variable(2.0)
        tf.summary.scalar("w", w)
        merged = tf.summary.merge_all()
        with tf.Session() as sess:
            writer = tf.summary.FileWriter("logs")
            sess.run(tf.global_variables_initializer())
            writer.add_summary(sess.run(merged), 0)
        """),
    ("add_summary", 9, """
        import tensorflow as tf
        w = tf.Variable(2.0)
        tf.summary.scalar("w", w)
        merged = tf.summary.merge_all()
        writer = tf.summary.FileWriter("logs")
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            s, v = sess.run([merged, w])
            writer.add_summary(s)
        """),
    ("tf.summary.scalar", 3, """
        import tensorflow as tf
        w = tf.Variable(2.0)
        tf.summary.scalar("w", w, collections=["mine"])
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            print(sess.run(w))
        """),
    ("add_graph", 6, """
        import tensorflow as tf
        w = tf.Variable(2.0)
        writer = tf.summary.FileWriter("logs")
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            writer.add_graph(sess.graph)
            print(sess.run(w))
        """),
])
def test_unsupported_summary_forms_decline_at_their_line(construct, line, source):
    result = rewrite(dd(source))
    assert result.text is None
    assert [(d.construct, d.line) for d in result.declined][:1] == [(construct, line)]


# --- checkpoints -----------------------------------------------------------------------------
SAVER_PROGRAM = """
import tensorflow as tf

x = tf.placeholder(tf.float32, [None])
w = tf.Variable(2.0, name="w")
loss = tf.reduce_mean(tf.square(w * x - 1.0))
train_op = tf.train.MomentumOptimizer(0.1, 0.9).minimize(loss)
saver = tf.train.Saver()
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    sess.run(train_op, feed_dict={x: [1.0]})
    path = saver.save(sess, "./model.ckpt")
    sess.run(train_op, feed_dict={x: [1.0]})
    saver.restore(sess, path)
    print(sess.run(w))
"""
SAVER_CONVERTED = """
import tensorflow as tf

w = tf.Variable(2.0, name="w")
optimizer = tf.keras.optimizers.SGD(learning_rate=0.1, momentum=0.9)
checkpoint = tf.train.Checkpoint(w=w, optimizer=optimizer)


@tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
def train_step(x):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(w * x - 1.0))
    variables = [w]
    gradients = tape.gradient(loss, variables)
    optimizer.apply_gradients(zip(gradients, variables))


train_step([1.0])
path = checkpoint.write("./model.ckpt")
train_step([1.0])
checkpoint.read(path).assert_existing_objects_matched()
print(w.numpy())
"""


def test_saver_becomes_a_checkpoint_of_variables_and_optimizer_written_to_the_same_path():
    assert fix(SAVER_PROGRAM) == dd(SAVER_CONVERTED)


def test_converted_checkpoint_program_is_left_alone():
    assert fix(SAVER_CONVERTED) == dd(SAVER_CONVERTED)


def test_numbered_saves_use_a_checkpoint_manager_created_once_its_directory_exists():
    before = """
        import os
        import tensorflow as tf
        w = tf.Variable(2.0)
        loss = tf.square(w)
        train_op = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
        saver = tf.train.Saver({"weight": w}, max_to_keep=2)
        ckpt_dir = os.path.join(os.getcwd(), "ckpt")
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            for step in range(3):
                sess.run(train_op)
                saver.save(sess, os.path.join(ckpt_dir, "model"), global_step=step)
            saver.restore(sess, tf.train.latest_checkpoint(ckpt_dir))
        """
    after = """
        import os
        import tensorflow as tf
        w = tf.Variable(2.0)
        optimizer = tf.keras.optimizers.SGD(learning_rate=0.1)
        checkpoint = tf.train.Checkpoint(weight=w)
        ckpt_dir = os.path.join(os.getcwd(), "ckpt")
        manager = tf.train.CheckpointManager(checkpoint, ckpt_dir, max_to_keep=2, checkpoint_name="model")


        @tf.function
        def train_step():
            with tf.GradientTape() as tape:
                loss = tf.square(w)
            variables = [w]
            gradients = tape.gradient(loss, variables)
            optimizer.apply_gradients(zip(gradients, variables))


        for step in range(3):
            train_step()
            manager.save(checkpoint_number=step)
        checkpoint.restore(tf.train.latest_checkpoint(ckpt_dir)).assert_existing_objects_matched()
        """
    assert fix(before) == dd(after)


@pytest.mark.parametrize(("construct", "line", "source"), [
    ("restore", 5, """
        import tensorflow as tf
        w = tf.Variable(2.0)
        saver = tf.train.Saver()
        with tf.Session() as sess:
            saver.restore(sess, "pretrained.ckpt")
            print(sess.run(w))
        """),
    ("tf.train.Saver", 3, """
        import tensorflow as tf
        w = tf.Variable(2.0)
        saver = tf.train.Saver(keep_checkpoint_every_n_hours=1)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            saver.save(sess, "m.ckpt")
            print(sess.run(w))
        """),
    ("tf.train.latest_checkpoint", 7, """
        import tensorflow as tf
        w = tf.Variable(2.0)
        saver = tf.train.Saver()
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            saver.save(sess, "./m.ckpt")
            saver.restore(sess, tf.train.latest_checkpoint("."))
            print(sess.run(w))
        """),
    ("save", 6, """
        import tensorflow as tf
        w = tf.Variable(2.0)
        saver = tf.train.Saver()
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            saver.save(sess, make_path(), global_step=1)
            print(sess.run(w))
        """),
])
def test_unsupported_saver_forms_decline_at_their_line(construct, line, source):
    result = rewrite(dd(source))
    assert result.text is None
    assert [(d.construct, d.line) for d in result.declined][:1] == [(construct, line)]


# --- real runs -------------------------------------------------------------------------------
def run_side(side: str, script: Path, workdir: Path, init: Path | None = None) -> Path:
    """One side of a verification, in ``workdir``, so the files the program wrote can be read after."""
    out = workdir / "trace"
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(ROOT)}
    if side == "v1":
        env["TF_USE_LEGACY_KERAS"] = "1"
    else:
        env.pop("TF_USE_LEGACY_KERAS", None)
    cmd = [sys.executable, "-m", "tf2port.verify.runner", "--side", side, "--script", str(script),
           "--out", str(out)] + (["--init", str(init)] if init else [])
    proc = subprocess.run(cmd, cwd=workdir, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out


def summaries(logdir: Path) -> dict[str, list[tuple[int, np.ndarray]]]:
    """tag -> [(step, value)] as TensorBoard loads them (TF1 protos migrated to TF2 tensors)."""
    from tensorboard.backend.event_processing import plugin_event_accumulator
    from tensorboard.util import tensor_util

    accumulator = plugin_event_accumulator.EventAccumulator(str(logdir), size_guidance={"tensors": 0})
    accumulator.Reload()
    return {tag: [(event.step, tensor_util.make_ndarray(event.tensor_proto)) for event in accumulator.Tensors(tag)]
            for tag in accumulator.Tags()["tensors"]}


def histogram_outline(buckets: np.ndarray) -> tuple[float, float, float]:
    """(min, max, count) of a histogram: the two sides bucket the same values differently."""
    return float(buckets[0, 0]), float(buckets[-1, 1]), float(buckets[:, 2].sum())


@pytest.mark.tf
@pytest.mark.slow
def test_converted_summaries_land_in_event_files_with_the_original_tags_steps_and_values(tmp_path):
    from tf2port.verify.trace import Trace

    folder = PROGRAMS / "summaries_flags_logging"
    (tmp_path / "v1").mkdir()
    (tmp_path / "v2").mkdir()
    v1_trace = run_side("v1", folder / "original.py", tmp_path / "v1")
    run_side("v2", folder / "expected.py", tmp_path / "v2", init=v1_trace)
    original, converted = summaries(tmp_path / "v1" / "summaries"), summaries(tmp_path / "v2" / "summaries")
    # the graph (FileWriter(logdir, sess.graph)) is not written by the converted program
    assert sorted(original) == ["__run_graph__", "accuracy", "logits", "loss"]
    assert sorted(converted) == ["accuracy", "logits", "loss"]
    for tag in converted:
        assert [step for step, _ in original[tag]] == [step for step, _ in converted[tag]] == list(range(30))
        for (_, expected), (_, got) in zip(original[tag], converted[tag]):
            if tag == "logits":  # TF1 and TF2 bucket a histogram differently; its range and count agree
                np.testing.assert_allclose(histogram_outline(got), histogram_outline(expected), rtol=1e-5)
            else:
                np.testing.assert_allclose(got, expected, rtol=1e-5)
    # the original side records each training run minus its summary protobuf: the loss only
    assert [len(event.values) for event in Trace.load(v1_trace).events][:30] == [1] * 30


@pytest.mark.tf
@pytest.mark.slow
def test_a_summarised_variable_is_logged_as_the_forward_pass_used_it(tmp_path):
    """TF1 raced the variable's read against its update; the converted step logs the value before it."""
    folder = PROGRAMS / "tensorboard_summaries"
    (tmp_path / "v1").mkdir()
    (tmp_path / "v2").mkdir()
    v1_trace = run_side("v1", folder / "original.py", tmp_path / "v1")
    run_side("v2", folder / "expected.py", tmp_path / "v2", init=v1_trace)
    original, converted = summaries(tmp_path / "v1" / "logs"), summaries(tmp_path / "v2" / "logs")
    # TF1 tags a summary with its op's name, made unique in the graph: the variable named "weight"
    # turns the histogram's tag into "weight_1". TF2 keeps the name given.
    assert sorted(original) == ["__run_graph__", "cost", "weight_1"]
    assert sorted(converted) == ["cost", "weight"]
    costs = [value for _, value in converted["cost"]]
    np.testing.assert_allclose(costs, [value for _, value in original["cost"]], rtol=1e-5)
    weights = [histogram_outline(value) for _, value in converted["weight"]]
    assert [step for step, _ in converted["weight"]] == list(range(20))
    from tf2port.verify.trace import Trace

    initial = Trace.load(v1_trace).init_values[0].item()
    np.testing.assert_allclose(weights[0], (initial, initial, 1.0), rtol=1e-6)  # before the first update
    for k, (_, value) in enumerate(original["weight_1"][:-1]):
        before, after = weights[k], weights[k + 1]
        outline = histogram_outline(value)
        assert np.allclose(outline, before, rtol=1e-5) or np.allclose(outline, after, rtol=1e-5), (k, outline)


# --- flags, app and logging ------------------------------------------------------------------
def test_flags_logging_and_app_run_become_absl_with_an_explicit_flag_parse():
    before = """
        import tensorflow as tf
        tf.app.flags.DEFINE_float("rate", 0.1, "Step size.")
        FLAGS = tf.app.flags.FLAGS
        x = tf.placeholder(tf.float32, [None])
        w = tf.Variable(1.0)
        loss = tf.reduce_mean(tf.square(w * x))
        train_op = tf.train.GradientDescentOptimizer(FLAGS.rate).minimize(loss)


        def main(_):
            with tf.Session() as sess:
                sess.run(tf.global_variables_initializer())
                tf.logging.info("loss %f", sess.run(loss, feed_dict={x: [1.0]}))
        """
    # graph runs inside main() are another rewrite's (library code); here only the module level
    assert rewrite(dd(before)).text is None
    before = """
        import tensorflow as tf
        tf.app.flags.DEFINE_float("rate", 0.1, "Step size.")
        FLAGS = tf.app.flags.FLAGS
        x = tf.placeholder(tf.float32, [None])
        w = tf.Variable(1.0)
        loss = tf.reduce_mean(tf.square(w * x))
        train_op = tf.train.GradientDescentOptimizer(FLAGS.rate).minimize(loss)
        tf.logging.set_verbosity(tf.logging.INFO)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            _, value = sess.run([train_op, loss], feed_dict={x: [1.0]})
            tf.logging.info("loss %f", value)
        """
    after = """
        import sys
        import tensorflow as tf
        from absl import flags, logging
        flags.DEFINE_float("rate", 0.1, "Step size.")
        FLAGS = flags.FLAGS
        # absl parses flags when told to (tf.app.flags parsed them on first use)
        FLAGS(sys.argv)
        w = tf.Variable(1.0)
        optimizer = tf.keras.optimizers.SGD(learning_rate=FLAGS.rate)
        logging.set_verbosity(logging.INFO)


        @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
        def train_step(x):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(w * x))
            variables = [w]
            gradients = tape.gradient(loss, variables)
            optimizer.apply_gradients(zip(gradients, variables))
            return loss


        value = train_step([1.0]).numpy()
        logging.info("loss %f", value)
        """
    assert fix(before) == dd(after)
    assert fix(after) == dd(after)


def test_a_module_named_like_an_absl_module_keeps_its_name_and_absl_is_aliased():
    before = """
        import logging
        import tensorflow as tf
        w = tf.Variable(1.0)
        doubled = w * 2.0
        logging.basicConfig()
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            tf.logging.warning("doubled %s", sess.run(doubled))
        """
    after = fix(before)
    assert "from absl import logging as absl_logging\n" in after
    assert 'absl_logging.warning("doubled %s", compute_doubled().numpy())' in after
    assert "logging.basicConfig()" in after


def test_tf_logging_fatal_declines_because_absl_fatal_aborts():
    source = """
        import tensorflow as tf
        w = tf.Variable(1.0)
        doubled = w * 2.0
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            tf.logging.fatal("doubled %s", sess.run(doubled))
        """
    result = rewrite(dd(source))
    assert result.text is None
    assert [(d.construct, d.line) for d in result.declined] == [("tf.logging.fatal", 6)]


# --- the tutorial MNIST reader ---------------------------------------------------------------
def test_tutorial_reader_replacement_serves_the_same_batches_as_the_reader():
    """The generated split class against verify's copy of TF1's DataSet, across epoch boundaries."""
    from tf2port.fix.graph_to_eager_io import MNIST_SPLIT
    from tf2port.verify.standins import DataSet

    namespace: dict = {"np": np}
    exec(MNIST_SPLIT.format(cls="MnistSplit", np="np", labels="np.eye(10)[labels]"), namespace)
    rng = np.random.default_rng(3)
    images = rng.integers(0, 256, size=(23, 28, 28)).astype(np.uint8)
    labels = rng.integers(0, 10, size=23).astype(np.uint8)
    ours = namespace["MnistSplit"](images, labels)
    reader = DataSet(images, labels, one_hot=True, dtype="float32", reshape=True)
    np.random.seed(7)
    ours_batches = [ours.next_batch(5) for _ in range(12)]
    np.random.seed(7)
    reader_batches = [reader.next_batch(5) for _ in range(12)]
    for (x, y), (x_ref, y_ref) in zip(ours_batches, reader_batches):
        np.testing.assert_array_equal(x, x_ref)
        np.testing.assert_array_equal(y, y_ref)
    assert ours.epochs_completed == reader.epochs_completed == 2
    np.testing.assert_array_equal(ours.images, reader.images)


MNIST_HEAD = """
    import tensorflow as tf
    from tensorflow.examples.tutorials.mnist import input_data

    mnist = input_data.read_data_sets("MNIST_data/", one_hot=True)
    x = tf.placeholder(tf.float32, [None, 784])
    w = tf.Variable(tf.zeros([784, 10]))
    y = tf.matmul(x, w)
    sess = tf.Session()
    sess.run(tf.global_variables_initializer())
    print(sess.run(y, feed_dict={x: mnist.test.images}))
    """


@pytest.mark.parametrize(("extra", "line", "col"), [
    ('extra = input_data.read_data_sets("other/")', 11, 1),  # a second reader
    ("reader = input_data", 11, 10),  # the module itself passed around
])
def test_an_unsupported_use_of_the_tutorial_reader_is_declined_at_that_use(extra, line, col):
    outcome = fix_text(dd(MNIST_HEAD) + extra + "\n", "t.py", ALL)
    found = [(d.span.line, d.span.col) for d in outcome.remaining if "tutorial MNIST reader" in d.message]
    assert found == [(line, col)]
    assert "tf.compat.v1.Session()" in outcome.text


def test_reader_imports_go_after_the_docstring_and_future_imports():
    """`from __future__` must stay first (after the docstring) or the module does not compile."""
    from tf2port.fix.graph_to_eager_io import MNIST_SPLIT

    before = """
        \"\"\"Softmax on MNIST.\"\"\"
        from __future__ import print_function
        import tensorflow as tf
        from tensorflow.examples.tutorials.mnist import input_data

        mnist = input_data.read_data_sets("/tmp/data/", one_hot=True)
        x = tf.placeholder(tf.float32, [None, 784])
        w = tf.Variable(tf.zeros([784, 10]))
        y = tf.matmul(x, w)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            print(sess.run(y, feed_dict={x: mnist.test.images[:2]}))
        """
    head = """
        \"\"\"Softmax on MNIST.\"\"\"
        from __future__ import print_function
        import types
        import numpy as np
        import tensorflow as tf


        """
    tail = """


        (train_images, train_labels), (test_images, test_labels) = tf.keras.datasets.mnist.load_data()
        mnist = types.SimpleNamespace(
            train=MnistSplit(train_images[5000:], train_labels[5000:]),
            validation=MnistSplit(train_images[:5000], train_labels[:5000]),
            test=MnistSplit(test_images, test_labels),
        )
        w = tf.Variable(tf.zeros([784, 10]))


        @tf.function(input_signature=[tf.TensorSpec([None, 784], tf.float32)])
        def compute_y(x):
            y = tf.matmul(x, w)
            return y


        print(compute_y(mnist.test.images[:2]).numpy())
        """
    split = MNIST_SPLIT.format(cls="MnistSplit", np="np", labels="np.eye(10)[labels]")
    assert rewrite(dd(before)).text == dd(head) + split.strip("\n") + textwrap.dedent(tail)


def test_flag_parsing_import_goes_after_the_docstring_and_future_imports():
    before = """
        \"\"\"Prints a constant.\"\"\"
        from __future__ import absolute_import
        import tensorflow as tf

        flags = tf.app.flags
        flags.DEFINE_integer("steps", 3, "number of steps")
        FLAGS = flags.FLAGS

        x = tf.constant(2.0)
        with tf.Session() as sess:
            for _ in range(FLAGS.steps):
                print(sess.run(x))
        """
    after = """
        \"\"\"Prints a constant.\"\"\"
        from __future__ import absolute_import
        import sys
        import tensorflow as tf
        from absl import flags

        flags.DEFINE_integer("steps", 3, "number of steps")
        FLAGS = flags.FLAGS
        # absl parses flags when told to (tf.app.flags parsed them on first use)
        FLAGS(sys.argv)


        @tf.function
        def compute_x():
            x = tf.constant(2.0)
            return x


        for _ in range(FLAGS.steps):
            print(compute_x().numpy())
        """
    assert fix(before) == dd(after)


def test_tutorial_reader_import_is_gone_from_the_converted_program():
    converted = (PROGRAMS / "mnist_softmax" / "expected.py").read_text()
    assert "tensorflow.examples" not in converted and "input_data" not in converted
    assert "tf.keras.datasets.mnist.load_data()" in converted


@pytest.mark.parametrize(("construct", "line", "source"), [
    ("tf.train.Saver", 5, """
        import tensorflow as tf
        w = tf.Variable(2.0)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            saver = tf.train.Saver()
            saver.save(sess, "m.ckpt")
        """),
    ("tf.summary.scalar", 5, """
        import tensorflow as tf
        w = tf.Variable(2.0)
        loss = tf.square(w)
        for name in ["a", "b"]:
            tf.summary.scalar(name, loss)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            print(sess.run(loss))
        """),
])
def test_savers_and_summaries_outside_module_level_statements_decline(construct, line, source):
    result = rewrite(dd(source))
    assert result.text is None
    assert (construct, line) in [(d.construct, d.line) for d in result.declined]


@pytest.mark.tf
@pytest.mark.slow
def test_converted_checkpoints_have_the_original_paths_and_saved_values(tmp_path):
    """Numbered saves land at the same `model.ckpt-N` prefixes, the oldest pruned, with the same weights."""
    import tensorflow as tf

    folder = PROGRAMS / "saver_checkpoint"
    (tmp_path / "v1").mkdir()
    (tmp_path / "v2").mkdir()
    v1_trace = run_side("v1", folder / "original.py", tmp_path / "v1")
    run_side("v2", folder / "expected.py", tmp_path / "v2", init=v1_trace)
    original, converted = tmp_path / "v1" / "checkpoints", tmp_path / "v2" / "checkpoints"

    def prefixes(directory: Path) -> list[str]:
        return sorted({p.name.split(".data")[0].removesuffix(".index") for p in directory.iterdir()
                       if p.name.endswith(".index")})

    assert prefixes(original) == prefixes(converted) == ["model.ckpt-20", "model.ckpt-30"]  # max_to_keep=2
    assert Path(tf.train.latest_checkpoint(str(converted))).name == "model.ckpt-30"
    for step in (20, 30):
        saved_v1 = tf.train.load_variable(str(original / f"model.ckpt-{step}"), "W_out")
        saved_v2 = tf.train.load_variable(str(converted / f"model.ckpt-{step}"), "W_out/.ATTRIBUTES/VARIABLE_VALUE")
        np.testing.assert_allclose(saved_v2, saved_v1, rtol=1e-5, atol=1e-6)
    keys = {name for name, _ in tf.train.list_variables(str(converted / "model.ckpt-30"))}
    assert any(key.startswith("optimizer/") for key in keys)  # the momentum slots were saved, as TF1's were
    assert any(key.startswith("hidden_layer/") for key in keys)


def test_flags_read_only_inside_functions_are_parsed_after_their_definitions_without_app_run():
    before = """
        import tensorflow as tf
        tf.flags.DEFINE_integer("repeat", 2, "Repeats.")
        FLAGS = tf.flags.FLAGS


        def show(value):
            for _ in range(FLAGS.repeat):
                print(value)


        w = tf.Variable(3.0)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            show(sess.run(w))
        """
    after = """
        import sys
        import tensorflow as tf
        from absl import flags
        flags.DEFINE_integer("repeat", 2, "Repeats.")
        FLAGS = flags.FLAGS
        # absl parses flags when told to (tf.app.flags parsed them on first use)
        FLAGS(sys.argv)


        def show(value):
            for _ in range(FLAGS.repeat):
                print(value)


        w = tf.Variable(3.0)
        show(w.numpy())
        """
    assert fix(before) == dd(after)


def test_train_and_test_runs_write_the_same_merged_summary_to_their_own_writers():
    before = """
        import tensorflow as tf
        x = tf.placeholder(tf.float32, [None])
        w = tf.Variable(2.0)
        loss = tf.reduce_mean(tf.square(w * x - 1.0))
        tf.summary.scalar("loss", loss)
        train_op = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
        merged = tf.summary.merge_all()
        train_writer = tf.summary.FileWriter("logs/train")
        test_writer = tf.summary.FileWriter("logs/test")
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            for i in range(4):
                summary, _ = sess.run([merged, train_op], feed_dict={x: [1.0, 2.0]})
                train_writer.add_summary(summary, i)
                summary, value = sess.run([merged, loss], feed_dict={x: [3.0]})
                test_writer.add_summary(summary, i)
        """
    after = """
        import tensorflow as tf
        w = tf.Variable(2.0)
        optimizer = tf.keras.optimizers.SGD(learning_rate=0.1)
        train_writer = tf.summary.create_file_writer("logs/train")
        test_writer = tf.summary.create_file_writer("logs/test")


        @tf.function(input_signature=[tf.TensorSpec([None], tf.float32), tf.TensorSpec([], tf.int64)])
        def train_step(x, step):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(w * x - 1.0))
            with train_writer.as_default():
                tf.summary.scalar("loss", loss, step=step)
            variables = [w]
            gradients = tape.gradient(loss, variables)
            optimizer.apply_gradients(zip(gradients, variables))


        @tf.function(input_signature=[tf.TensorSpec([None], tf.float32), tf.TensorSpec([], tf.int64)])
        def compute_loss(x, step):
            loss = tf.reduce_mean(tf.square(w * x - 1.0))
            with test_writer.as_default():
                tf.summary.scalar("loss", loss, step=step)
            return loss


        for i in range(4):
            train_step([1.0, 2.0], i)
            value = compute_loss([3.0], i).numpy()
        """
    assert fix(before) == dd(after)


def test_a_run_that_fetches_only_the_summary_becomes_a_function_that_writes_it():
    before = """
        import tensorflow as tf
        x = tf.placeholder(tf.float32, [None])
        w = tf.Variable(2.0)
        loss = tf.reduce_mean(tf.square(w * x - 1.0))
        tf.summary.scalar("loss", loss)
        train_op = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
        merged = tf.summary.merge_all()
        writer = tf.summary.FileWriter("logs")
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            for i in range(4):
                sess.run(train_op, feed_dict={x: [1.0, 2.0]})
                summary = sess.run(merged, feed_dict={x: [3.0]})
                writer.add_summary(summary, i)
        """
    after = """
        import tensorflow as tf
        w = tf.Variable(2.0)
        optimizer = tf.keras.optimizers.SGD(learning_rate=0.1)
        writer = tf.summary.create_file_writer("logs")


        @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
        def train_step(x):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(w * x - 1.0))
            variables = [w]
            gradients = tape.gradient(loss, variables)
            optimizer.apply_gradients(zip(gradients, variables))


        @tf.function(input_signature=[tf.TensorSpec([None], tf.float32), tf.TensorSpec([], tf.int64)])
        def write_summaries(x, step):
            loss = tf.reduce_mean(tf.square(w * x - 1.0))
            with writer.as_default():
                tf.summary.scalar("loss", loss, step=step)


        for i in range(4):
            train_step([1.0, 2.0])
            write_summaries([3.0], i)
        """
    assert fix(before) == dd(after)
