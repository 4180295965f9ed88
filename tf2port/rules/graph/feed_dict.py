from __future__ import annotations

import ast

from tf2port.analysis.names import ModuleInfo
from tf2port.diagnostics import FixClass
from tf2port.rules.base import Example, Rule


class FeedDict(Rule):
    """A `feed_dict=` argument, feeding placeholders of a graph.

    ## What it does
    Finds calls that pass `feed_dict=` (to `sess.run`, `tensor.eval`, `op.run`) in a module
    that imports TensorFlow.

    ## Why is this bad?
    Feeding exists only for graphs run by a session. In TensorFlow 2 the fed values are the
    arguments of the function that computes the fetched values.

    ## Example
    ```python
    loss_value = sess.run(loss, feed_dict={x: batch_x, y: batch_y})
    ```

    ## Use instead
    ```python
    loss_value = compute_loss(batch_x, batch_y).numpy()
    ```

    ## Fix safety
    No rename applies; the graph-to-eager rewrite turns each distinct `sess.run` into a
    function of its fed values.
    """

    CODE = "TF203"
    NAME = "feed-dict"
    FIX = FixClass.NONE
    MESSAGE = "`feed_dict` feeds a TF1 graph; in TF2 fed values are function arguments"
    keywords = frozenset({"feed_dict"})
    VALID = ("import tensorflow as tf\nloss = compute_loss(x, y)\n",
             "import json\njson.dumps({}, feed_dict=1)\n")
    INVALID = (
        Example(
            """
            import tensorflow as tf
            value = sess.run(loss, feed_dict={x: data})
            """
        ),
    )

    def check_keyword(self, call: ast.Call, keyword: str, info: ModuleInfo) -> str | None:
        return self.MESSAGE if info.uses_tensorflow else None
