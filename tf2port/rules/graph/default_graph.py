from __future__ import annotations

from tf2port.analysis.names import ModuleInfo, Reference
from tf2port.diagnostics import FixClass
from tf2port.fix.api_names import Plan
from tf2port.rules.base import Example, Rule


class DefaultGraph(Rule):
    """Code that builds, fetches, resets or imports a TF1 graph explicitly.

    ## What it does
    Finds `tf.get_default_graph`, `tf.Graph`, `tf.reset_default_graph`, `tf.import_graph_def`
    and `tf.GraphDef`.

    ## Why is this bad?
    A TF1 program builds its ops into a global default graph and runs pieces of it later.
    TensorFlow 2 executes eagerly: there is no default graph to add ops to, look ops up in,
    or reset between experiments. Graphs still exist, but each one belongs to a
    `tf.function` that traces it, and frozen `GraphDef` files are replaced by SavedModels.

    ## Example
    ```python
    tf.reset_default_graph()
    x = tf.constant(2.0)
    y = tf.get_default_graph().get_tensor_by_name("y:0")
    ```

    ## Use instead
    ```python
    @tf.function
    def compute(x):
        return x * 2.0

    y = compute(tf.constant(2.0))
    concrete = compute.get_concrete_function(tf.TensorSpec([], tf.float32))  # its graph
    ```

    ## Fix safety
    Safe fallback: TF1-only names are spelled `tf.compat.v1.<name>` (the identical object).
    `tf.Graph` and `tf.import_graph_def` keep their names, which TF2 still exports. The
    finding stays until the code stops relying on a global graph.
    """

    CODE = "TF205"
    NAME = "default-graph"
    FIX = FixClass.SAFE
    MESSAGE = "`{name}` works on a TF1 graph; TF2 runs eagerly and each graph belongs to a `tf.function`"
    names = frozenset({
        "tf.get_default_graph", "tf.Graph", "tf.reset_default_graph", "tf.import_graph_def", "tf.GraphDef",
    })
    VALID = (
        "import tensorflow as tf\n@tf.function\ndef f(x):\n    return x * 2.0\n",
        # `graph` attributes of other objects are not the default graph
        "import tensorflow as tf\ng = f.get_concrete_function().graph\n",
    )
    INVALID = (
        Example(
            """
            import tensorflow as tf
            tf.reset_default_graph()
            graph = tf.get_default_graph()
            """,
            """
            import tensorflow as tf
            tf.compat.v1.reset_default_graph()
            graph = tf.compat.v1.get_default_graph()
            """,
        ),
        Example(
            """
            import tensorflow as tf
            with tf.Graph().as_default():
                pass
            """
        ),
    )

    def check_reference(self, ref: Reference, info: ModuleInfo, plan: Plan) -> str | None:
        return self.MESSAGE.format(name=ref.name)
