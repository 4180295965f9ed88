from __future__ import annotations

from tf2port.analysis.names import ModuleInfo, Reference
from tf2port.diagnostics import FixClass
from tf2port.fix.api_names import Plan
from tf2port.rules.base import Example, Rule


class TfLayers(Rule):
    """A `tf.layers` function or class (the TF1 layers API).

    ## What it does
    Finds `tf.layers.*` (also spelled `tf.compat.v1.layers.*`): `tf.layers.dense`,
    `tf.layers.conv2d`, `tf.layers.Dense`, `tf.layers.batch_normalization`, …

    ## Why is this bad?
    `tf.compat.v1.layers` exists only when the legacy `tf-keras` package is installed and
    `TF_USE_LEGACY_KERAS=1` is set before TensorFlow is imported; under TensorFlow 2.16+ with
    Keras 3 the attribute does not resolve. The functional forms (`tf.layers.dense(x, 10)`)
    also create new variables on every call, found again by variable-scope names.

    ## Example
    ```python
    hidden = tf.layers.dense(x, 64, activation=tf.nn.relu)
    logits = tf.layers.dense(hidden, 10)
    ```

    ## Use instead
    ```python
    hidden_layer = tf.keras.layers.Dense(64, activation="relu")  # created once
    output_layer = tf.keras.layers.Dense(10)
    logits = output_layer(hidden_layer(x))  # called where the graph used them
    ```

    ## Fix safety
    No automatic rename: no TF2 name resolves to these objects under Keras 3. The message
    names the Keras layer to create once and call.
    """

    CODE = "TF401"
    NAME = "tf-layers"
    FIX = FixClass.NONE
    MESSAGE = "`{name}` exists only with legacy tf-keras (TF_USE_LEGACY_KERAS=1): {advice}"
    names = frozenset({"tf.layers"})
    prefixes = ("tf.layers.",)
    VALID = (
        "import tensorflow as tf\ndense = tf.keras.layers.Dense(10)\nlogits = dense(x)\n",
        # a project module named layers is not tf.layers
        "import tensorflow as tf\nimport layers\ny = layers.dense(x, 10)\n",
    )
    INVALID = (
        Example(
            """
            import tensorflow as tf
            logits = tf.layers.dense(x, 10)
            """
        ),
        Example(
            """
            import tensorflow.compat.v1 as tf
            conv = tf.layers.Conv2D(32, 3)
            """
        ),
    )

    def check_reference(self, ref: Reference, info: ModuleInfo, plan: Plan) -> str | None:
        entry = plan.entry
        if entry is not None and entry.replacement:
            advice = f"create `{entry.replacement}` once and call it on the input"
        else:
            advice = "create the matching `tf.keras.layers` layer once and call it on the input"
        return self.MESSAGE.format(name=ref.name, advice=advice)
