from __future__ import annotations

from tf2port.analysis.names import ModuleInfo, Reference
from tf2port.diagnostics import FixClass
from tf2port.fix.api_names import Plan
from tf2port.rules.base import Example, Rule


class VariableScope(Rule):
    """Variables shared by name through variable scopes (`tf.variable_scope`, `tf.get_variable`).

    ## What it does
    Finds `tf.variable_scope`, `tf.get_variable`, `tf.get_local_variable`, `tf.AUTO_REUSE`,
    `tf.get_variable_scope`, `tf.VariableScope`, `tf.variable_op_scope` and
    `tf.make_template`.

    ## Why is this bad?
    TF1 shares variables by their name in the global graph: a second `get_variable("w")` in a
    scope opened with `reuse=True` returns the first one. TensorFlow 2 has no variable
    scopes; a variable is an ordinary Python object, shared by keeping a reference to it
    (usually as an attribute of a `tf.Module` or Keras layer).

    ## Example
    ```python
    with tf.variable_scope("dense", reuse=tf.AUTO_REUSE):
        w = tf.get_variable("w", [3, 1])
    ```

    ## Use instead
    ```python
    class Dense(tf.Module):
        def __init__(self):
            self.w = tf.Variable(tf.random.normal([3, 1]), name="w")
    ```

    ## Fix safety
    A module-level function that creates variables (in a `variable_scope`, with
    `get_variable` or `tf.layers`) is rewritten by the library rewrite into a Keras
    `Layer`/`Model` class: weights made in `build`/`__init__` under the scope's names (so
    `tf2port ckpt convert` can carry a TF1 checkpoint over), `reuse=True` as one object called
    twice, the regularization collection as `self.add_loss`/`model.losses`; its call sites in the
    same file create one object and call it. A public function that became a class keeps one
    finding at the class: callers in other modules must change too. Where the rewrite declines
    (variables created conditionally or in loops, scope names built at run time, …), safe
    fallback: the name is spelled `tf.compat.v1.<name>`, the identical object, and the program
    keeps TF1 name-based sharing.
    """

    CODE = "TF207"
    NAME = "variable-scope"
    FIX = FixClass.SAFE
    MESSAGE = ("`{name}` shares variables by name in a TF1 graph; in TF2 variables belong to the objects "
               "that create them")
    names = frozenset({
        "tf.variable_scope", "tf.get_variable", "tf.get_local_variable", "tf.AUTO_REUSE",
        "tf.get_variable_scope", "tf.VariableScope", "tf.variable_op_scope", "tf.make_template",
    })
    VALID = (
        "import tensorflow as tf\nw = tf.Variable(tf.zeros([3, 1]), name='w')\n",
        # name scopes only name ops; they stay in TF2
        "import tensorflow as tf\nwith tf.name_scope('block'):\n    y = x * 2\n",
    )
    INVALID = (
        Example(
            """
            import tensorflow as tf
            with tf.variable_scope("dense", reuse=tf.AUTO_REUSE):
                w = tf.get_variable("w", [3, 1])
            """,
            """
            import tensorflow as tf
            with tf.compat.v1.variable_scope("dense", reuse=tf.compat.v1.AUTO_REUSE):
                w = tf.compat.v1.get_variable("w", [3, 1])
            """,
        ),
    )

    def check_reference(self, ref: Reference, info: ModuleInfo, plan: Plan) -> str | None:
        return self.MESSAGE.format(name=ref.name)
