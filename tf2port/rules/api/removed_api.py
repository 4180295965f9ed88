from __future__ import annotations

from tf2port.diagnostics import FixClass
from tf2port.rules.base import Example, Rule


class RemovedApi(Rule):
    """A TF1 API that does not exist in TensorFlow 2.21 at all.

    ## What it does
    Finds references to TensorFlow 1 APIs that are gone from TensorFlow 2.21 under every
    name, including `tf.compat.v1` (for example `tf.estimator`, removed in 2.16, or APIs that
    exist only with the legacy `tf-keras` package).

    ## Why is this bad?
    The code fails with `AttributeError` or `ImportError` on a current TensorFlow. No rename
    brings it back; it has to be rewritten.

    ## Example
    ```python
    estimator = tf.estimator.Estimator(model_fn)
    ```

    ## Use instead
    ```python
    model = tf.keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="mse")
    model.fit(dataset)
    ```

    ## Fix safety
    No automatic fix. The message carries the advice recorded for the API.
    """

    CODE = "TF104"
    NAME = "removed-api"
    FIX = FixClass.NONE
    MESSAGE = "`{name}` does not exist in TensorFlow 2.21: {advice}"
    kinds = frozenset({"removed"})
    VALID = ("import tensorflow as tf\nmodel = tf.keras.Sequential()\n",)
    INVALID = (
        Example(
            """
            import tensorflow as tf
            estimator = tf.estimator.Estimator(model_fn)
            """
        ),
    )
