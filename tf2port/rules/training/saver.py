from __future__ import annotations

from tf2port.analysis.names import ModuleInfo, Reference
from tf2port.diagnostics import FixClass
from tf2port.fix.api_names import Plan
from tf2port.rules.base import Example, Rule


class Saver(Rule):
    """Name-based checkpoints and meta graphs: `tf.train.Saver`, `import_meta_graph`, `export_meta_graph`.

    ## What it does
    Finds `tf.train.Saver`, `tf.train.import_meta_graph` and `tf.train.export_meta_graph`.

    ## Why is this bad?
    `Saver` writes every graph variable under its graph name and needs a session to save or
    restore; meta graphs serialise the whole TF1 graph. TensorFlow 2 checkpoints are
    object-based (`tf.train.Checkpoint` records which object owns which variable) and models
    are exported as SavedModels. `tf.compat.v1.train.Saver` raises under eager execution
    unless given an explicit `var_list`, and its checkpoint keys are variable names, not
    object paths, so a TF2 `Checkpoint` cannot read them without a name mapping.

    ## Example
    ```python
    saver = tf.train.Saver()
    saver.save(sess, "model.ckpt")
    ```

    ## Use instead
    ```python
    checkpoint = tf.train.Checkpoint(model=model, optimizer=optimizer)
    checkpoint.save("ckpt/model")
    ```

    ## Fix safety
    Safe fallback: the names are spelled `tf.compat.v1.train.<name>`, the identical objects. The
    finding stays until checkpoints are object-based.
    """

    CODE = "TF503"
    NAME = "saver"
    FIX = FixClass.SAFE
    MESSAGE = "`{name}` saves a TF1 graph by variable names; in TF2 use `tf.train.Checkpoint` or a SavedModel"
    names = frozenset({"tf.train.Saver", "tf.train.import_meta_graph", "tf.train.export_meta_graph"})
    VALID = (
        "import tensorflow as tf\ncheckpoint = tf.train.Checkpoint(model=model)\ncheckpoint.save('ckpt/model')\n",
        "import tensorflow as tf\ntf.saved_model.save(model, 'export')\n",
    )
    INVALID = (
        Example(
            """
            import tensorflow as tf
            saver = tf.train.Saver(max_to_keep=3)
            """,
            """
            import tensorflow as tf
            tf.compat.v1.disable_eager_execution()
            saver = tf.compat.v1.train.Saver(max_to_keep=3)
            """,
        ),
        Example(
            """
            import tensorflow.compat.v1 as tf
            restorer = tf.train.import_meta_graph("model.ckpt.meta")
            """,
            """
            import tensorflow as tf
            restorer = tf.compat.v1.train.import_meta_graph("model.ckpt.meta")
            """,
        ),
    )

    def check_reference(self, ref: Reference, info: ModuleInfo, plan: Plan) -> str | None:
        return self.MESSAGE.format(name=ref.name)
