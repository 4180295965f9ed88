from __future__ import annotations

import ast

from tf2port.analysis.names import MethodCall, ModuleInfo
from tf2port.diagnostics import FixClass
from tf2port.rules.base import Example, Rule
from tf2port.rules.graph.evidence import facts

SESSION_KEYWORDS = frozenset({"session", "feed_dict"})


class TensorEval(Rule):
    """A tensor evaluated with `.eval()` in a TF1 session.

    ## What it does
    Finds `x.eval(...)` calls that evaluate a tensor (or `.eval(session=…)` /
    `.eval(feed_dict=…)`) in modules that run a TF1 session (`tf.Session`,
    `tf.InteractiveSession`, `tf.get_default_session`, a `MonitoredSession`).

    Only such modules are judged, so `.eval()` of other libraries stays silent: pandas'
    `df.eval("a + b")` (its first argument is an expression string), or any `.eval()` in a
    module that runs no session.

    ## Why is this bad?
    `Tensor.eval()` is shorthand for `sess.run(tensor)` in the default session. TensorFlow 2
    has no sessions; an eager tensor already holds its value, and symbolic tensors inside a
    `tf.function` cannot be evaluated on their own.

    ## Example
    ```python
    sess = tf.InteractiveSession()
    print(loss.eval(feed_dict={x: batch}))
    ```

    ## Use instead
    ```python
    print(compute_loss(batch).numpy())
    ```

    ## Fix safety
    No automatic fix: what replaces `.eval()` depends on how the graph is rewritten into
    functions. Under `tf.compat.v1` with eager execution disabled the call keeps working.
    """

    CODE = "TF206"
    NAME = "tensor-eval"
    FIX = FixClass.NONE
    MESSAGE = "`.eval()` evaluates a tensor in a TF1 session; in TF2 the value is `tensor.numpy()`"
    methods = frozenset({"eval"})
    VALID = (
        "import tensorflow as tf\nprint(tf.constant(1.0).numpy())\n",
        # pandas in a module that also runs a session: the expression string gives it away
        "import pandas as pd\nimport tensorflow as tf\nsess = tf.Session()\ntotal = df.eval('a + b')\n",
        # no session anywhere: `.eval()` is some other library's
        "import tensorflow as tf\nmodel.eval()\n",
    )
    INVALID = (
        Example(
            """
            import tensorflow as tf
            sess = tf.InteractiveSession()
            print(accuracy.eval(feed_dict={x: images}))
            """
        ),
        Example(
            """
            import tensorflow as tf
            value = loss.eval(session=sess)
            """
        ),
    )

    def check_method(self, call: MethodCall, info: ModuleInfo) -> str | None:
        if not info.uses_tensorflow:
            return None
        keywords = {kw.arg for kw in call.call.keywords}
        if keywords & SESSION_KEYWORDS:
            return self.MESSAGE
        if not facts(info).session:
            return None
        first = call.call.args[0] if call.call.args else None
        if isinstance(first, (ast.Constant, ast.JoinedStr)) or "expr" in keywords:
            return None  # an expression string: pandas / numexpr style eval
        return self.MESSAGE
