from __future__ import annotations

from tf2port.diagnostics import FixClass
from tf2port.rules.base import Example, Rule


class ChangedArguments(Rule):
    """A call whose TF2 counterpart takes different arguments.

    ## What it does
    Finds calls of TF1 functions whose TF2 object has renamed, reordered or removed parameters
    (`keep_dims` → `keepdims`, `reduction_indices` → `axis`, `dim` → `axis`), and the reviewed
    special cases that change meaning: `tf.to_float(x)` → `tf.cast(x, tf.float32)`,
    `tf.nn.dropout(x, keep_prob=p)` → `tf.nn.dropout(x, rate=1 - p)`, and the labels of
    `softmax_cross_entropy_with_logits`, which TF2 differentiates unless stopped.

    ## Why is this bad?
    The TF2 function rejects the old keywords, and where a positional parameter changed
    meaning (dropout's second argument is a drop rate in TF2, a keep probability in TF1) the
    old call silently computes something else.

    ## Example
    ```python
    total = tf.reduce_sum(x, reduction_indices=1, keep_dims=True)
    ```

    ## Use instead
    ```python
    total = tf.reduce_sum(x, axis=1, keepdims=True)
    ```

    A call whose meaning differs between TF1 and TF2 with the same spelling (dropout's
    positional second argument, the labels of `softmax_cross_entropy_with_logits`) is
    rewritten only in modules that prove they are TF1: a TF1-only name used bare, a
    `tensorflow.compat.v1` import, or a TF1-only keyword. TF2 code is never reinterpreted.

    ## Fix safety
    Safe: argument mapping comes from the TF1 and TF2 signatures plus a reviewed table whose
    every entry is tested to give the same value on both sides. When a call passes an argument
    TF2 no longer has, or uses `*args`/`**kwargs`, the call is not rewritten; it is kept as
    `tf.compat.v1.<name>` and reported as `TF102`.
    """

    CODE = "TF103"
    NAME = "changed-arguments"
    FIX = FixClass.SAFE
    MESSAGE = "`{name}` takes different arguments in TensorFlow 2 (`{target}`)"
    kinds = frozenset({"changed"})
    VALID = (
        "import tensorflow as tf\ntotal = tf.reduce_sum(x, axis=1, keepdims=True)\n",
        # TF2 code: the second argument is already a drop rate; nothing in the module says TF1
        "import tensorflow as tf\nh = tf.nn.dropout(h, 0.5)\n",
    )
    INVALID = (
        Example(
            """
            import tensorflow as tf
            total = tf.reduce_sum(x, reduction_indices=1, keep_dims=True)
            """,
            """
            import tensorflow as tf
            total = tf.reduce_sum(x, axis=1, keepdims=True)
            """,
        ),
        Example(
            """
            import tensorflow.compat.v1 as tf
            h = tf.nn.dropout(h, keep_prob)
            """,
            """
            import tensorflow as tf
            h = tf.nn.dropout(h, rate=1 - keep_prob)
            """,
        ),
        Example(
            """
            import tensorflow as tf
            y = tf.to_float(labels)
            """,
            """
            import tensorflow as tf
            y = tf.cast(labels, tf.float32)
            """,
        ),
    )
