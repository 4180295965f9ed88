from __future__ import annotations

import ast

from tf2port import apidata
from tf2port.analysis.names import ModuleInfo, Reference, qualify
from tf2port.diagnostics import FixClass
from tf2port.fix.api_names import Plan
from tf2port.rules.base import Example, Rule
from tf2port.rules.contrib.imports import imported_paths, under

SLIM = ("tensorflow.contrib.slim", "tf_slim")


class Contrib(Rule):
    """A `tf.contrib` API or a `tensorflow.contrib` import.

    ## What it does
    Finds references to `tf.contrib.*` (except slim, which is `TF302`) and imports from
    `tensorflow.contrib`. The message carries the advice recorded for the symbol, for example
    `tf.contrib.layers.xavier_initializer` → `tf.keras.initializers.GlorotUniform`.

    ## Why is this bad?
    `tf.contrib` was removed in TensorFlow 2.0, under every name: there is no
    `tf.compat.v1.contrib`. The import fails with `ModuleNotFoundError`; each symbol has to be
    replaced by its core TensorFlow or Keras counterpart, or by a separate package.

    ## Example
    ```python
    from tensorflow.contrib import rnn
    init = tf.contrib.layers.xavier_initializer()
    cell = rnn.LSTMCell(128)
    ```

    ## Use instead
    ```python
    init = tf.keras.initializers.GlorotUniform()
    cell = tf.keras.layers.LSTMCell(128)
    ```

    ## Fix safety
    No automatic fix: no name resolves to the removed object. Counterparts often differ in
    defaults (initializer scales, LSTM gate layout), so the replacement is a reviewed edit.
    """

    CODE = "TF301"
    NAME = "contrib"
    FIX = FixClass.NONE
    MESSAGE = "`{name}` does not exist in TensorFlow 2: {advice}"
    names = frozenset({"tf.contrib"})
    prefixes = ("tf.contrib.",)
    imports = ("tensorflow.contrib",)
    VALID = (
        "import tensorflow as tf\ninit = tf.keras.initializers.GlorotUniform()\n",
        # a local package that happens to be called contrib
        "import tensorflow as tf\nfrom mypkg import contrib\ncontrib.layers.dense(x)\n",
    )
    INVALID = (
        Example(
            """
            import tensorflow as tf
            init = tf.contrib.layers.xavier_initializer()
            """
        ),
        Example(
            """
            from tensorflow.contrib import rnn
            """
        ),
    )

    def check_reference(self, ref: Reference, info: ModuleInfo, plan: Plan) -> str | None:
        entry = plan.entry or apidata.removed_prefix(ref.name)
        advice = entry.advice if entry is not None else "use the core TF2 or Keras equivalent"
        if entry is not None and entry.replacement and entry.replacement not in advice:
            advice = f"{advice.rstrip('.')}; use `{entry.replacement}`"
        return self.MESSAGE.format(name=ref.name, advice=advice.rstrip("."))

    def check_import(self, node: ast.stmt, module_path: str, info: ModuleInfo) -> str | None:
        paths = [p for p in imported_paths(node)
                 if under(p, "tensorflow.contrib") and not any(under(p, s) for s in SLIM)]
        if not paths:
            return None
        # `from tensorflow.contrib import slim, rnn` names the first non-slim member
        qualified = qualify(paths[0]) or "tf.contrib"
        entry = apidata.removed_prefix(qualified)
        advice = entry.advice if entry is not None else "use the core TF2 or Keras equivalent"
        return self.MESSAGE.format(name=paths[0], advice=advice.rstrip("."))
