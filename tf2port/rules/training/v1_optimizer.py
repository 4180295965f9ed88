from __future__ import annotations

from tf2port.analysis.names import ModuleInfo, Reference
from tf2port.diagnostics import FixClass
from tf2port.fix.api_names import Plan
from tf2port.rules.base import Example, Rule
from tf2port.rules.graph.evidence import table_advice

# Every `tf.train.*Optimizer` of the TF1 API (tests check this against the API table).
V1_OPTIMIZERS = frozenset({
    "tf.train.Optimizer", "tf.train.GradientDescentOptimizer", "tf.train.MomentumOptimizer",
    "tf.train.AdamOptimizer", "tf.train.AdagradOptimizer", "tf.train.AdagradDAOptimizer",
    "tf.train.AdadeltaOptimizer", "tf.train.RMSPropOptimizer", "tf.train.FtrlOptimizer",
    "tf.train.ProximalGradientDescentOptimizer", "tf.train.ProximalAdagradOptimizer",
    "tf.train.SyncReplicasOptimizer",
})


class V1Optimizer(Rule):
    """A TF1 optimizer class (`tf.train.AdamOptimizer`, `tf.train.GradientDescentOptimizer`, …).

    ## What it does
    Finds every `tf.train.*Optimizer`, including the base class `tf.train.Optimizer` that
    custom optimizers subclass.

    ## Why is this bad?
    TF1 optimizers build graph ops (`minimize` returns a training op to run in a session) and
    keep their slots by graph name. TensorFlow 2 keeps them only in `tf.compat.v1.train`; the
    TF2 optimizers are `tf.keras.optimizers.*`, used with `tf.GradientTape`. Their defaults
    differ: Keras Adam uses `epsilon=1e-7` (TF1: `1e-8`), and TF1 RMSProp starts its
    accumulator at 1.0.

    ## Example
    ```python
    train_op = tf.train.AdamOptimizer(1e-3).minimize(loss)
    ```

    ## Use instead
    ```python
    optimizer = tf.keras.optimizers.Adam(1e-3, epsilon=1e-8)

    @tf.function
    def train_step(x, y):
        with tf.GradientTape() as tape:
            loss = compute_loss(x, y)
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss
    ```

    ## Fix safety
    Safe fallback: the class is spelled `tf.compat.v1.train.<Name>`, the identical object. The
    finding stays until training is rewritten around a Keras optimizer and a gradient tape.
    """

    CODE = "TF501"
    NAME = "v1-optimizer"
    FIX = FixClass.SAFE
    MESSAGE = "`{name}` is a TF1 optimizer; in TF2 use a `tf.keras.optimizers` optimizer with `tf.GradientTape`"
    names = V1_OPTIMIZERS
    VALID = (
        "import tensorflow as tf\noptimizer = tf.keras.optimizers.Adam(1e-3, epsilon=1e-8)\n",
        # tf.train.Checkpoint and friends are TF2 API
        "import tensorflow as tf\nckpt = tf.train.Checkpoint(model=model)\n",
    )
    INVALID = (
        Example(
            """
            import tensorflow as tf
            optimizer = tf.train.AdamOptimizer(learning_rate=1e-3)
            """,
            """
            import tensorflow as tf
            optimizer = tf.compat.v1.train.AdamOptimizer(learning_rate=1e-3)
            """,
        ),
        Example(
            """
            import tensorflow as tf
            class Clipped(tf.compat.v1.train.Optimizer):
                pass
            """
        ),
    )

    def check_reference(self, ref: Reference, info: ModuleInfo, plan: Plan) -> str | None:
        advice = table_advice(plan)  # e.g. Adam's epsilon default, RMSProp's accumulator start
        if advice:
            return f"`{ref.name}` is a TF1 optimizer: {advice.rstrip('.')}"
        return self.MESSAGE.format(name=ref.name)
