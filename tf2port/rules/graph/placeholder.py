from __future__ import annotations

from tf2port.diagnostics import FixClass
from tf2port.rules.base import Example, Rule


class Placeholder(Rule):
    """A graph-mode placeholder (`tf.placeholder` and its variants).

    ## What it does
    Finds `tf.placeholder`, `tf.placeholder_with_default` and `tf.sparse_placeholder`.

    ## Why is this bad?
    Placeholders exist only in graph mode. Under TensorFlow 2's default eager execution,
    `tf.compat.v1.placeholder` raises `RuntimeError: tf.placeholder() is not compatible with
    eager execution`. In TF2 a placeholder is simply a function parameter.

    ## Example
    ```python
    x = tf.placeholder(tf.float32, [None, 3])
    y = tf.matmul(x, w)
    ```

    ## Use instead
    ```python
    @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32)])
    def predict(x):
        return tf.matmul(x, w)
    ```

    ## Fix safety
    Safe fallback: the name is spelled `tf.compat.v1.placeholder` and
    `tf.compat.v1.disable_eager_execution()` is added after the TensorFlow import, so the
    program runs on TF2 in graph mode. The finding stays until the graph is rewritten into
    functions.
    """

    CODE = "TF202"
    NAME = "placeholder"
    FIX = FixClass.SAFE
    MESSAGE = "`{name}` is graph-mode only; in TF2 inputs are function arguments"
    names = frozenset({"tf.placeholder", "tf.placeholder_with_default", "tf.sparse_placeholder",
                       "tf.sparse.placeholder"})
    VALID = ("import tensorflow as tf\n@tf.function\ndef f(x):\n    return x * 2\n",)
    INVALID = (
        Example(
            """
            import tensorflow as tf
            x = tf.placeholder(tf.float32, [None, 3])
            """,
            """
            import tensorflow as tf
            tf.compat.v1.disable_eager_execution()
            x = tf.compat.v1.placeholder(tf.float32, [None, 3])
            """,
        ),
    )
