from __future__ import annotations

from tf2port.analysis.names import ModuleInfo, Reference
from tf2port.diagnostics import FixClass
from tf2port.fix.api_names import Plan
from tf2port.rules.base import Example, Rule


class GraphCollection(Rule):
    """Graph collections: `tf.get_collection`, `tf.add_to_collection`, `tf.GraphKeys`, `tf.trainable_variables`.

    ## What it does
    Finds reads and writes of the global graph's collections: `tf.get_collection`,
    `tf.get_collection_ref`, `tf.add_to_collection(s)`, `tf.GraphKeys.*`, and the functions
    that read a collection under another name (`tf.trainable_variables`,
    `tf.global_variables`, `tf.local_variables`, `tf.model_variables`,
    `tf.moving_average_variables`, `tf.all_variables`).

    ## Why is this bad?
    Collections are lists stored on the TF1 default graph: which variables are trainable,
    which ops update batch-norm statistics, which losses are regularisers. TensorFlow 2 has no
    default graph, so the lists are empty under eager execution. The same information lives
    on the objects: `model.trainable_variables`, `model.losses`, `layer.updates`.

    ## Example
    ```python
    params = tf.trainable_variables()
    reg = tf.add_n(tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES))
    ```

    ## Use instead
    ```python
    params = model.trainable_variables
    reg = tf.add_n(model.losses)
    ```

    ## Fix safety
    Safe fallback: the name is spelled `tf.compat.v1.<name>`, the identical object; the
    program keeps reading the graph's collections, which is only meaningful in graph mode.
    The finding stays until the code reads the objects instead.
    """

    CODE = "TF208"
    NAME = "graph-collection"
    FIX = FixClass.SAFE
    MESSAGE = ("`{name}` reads or writes a TF1 graph collection; in TF2 ask the model or layer "
               "(`model.trainable_variables`, `model.losses`)")
    names = frozenset({
        "tf.get_collection", "tf.get_collection_ref", "tf.add_to_collection", "tf.add_to_collections",
        "tf.GraphKeys", "tf.trainable_variables", "tf.global_variables", "tf.local_variables",
        "tf.model_variables", "tf.moving_average_variables", "tf.all_variables",
    })
    prefixes = ("tf.GraphKeys.",)
    VALID = (
        "import tensorflow as tf\nparams = model.trainable_variables\n",
        "import tensorflow as tf\nreg = tf.add_n(model.losses)\n",
    )
    INVALID = (
        Example(
            """
            import tensorflow as tf
            params = tf.trainable_variables()
            updates = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
            """,
            """
            import tensorflow as tf
            params = tf.compat.v1.trainable_variables()
            updates = tf.compat.v1.get_collection(tf.compat.v1.GraphKeys.UPDATE_OPS)
            """,
        ),
    )

    def check_reference(self, ref: Reference, info: ModuleInfo, plan: Plan) -> str | None:
        return self.MESSAGE.format(name=ref.name)
