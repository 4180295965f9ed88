from __future__ import annotations

from tf2port.diagnostics import FixClass
from tf2port.rules.base import Example, Rule


class Session(Rule):
    """A `tf.Session` or `tf.InteractiveSession`.

    ## What it does
    Finds sessions: `tf.Session()`, `tf.InteractiveSession()`, and `with tf.Session() as sess:`.

    ## Why is this bad?
    TensorFlow 2 executes eagerly; there is no session. `tf.compat.v1.Session` runs only with
    eager execution disabled, and the graph it runs is TF1 code kept alive, not migrated.

    ## Example
    ```python
    with tf.Session() as sess:
        print(sess.run(y, feed_dict={x: data}))
    ```

    ## Use instead
    ```python
    print(predict(data).numpy())
    ```

    ## Fix safety
    Safe fallback: spelled `tf.compat.v1.Session`, with `tf.compat.v1.disable_eager_execution()`
    added after the TensorFlow import. The finding stays until the program is rewritten to
    eager functions.
    """

    CODE = "TF201"
    NAME = "session"
    FIX = FixClass.SAFE
    MESSAGE = "`{name}`: TensorFlow 2 runs eagerly and has no sessions"
    names = frozenset({"tf.Session", "tf.InteractiveSession"})
    VALID = ("import tensorflow as tf\nprint(tf.constant(1.0).numpy())\n",)
    INVALID = (
        Example(
            """
            import tensorflow as tf
            with tf.Session() as sess:  # run the graph
                pass
            """,
            """
            import tensorflow as tf
            tf.compat.v1.disable_eager_execution()
            with tf.compat.v1.Session() as sess:  # run the graph
                pass
            """,
        ),
    )
