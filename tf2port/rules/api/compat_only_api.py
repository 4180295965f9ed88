from __future__ import annotations

from tf2port.analysis.names import ModuleInfo, Reference
from tf2port.diagnostics import FixClass
from tf2port.fix.api_names import Plan
from tf2port.rules.base import Example, Rule


class CompatOnlyApi(Rule):
    """A TF1 API that TensorFlow 2 keeps only in `tf.compat.v1`.

    ## What it does
    Finds references to TensorFlow 1 APIs that have no TF2-native equivalent object (for
    example `tf.assign`, `tf.py_func`), and uses of a name whose TF2 object differs from the
    TF1 one in a way the arguments of this use cannot bridge.

    ## Why is this bad?
    Under TensorFlow 2 the bare TF1 name does not exist; the code raises `AttributeError`.
    The `tf.compat.v1` spelling runs, but it is a TF1 API kept for migration: it may rely on
    graph mode and will not get new features.

    ## Example
    ```python
    update = tf.assign(v, 1.0)
    ```

    ## Use instead
    ```python
    update = v.assign(1.0)  # or, mechanically: tf.compat.v1.assign(v, 1.0)
    ```

    ## Fix safety
    Safe: the fix spells the name `tf.compat.v1.<name>`, the identical object, so the program
    keeps its TF1 meaning. It is a fallback, not a migration; the finding stays (without a fix)
    until the code is rewritten by hand or by a structural rule.
    """

    CODE = "TF102"
    NAME = "compat-only-api"
    FIX = FixClass.SAFE
    MESSAGE = "`{name}` exists only in `tf.compat.v1` in TensorFlow 2"
    kinds = frozenset({"compat"})
    VALID = (
        "import tensorflow as tf\nv = tf.Variable(0.0)\nv.assign(1.0)\n",
    )
    INVALID = (
        Example(
            """
            import tensorflow as tf
            update = tf.assign(v, 1.0)
            """,
            """
            import tensorflow as tf
            update = tf.compat.v1.assign(v, 1.0)
            """,
        ),
        Example(
            """
            import tensorflow as tf
            update = tf.compat.v1.assign(v, 1.0)
            """
        ),
    )

    def check_reference(self, ref: Reference, info: ModuleInfo, plan: Plan) -> str | None:
        if plan.declined:
            return f"`{ref.name}` is kept as `{plan.target}`: {plan.declined}"
        return self.MESSAGE.format(name=ref.name)
