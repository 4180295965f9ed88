from __future__ import annotations

from tf2port.analysis.names import ModuleInfo, Reference
from tf2port.diagnostics import FixClass
from tf2port.fix.api_names import Plan
from tf2port.rules.base import Example, Rule
from tf2port.rules.graph.evidence import is_tf1_module, spelled_v1

# TF1-only summary API: always TF1, whatever the module.
GRAPH_SUMMARY = frozenset({
    "tf.summary.FileWriter", "tf.summary.FileWriterCache", "tf.summary.merge_all", "tf.summary.merge",
    "tf.summary.tensor_summary",
})
# Summary ops whose name TF2 reuses for a *different* function (it writes to the default writer
# at a step instead of returning a serialized Summary tensor).
SUMMARY_OPS = frozenset({
    "tf.summary.scalar", "tf.summary.histogram", "tf.summary.image", "tf.summary.audio", "tf.summary.text",
})
TF1_ONLY_KEYWORDS = frozenset({"collections", "family", "tensor", "values"})
TF2_ONLY_KEYWORDS = frozenset({"step", "description", "data", "buckets"})


class V1Summary(Rule):
    """TF1 summaries: `tf.summary.FileWriter`, `merge_all`, and summary ops that return tensors.

    ## What it does
    Finds `tf.summary.FileWriter`, `FileWriterCache`, `merge_all`, `merge` and
    `tensor_summary`, and the summary ops `tf.summary.scalar`, `histogram`, `image`, `audio`,
    `text` where they are the TF1 ops.

    TF2 reuses those five op names for different functions (the generated API table records
    them as *different objects*): `tf.summary.scalar(name, data, step=...)` writes to the
    default writer. A call is therefore judged TF1 only when it says so: it passes a TF1-only
    argument (`collections=`, `family=`, `tensor=`, `values=`), is spelled
    `tf.compat.v1.summary.*`, or the module is TF1 code (see `TF103`). A call that passes
    `step=`, `description=`, `data=` or `buckets=` is TF2 and never reported.

    ## Why is this bad?
    TF1 summary ops return serialized `Summary` tensors that a session evaluates and a
    `FileWriter` writes with `add_summary(summary, step)`. TensorFlow 2 writes summaries
    eagerly: `tf.summary.create_file_writer` makes a writer and the ops record a value at a step
    inside `with writer.as_default():`. The TF1 functions are kept only in
    `tf.compat.v1.summary` and need graph mode.

    ## Example
    ```python
    tf.summary.scalar("loss", loss)
    merged = tf.summary.merge_all()
    writer = tf.summary.FileWriter("logs", sess.graph)
    writer.add_summary(sess.run(merged), step)
    ```

    ## Use instead
    ```python
    writer = tf.summary.create_file_writer("logs")
    with writer.as_default():
        tf.summary.scalar("loss", loss, step=step)
    ```

    ## Fix safety
    Safe fallback: the names are spelled `tf.compat.v1.summary.<name>`, the identical TF1
    objects (never the TF2 functions of the same name). The finding stays until summaries are
    written with a TF2 writer.
    """

    CODE = "TF504"
    NAME = "v1-summary"
    FIX = FixClass.SAFE
    MESSAGE = "`{name}` is a TF1 summary; in TF2 write with `tf.summary.create_file_writer` and ops at a `step`"
    names = GRAPH_SUMMARY | SUMMARY_OPS
    VALID = (
        "import tensorflow as tf\nwriter = tf.summary.create_file_writer('logs')\n"
        "with writer.as_default():\n    tf.summary.scalar('loss', loss, step=step)\n",
        # no step and no TF1 evidence: may be TF2 code using tf.summary.experimental.set_step
        "import tensorflow as tf\ntf.summary.histogram('weights', w)\n",
    )
    INVALID = (
        Example(
            """
            import tensorflow as tf
            merged = tf.summary.merge_all()
            writer = tf.summary.FileWriter("logs")
            """,
            """
            import tensorflow as tf
            tf.compat.v1.disable_eager_execution()
            merged = tf.compat.v1.summary.merge_all()
            writer = tf.compat.v1.summary.FileWriter("logs")
            """,
        ),
        Example(
            """
            import tensorflow as tf
            x = tf.placeholder(tf.float32)
            tf.summary.scalar("x", x)
            """,
            """
            import tensorflow as tf
            tf.compat.v1.disable_eager_execution()
            x = tf.compat.v1.placeholder(tf.float32)
            tf.compat.v1.summary.scalar("x", x)
            """,
        ),
        # `collections=` exists only in the TF1 op: reported and fixed in any module
        Example(
            """
            import tensorflow as tf
            tf.summary.histogram("weights", w, collections=["train"])
            """,
            """
            import tensorflow as tf
            tf.compat.v1.summary.histogram("weights", w, collections=["train"])
            """,
        ),
    )

    def check_reference(self, ref: Reference, info: ModuleInfo, plan: Plan) -> str | None:
        if ref.name in SUMMARY_OPS and not _is_tf1_op(ref, info):
            return None
        return self.MESSAGE.format(name=ref.name)


def _is_tf1_op(ref: Reference, info: ModuleInfo) -> bool:
    if spelled_v1(ref):
        return True
    if ref.call is not None:
        keywords = {kw.arg for kw in ref.call.keywords}
        if keywords & TF2_ONLY_KEYWORDS:
            return False
        if keywords & TF1_ONLY_KEYWORDS:
            return True
    return is_tf1_module(info)
