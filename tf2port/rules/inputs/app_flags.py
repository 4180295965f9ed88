from __future__ import annotations

from tf2port.analysis.names import ModuleInfo, Reference
from tf2port.diagnostics import FixClass
from tf2port.fix.api_names import Plan
from tf2port.rules.base import Example, Rule

ABSL = {"app": "absl.app", "flags": "absl.flags", "logging": "absl.logging"}


class AppFlags(Rule):
    """TF1's wrappers of absl: `tf.app`, `tf.flags`, `tf.logging`.

    ## What it does
    Finds `tf.app.*` (`tf.app.run`, `tf.app.flags`), `tf.flags.*` (`DEFINE_string`, `FLAGS`, …)
    and `tf.logging.*` (`info`, `set_verbosity`, `INFO`, …).

    ## Why is this bad?
    These are TF1's own wrappers around `absl-py`, which TensorFlow 2 keeps only in
    `tf.compat.v1`: `tf.flags` wraps `absl.flags`, `tf.app.run` parses flags with absl and hands
    the rest to `main`, and `tf.logging` is TensorFlow's own logger (logger name "tensorflow").
    absl is installed with TensorFlow, so `absl.flags`/`absl.app`/`absl.logging` are one import
    away. Differences to expect: absl's log lines have another format on stderr, and
    `absl.app.run` rejects unknown command-line flags that `tf.app.run` passed on.

    ## Example
    ```python
    tf.app.flags.DEFINE_integer("epochs", 10, "Training epochs.")
    FLAGS = tf.app.flags.FLAGS
    tf.logging.set_verbosity(tf.logging.INFO)
    tf.app.run()
    ```

    ## Use instead
    ```python
    from absl import app, flags, logging

    flags.DEFINE_integer("epochs", 10, "Training epochs.")
    FLAGS = flags.FLAGS
    logging.set_verbosity(logging.INFO)
    app.run(main)
    ```

    ## Fix safety
    In a session script the graph-to-eager rewrite imports absl instead (`FLAGS(sys.argv)` added
    after the flag definitions: TF1's FLAGS parsed the command line on first use, absl's does
    not; `tf.logging.fatal` is declined: absl's aborts the program). Otherwise safe fallback:
    spelled `tf.compat.v1.<module>.<name>`, the identical objects. The finding stays until the
    code imports absl.
    """

    CODE = "TF603"
    NAME = "app-flags"
    FIX = FixClass.SAFE
    MESSAGE = "`{name}` is TF1's wrapper of `{absl}`; import `{absl}` instead"
    names = frozenset({"tf.app", "tf.flags", "tf.logging"})
    prefixes = ("tf.app.", "tf.flags.", "tf.logging.")
    VALID = (
        "import tensorflow as tf\nfrom absl import app, flags, logging\nlogging.info('start')\n",
        "import tensorflow as tf\ntf.get_logger().setLevel('INFO')\n",
    )
    INVALID = (
        Example(
            """
            import tensorflow as tf
            FLAGS = tf.app.flags.FLAGS
            tf.logging.set_verbosity(tf.logging.INFO)
            """,
            """
            import tensorflow as tf
            FLAGS = tf.compat.v1.app.flags.FLAGS
            tf.compat.v1.logging.set_verbosity(tf.compat.v1.logging.INFO)
            """,
        ),
        Example(
            """
            import tensorflow as tf
            tf.compat.v1.app.run()
            """
        ),
    )

    def check_reference(self, ref: Reference, info: ModuleInfo, plan: Plan) -> str | None:
        parts = ref.name.split(".")
        # tf.app.flags.X is absl.flags.X
        module = "flags" if parts[1:3] == ["app", "flags"] else parts[1]
        return self.MESSAGE.format(name=ref.name, absl=ABSL[module])
