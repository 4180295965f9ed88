from __future__ import annotations

from tf2port.analysis.names import ModuleInfo, Reference
from tf2port.diagnostics import FixClass
from tf2port.fix.api_names import Plan
from tf2port.rules.base import Example, Rule
from tf2port.rules.graph.evidence import references_any

QUEUE_INPUT = frozenset({
    # runners
    "tf.train.start_queue_runners", "tf.train.QueueRunner", "tf.train.add_queue_runner",
    "tf.train.queue_runner", "tf.train.LooperThread",
    # producers
    "tf.train.string_input_producer", "tf.train.slice_input_producer", "tf.train.input_producer",
    "tf.train.range_input_producer", "tf.train.limit_epochs",
    # batching through queues
    "tf.train.batch", "tf.train.shuffle_batch", "tf.train.batch_join", "tf.train.shuffle_batch_join",
    "tf.train.maybe_batch", "tf.train.maybe_shuffle_batch", "tf.train.maybe_batch_join",
    "tf.train.maybe_shuffle_batch_join",
    # queues under their TF1 names
    "tf.FIFOQueue", "tf.RandomShuffleQueue", "tf.PaddingFIFOQueue", "tf.PriorityQueue", "tf.QueueBase",
    "tf.io.PaddingFIFOQueue", "tf.io.PriorityQueue", "tf.io.RandomShuffleQueue",
    # readers
    "tf.ReaderBase", "tf.WholeFileReader", "tf.TFRecordReader", "tf.TextLineReader",
    "tf.FixedLengthRecordReader", "tf.IdentityReader", "tf.LMDBReader",
})
# Still a TF2 API for coordinating Python threads: reported only next to queue-runner code.
COORDINATOR = "tf.train.Coordinator"


class QueueRunner(Rule):
    """A queue-based input pipeline: queue runners, input producers, readers, `tf.train.batch`.

    ## What it does
    Finds the TF1 queue input pipeline: `tf.train.start_queue_runners`, `QueueRunner`,
    `string_input_producer`, `slice_input_producer` and the other producers,
    `tf.train.batch` / `shuffle_batch` and their `_join` / `maybe_` forms, the queues under
    their TF1 names (`tf.FIFOQueue`, `tf.RandomShuffleQueue`, …) and the readers
    (`tf.TFRecordReader`, `tf.WholeFileReader`, `tf.TextLineReader`, …).
    `tf.train.Coordinator`, which TF2 keeps for Python threads, is reported only in modules
    that also use queue-runner code.

    ## Why is this bad?
    Queue runners are Python threads that fill graph queues while a session runs; they need
    graph mode, a `Coordinator`, and careful shutdown, and they fail silently when a thread
    dies. TensorFlow 2 reads input with `tf.data`: a dataset is iterated directly, shuffled and
    batched by its own methods, and prefetched in the background without threads to manage.

    ## Example
    ```python
    files = tf.train.string_input_producer(["a.tfrecord", "b.tfrecord"])
    _, record = tf.TFRecordReader().read(files)
    batch = tf.train.shuffle_batch([record], batch_size=32, capacity=1000, min_after_dequeue=100)
    coord = tf.train.Coordinator()
    threads = tf.train.start_queue_runners(sess, coord=coord)
    ```

    ## Use instead
    ```python
    dataset = (tf.data.TFRecordDataset(["a.tfrecord", "b.tfrecord"])
               .shuffle(1000).batch(32).prefetch(tf.data.AUTOTUNE))
    for batch in dataset:
        ...
    ```

    ## Fix safety
    Safe fallback: TF1-only names are spelled `tf.compat.v1.<name>` and the queues their TF2
    names (`tf.FIFOQueue` → `tf.queue.FIFOQueue`), identical objects. The finding stays until
    the pipeline is rewritten with `tf.data`.
    """

    CODE = "TF601"
    NAME = "queue-runner"
    FIX = FixClass.SAFE
    MESSAGE = "`{name}` belongs to a TF1 queue-runner input pipeline; in TF2 read input with `tf.data`"
    names = QUEUE_INPUT | {COORDINATOR}
    prefixes = ("tf.train.queue_runner.",)
    VALID = (
        "import tensorflow as tf\ndataset = tf.data.TFRecordDataset(files).shuffle(1000).batch(32)\n",
        # a Coordinator managing plain Python threads
        "import tensorflow as tf\ncoord = tf.train.Coordinator()\ncoord.join(threads)\n",
    )
    INVALID = (
        Example(
            """
            import tensorflow as tf
            files = tf.train.string_input_producer(filenames)
            coord = tf.train.Coordinator()
            """,
            """
            import tensorflow as tf
            files = tf.compat.v1.train.string_input_producer(filenames)
            coord = tf.train.Coordinator()
            """,
        ),
        Example(
            """
            import tensorflow as tf
            queue = tf.FIFOQueue(100, tf.float32)
            """,
            """
            import tensorflow as tf
            queue = tf.queue.FIFOQueue(100, tf.float32)
            """,
        ),
    )

    def check_reference(self, ref: Reference, info: ModuleInfo, plan: Plan) -> str | None:
        if ref.name == COORDINATOR and not references_any(info, _queue_input):
            return None
        return self.MESSAGE.format(name=ref.name)


def _queue_input(name: str) -> bool:
    return name in QUEUE_INPUT or name.startswith("tf.train.queue_runner.")
