from __future__ import annotations

from tf2port.analysis.names import MethodCall, ModuleInfo
from tf2port.diagnostics import FixClass
from tf2port.rules.base import Example, Rule
from tf2port.rules.graph.evidence import references_any
from tf2port.rules.training.v1_optimizer import V1_OPTIMIZERS


class OptimizerMinimize(Rule):
    """A TF1 optimizer's `minimize`, `compute_gradients` or `apply_gradients` call.

    ## What it does
    Finds `.minimize(...)`, `.compute_gradients(...)` and `.apply_gradients(...)` calls in
    modules that use a TF1 optimizer (`tf.train.*Optimizer`, see `TF501`). Modules that only
    use Keras optimizers are not judged: `optimizer.apply_gradients(zip(grads, variables))` is
    the TF2 idiom.

    ## Why is this bad?
    In TF1, `optimizer.minimize(loss)` differentiates a loss *tensor* of the graph and returns
    an op that a session runs once per step; `compute_gradients` / `apply_gradients(...,
    global_step=...)` split the same op in two. Under TF2 there is no graph to differentiate:
    Keras 3 optimizers have no `minimize` taking a loss tensor, and gradients come from a
    `tf.GradientTape` recorded while the loss is computed.

    ## Example
    ```python
    optimizer = tf.train.GradientDescentOptimizer(0.1)
    train_op = optimizer.minimize(loss)
    for _ in range(100):
        sess.run(train_op, feed_dict={x: data, y: labels})
    ```

    ## Use instead
    ```python
    optimizer = tf.keras.optimizers.SGD(0.1)

    @tf.function
    def train_step(x, y):
        with tf.GradientTape() as tape:
            loss = compute_loss(x, y)
        grads = tape.gradient(loss, variables)
        optimizer.apply_gradients(zip(grads, variables))

    for _ in range(100):
        train_step(data, labels)
    ```

    ## Fix safety
    No automatic fix by name: turning `minimize` into a gradient-tape step is the structural
    graph-to-eager rewrite, proven by `tf2port verify`.
    """

    CODE = "TF502"
    NAME = "optimizer-minimize"
    FIX = FixClass.NONE
    MESSAGE = "`.{name}()` of a TF1 optimizer builds a graph op; in TF2 take gradients with `tf.GradientTape`"
    methods = frozenset({"minimize", "compute_gradients", "apply_gradients"})
    VALID = (
        # the TF2 idiom: a Keras optimizer applying tape gradients
        "import tensorflow as tf\noptimizer = tf.keras.optimizers.SGD(0.1)\n"
        "optimizer.apply_gradients(zip(grads, variables))\n",
        # scipy's minimize in a module without TF1 optimizers
        "import tensorflow as tf\nfrom scipy import optimize\nresult = optimize.minimize(f, x0)\n",
    )
    INVALID = (
        Example(
            """
            import tensorflow as tf
            train_op = tf.train.AdamOptimizer(1e-3).minimize(loss)
            """
        ),
        Example(
            """
            import tensorflow as tf
            optimizer = tf.compat.v1.train.MomentumOptimizer(0.1, 0.9)
            grads_and_vars = optimizer.compute_gradients(loss)
            train_op = optimizer.apply_gradients(grads_and_vars, global_step=step)
            """
        ),
    )

    def check_method(self, call: MethodCall, info: ModuleInfo) -> str | None:
        if not references_any(info, V1_OPTIMIZERS.__contains__):
            return None
        return self.MESSAGE.format(name=call.method)
