from __future__ import annotations

from tf2port.analysis.names import ModuleInfo, Reference
from tf2port.diagnostics import FixClass
from tf2port.fix.api_names import Plan
from tf2port.rules.base import Example, Rule
from tf2port.rules.graph.evidence import in_tf_function


class SymbolicGradients(Rule):
    """Symbolic derivatives of a graph: `tf.gradients` and `tf.hessians`.

    ## What it does
    Finds `tf.gradients` and `tf.hessians` outside functions decorated with `@tf.function`.
    Inside a `tf.function` the code runs as a graph and both work in TF2, so they are reported
    there only when the call uses an argument TF2 removed (`colocate_gradients_with_ops`).

    ## Why is this bad?
    `tf.gradients` differentiates tensors of a graph. Under TF2's eager execution it raises
    `RuntimeError: tf.gradients is not supported when eager execution is enabled`. Eager code
    records the computation on a `tf.GradientTape` and asks the tape.

    ## Example
    ```python
    grads = tf.gradients(loss, [w, b])
    ```

    ## Use instead
    ```python
    with tf.GradientTape() as tape:
        loss = compute_loss(x, y)
    grads = tape.gradient(loss, [w, b])
    ```

    ## Fix safety
    No rename for plain calls: TF2 keeps `tf.gradients` for graph code. A call passing
    `colocate_gradients_with_ops=` (gone in TF2) is spelled `tf.compat.v1.gradients`, the
    identical TF1 object, so it keeps running.
    """

    CODE = "TF505"
    NAME = "symbolic-gradients"
    FIX = FixClass.SAFE
    MESSAGE = "`{name}` differentiates a graph and fails under eager execution; record a `tf.GradientTape` instead"
    names = frozenset({"tf.gradients", "tf.hessians"})
    VALID = (
        "import tensorflow as tf\nwith tf.GradientTape() as tape:\n    loss = f(x)\ngrads = tape.gradient(loss, [x])\n",
        # graph code inside a tf.function is TF2
        "import tensorflow as tf\n@tf.function\ndef grad(x):\n    return tf.gradients(x * x, [x])\n",
    )
    INVALID = (
        Example(
            """
            import tensorflow as tf
            grads = tf.gradients(loss, [w, b])
            """
        ),
        Example(
            """
            import tensorflow as tf
            grads = tf.gradients(loss, params, colocate_gradients_with_ops=True)
            """,
            """
            import tensorflow as tf
            grads = tf.compat.v1.gradients(loss, params, colocate_gradients_with_ops=True)
            """,
        ),
    )

    def check_reference(self, ref: Reference, info: ModuleInfo, plan: Plan) -> str | None:
        if in_tf_function(info, ref.node) and not plan.edits and not plan.compat:
            return None
        return self.MESSAGE.format(name=ref.name)
