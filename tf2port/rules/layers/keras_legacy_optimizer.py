from __future__ import annotations

import ast

from tf2port.analysis.names import ModuleInfo, Reference
from tf2port.diagnostics import FixClass
from tf2port.fix.api_names import Plan
from tf2port.rules.base import Example, Rule
from tf2port.rules.contrib.imports import imported_paths, under

LEGACY = "tf.keras.optimizers.legacy"


class KerasLegacyOptimizer(Rule):
    """A Keras 2 legacy optimizer (`tf.keras.optimizers.legacy.*`).

    ## What it does
    Finds `tf.keras.optimizers.legacy.Adam` and the other optimizers of
    `tf.keras.optimizers.legacy`, and imports from `tensorflow.keras.optimizers.legacy`.
    (`tf_upgrade_v2` still rewrites `tf.keras.optimizers.Adam` into them.)

    ## Why is this bad?
    The legacy optimizers belong to Keras 2. TensorFlow 2.16+ ships Keras 3 as `tf.keras`,
    which has no `optimizers.legacy` module: the attribute access raises `AttributeError` and
    the import raises `ImportError`.

    ## Example
    ```python
    optimizer = tf.keras.optimizers.legacy.Adam(learning_rate=1e-3)
    ```

    ## Use instead
    ```python
    optimizer = tf.keras.optimizers.Adam(learning_rate=1e-3)
    ```

    ## Fix safety
    No automatic fix: the Keras 3 optimizer is a different object whose state, defaults and
    `minimize` signature differ; check `epsilon` and the learning-rate schedule when switching.
    """

    CODE = "TF403"
    NAME = "keras-legacy-optimizer"
    FIX = FixClass.NONE
    MESSAGE = "`{name}` does not exist under Keras 3; use `{replacement}` (check its defaults)"
    names = frozenset({LEGACY})
    prefixes = (LEGACY + ".",)
    imports = ("tensorflow.keras.optimizers.legacy",)
    VALID = (
        "import tensorflow as tf\noptimizer = tf.keras.optimizers.Adam(learning_rate=1e-3)\n",
        "from tensorflow.keras.optimizers import Adam\noptimizer = Adam()\n",
    )
    INVALID = (
        Example(
            """
            import tensorflow as tf
            optimizer = tf.keras.optimizers.legacy.Adam(learning_rate=1e-3)
            """
        ),
        Example(
            """
            from tensorflow.keras.optimizers.legacy import SGD
            """
        ),
    )

    def check_reference(self, ref: Reference, info: ModuleInfo, plan: Plan) -> str | None:
        return self.MESSAGE.format(name=ref.name, replacement=_replacement(ref.name))

    def check_import(self, node: ast.stmt, module_path: str, info: ModuleInfo) -> str | None:
        for path in imported_paths(node):
            if under(path, "tensorflow.keras.optimizers.legacy"):
                name = "tf" + path[len("tensorflow"):]
                return self.MESSAGE.format(name=path, replacement=_replacement(name))
        return None


def _replacement(name: str) -> str:
    """`tf.keras.optimizers.legacy.Adam` → `tf.keras.optimizers.Adam`."""
    rest = name[len(LEGACY):].lstrip(".")
    return f"tf.keras.optimizers.{rest}" if rest else "tf.keras.optimizers.<Name>"
