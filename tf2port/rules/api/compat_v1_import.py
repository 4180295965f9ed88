from __future__ import annotations

import ast

from tf2port.analysis.names import ModuleInfo
from tf2port.diagnostics import Edit, FixClass
from tf2port.fix.edits import LineIndex
from tf2port.rules.base import Example, Rule


class CompatV1Import(Rule):
    """`tensorflow.compat.v1` imported as the program's TensorFlow.

    ## What it does
    Finds `import tensorflow.compat.v1 as tf` and `from tensorflow.compat import v1 as tf`:
    programs that run the whole TF1 API on top of TensorFlow 2.

    ## Why is this bad?
    Every name the program uses is then a TF1 name; the code has not been migrated, only
    postponed. The import hides which APIs are really TF1-only.

    ## Example
    ```python
    import tensorflow.compat.v1 as tf
    y = tf.log(x)
    ```

    ## Use instead
    ```python
    import tensorflow as tf
    y = tf.math.log(x)
    ```

    ## Fix safety
    Safe: the import becomes `import tensorflow as tf` and every reference through it is
    renamed in the same run to the identical TF2 object, or spelled `tf.compat.v1.<name>`
    where TF2 has none, so each name still means what it meant.
    """

    CODE = "TF105"
    NAME = "compat-v1-import"
    FIX = FixClass.SAFE
    MESSAGE = "`{name}` is imported as TensorFlow; the program still speaks TF1"
    imports = ("tensorflow.compat",)
    VALID = ("import tensorflow as tf\n", "import tensorflow.compat.v2 as tf\n")
    INVALID = (
        Example(
            """
            import tensorflow.compat.v1 as tf
            y = tf.log(x)
            """,
            """
            import tensorflow as tf
            y = tf.math.log(x)
            """,
        ),
        Example(
            """
            from tensorflow.compat import v1 as tf
            x = tf.placeholder(tf.float32)
            """,
            """
            import tensorflow as tf
            tf.compat.v1.disable_eager_execution()
            x = tf.compat.v1.placeholder(tf.float32)
            """,
        ),
    )

    def check_import(self, node: ast.stmt, module_path: str, info: ModuleInfo) -> str | None:
        if _rewritable_alias(node) is None:
            return None
        return self.MESSAGE.format(name="tensorflow.compat.v1")

    def plan_import(self, node: ast.stmt, module_path: str, index: LineIndex) -> tuple[Edit, ...]:
        alias = _rewritable_alias(node)
        if alias is None:
            return ()
        if isinstance(node, ast.Import):
            start = index.offset(alias.lineno, alias.col_offset)
            return (Edit(start, start + len(alias.name), "tensorflow"),)
        return (Edit(index.start_of(node), index.end_of(node), f"import tensorflow as {alias.asname}"),)


def _rewritable_alias(node: ast.stmt) -> ast.alias | None:
    """The alias to rewrite: `import tensorflow.compat.v1 as X` or `from tensorflow.compat import v1 as X`."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.name == "tensorflow.compat.v1" and alias.asname:
                return alias
    elif isinstance(node, ast.ImportFrom) and node.module == "tensorflow.compat" and len(node.names) == 1:
        alias = node.names[0]
        if alias.name == "v1" and alias.asname:
            return alias
    return None
