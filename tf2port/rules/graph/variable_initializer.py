from __future__ import annotations

from tf2port.analysis.names import ModuleInfo, Reference
from tf2port.diagnostics import FixClass
from tf2port.fix.api_names import Plan
from tf2port.rules.base import Example, Rule


class VariableInitializer(Rule):
    """An op that initialises graph variables (`tf.global_variables_initializer` and relatives).

    ## What it does
    Finds the TF1 initializer ops and their checks: `tf.global_variables_initializer`,
    `tf.local_variables_initializer`, `tf.variables_initializer`, `tf.tables_initializer`,
    their deprecated aliases (`tf.initialize_all_variables`, …), and
    `tf.report_uninitialized_variables` / `tf.is_variable_initialized`.

    ## Why is this bad?
    In a TF1 graph a variable has no value until an initializer op is run in a session. In
    TensorFlow 2 a `tf.Variable` holds its initial value as soon as it is created, so these
    ops and the `sess.run(init)` that runs them have nothing left to do. Lookup tables
    (`tf.lookup.StaticHashTable`) are likewise initialised on creation.

    ## Example
    ```python
    w = tf.Variable(tf.zeros([3]))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        print(sess.run(w))
    ```

    ## Use instead
    ```python
    w = tf.Variable(tf.zeros([3]))
    print(w.numpy())
    ```

    ## Fix safety
    Safe fallback: the name is spelled `tf.compat.v1.<name>`, the identical object, so the
    graph program still runs. The finding stays until the session code around it is
    rewritten, at which point the initializer run is deleted.
    """

    CODE = "TF204"
    NAME = "variable-initializer"
    FIX = FixClass.SAFE
    MESSAGE = "`{name}`: TF2 variables are initialised when they are created; the initializer run goes away"
    names = frozenset({
        "tf.global_variables_initializer", "tf.initialize_all_variables",
        "tf.local_variables_initializer", "tf.initialize_local_variables",
        "tf.variables_initializer", "tf.initialize_variables",
        "tf.tables_initializer", "tf.initialize_all_tables",
        "tf.initializers.global_variables", "tf.initializers.local_variables",
        "tf.initializers.variables", "tf.initializers.tables_initializer",
        "tf.report_uninitialized_variables", "tf.is_variable_initialized",
        "tf.assert_variables_initialized",
    })
    VALID = (
        "import tensorflow as tf\nw = tf.Variable(tf.zeros([3]))\nprint(w.numpy())\n",
        # Keras initializers configure weights; they are not graph initializer ops
        "import tensorflow as tf\ninit = tf.keras.initializers.GlorotUniform()\n",
    )
    INVALID = (
        Example(
            """
            import tensorflow as tf
            init = tf.global_variables_initializer()  # run once before training
            """,
            """
            import tensorflow as tf
            init = tf.compat.v1.global_variables_initializer()  # run once before training
            """,
        ),
        Example(
            """
            import tensorflow.compat.v1 as tf
            sess.run(tf.initialize_all_variables())
            """,
            """
            import tensorflow as tf
            sess.run(tf.compat.v1.initialize_all_variables())
            """,
        ),
        Example(
            """
            import tensorflow as tf
            sess.run(tf.compat.v1.tables_initializer())
            """
        ),
    )

    def check_reference(self, ref: Reference, info: ModuleInfo, plan: Plan) -> str | None:
        return self.MESSAGE.format(name=ref.name)
