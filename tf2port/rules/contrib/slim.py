from __future__ import annotations

import ast

from tf2port.analysis.names import ModuleInfo, Reference
from tf2port.diagnostics import FixClass
from tf2port.fix.api_names import Plan
from tf2port.rules.base import Example, Rule
from tf2port.rules.contrib.imports import imported_paths, under


class Slim(Rule):
    """A model built with slim (`tf.contrib.slim` or the `tf_slim` package).

    ## What it does
    Finds imports of `tensorflow.contrib.slim` and `tf_slim`, and every use of a slim API
    (`slim.conv2d`, `slim.arg_scope`, `slim.losses`, …) through them.

    ## Why is this bad?
    `tf.contrib.slim` was removed with `tf.contrib` in TensorFlow 2.0. Its copy in the
    `tf_slim` package still imports, but it builds TF1 graphs: variables through
    `tf.compat.v1.get_variable` and variable scopes, regularisers and update ops in graph
    collections, training through `slim.learning` and sessions. It does not work under TF2
    eager execution and receives no new features.

    ## Example
    ```python
    import tensorflow.contrib.slim as slim
    net = slim.conv2d(images, 32, [3, 3], scope="conv1")
    net = slim.fully_connected(slim.flatten(net), 10, activation_fn=None)
    ```

    ## Use instead
    ```python
    model = tf.keras.Sequential([
        tf.keras.layers.Conv2D(32, 3, padding="same", activation="relu"),
        tf.keras.layers.Flatten(),
        tf.keras.layers.Dense(10),
    ])
    logits = model(images)
    ```

    ## Fix safety
    No automatic fix. Keras layers create their variables differently (names, initializers,
    `arg_scope` defaults), so a slim model is rebuilt by hand and checked with `tf2port verify`.
    """

    CODE = "TF302"
    NAME = "slim"
    FIX = FixClass.NONE
    MESSAGE = "`{name}` is slim, which builds TF1 graphs; rebuild the model with `tf.keras.layers`"
    names = frozenset({"tf.contrib.slim"})
    prefixes = ("tf.contrib.slim.",)
    imports = ("tensorflow.contrib", "tf_slim")
    VALID = (
        "import tensorflow as tf\nlayer = tf.keras.layers.Conv2D(32, 3)\n",
        # a local module named slim is not tf-slim
        "import tensorflow as tf\nimport slim\nnet = slim.conv2d(x, 32, [3, 3])\n",
    )
    INVALID = (
        Example(
            """
            import tensorflow as tf
            net = tf.contrib.slim.conv2d(images, 32, [3, 3])
            """
        ),
        Example(
            """
            import tf_slim as slim
            net = slim.fully_connected(x, 10)
            """
        ),
        Example(
            """
            from tensorflow.contrib import slim
            """
        ),
    )

    def check_reference(self, ref: Reference, info: ModuleInfo, plan: Plan) -> str | None:
        return self.MESSAGE.format(name=ref.name)

    def check_import(self, node: ast.stmt, module_path: str, info: ModuleInfo) -> str | None:
        for path in imported_paths(node):
            if under(path, "tensorflow.contrib.slim") or under(path, "tf_slim"):
                return self.MESSAGE.format(name=path)
        return None
