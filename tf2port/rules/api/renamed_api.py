from __future__ import annotations

from tf2port.diagnostics import FixClass
from tf2port.rules.base import Example, Rule


class RenamedApi(Rule):
    """A TF1 API name whose object lives under another name in TensorFlow 2.

    ## What it does
    Finds references to TensorFlow 1 names (such as `tf.log` or `tf.random_normal`) whose
    identical object is exported in TensorFlow 2 under a different, canonical name
    (`tf.math.log`, `tf.random.normal`), and references spelled through `tf.compat.v1` to an
    object TF2 exports under a plain name.

    ## Why is this bad?
    TensorFlow 2 removed the TF1 aliases from the main namespace: `tf.log` raises
    `AttributeError` under TF 2. The table behind this rule is generated from the installed
    TensorFlow, so the new name is the same Python object, not a look-alike.

    ## Example
    ```python
    y = tf.log(x)
    ```

    ## Use instead
    ```python
    y = tf.math.log(x)
    ```

    ## Fix safety
    Safe: the new name resolves to the identical object, so the program is unchanged.
    """

    CODE = "TF101"
    NAME = "renamed-api"
    FIX = FixClass.SAFE
    MESSAGE = "`{name}` is `{target}` in TensorFlow 2"
    kinds = frozenset({"renamed"})
    VALID = (
        "import tensorflow as tf\ny = tf.math.log(tf.constant(2.0))\n",
        "import numpy as np\ny = np.log(2.0)\n",
        "import tensorflow as tf\ndef f(tf):\n    return tf.log(2.0)\n",
    )
    INVALID = (
        Example(
            """
            import tensorflow as tf
            y = tf.log(x)  # natural log
            """,
            """
            import tensorflow as tf
            y = tf.math.log(x)  # natural log
            """,
        ),
        Example(
            """
            import tensorflow as tf
            noise = tf.compat.v1.random_normal([3])
            """,
            """
            import tensorflow as tf
            noise = tf.random.normal([3])
            """,
        ),
    )
