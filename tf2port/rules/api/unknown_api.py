from __future__ import annotations

from tf2port import apidata
from tf2port.analysis.names import ModuleInfo, Reference
from tf2port.diagnostics import FixClass
from tf2port.fix.api_names import Plan
from tf2port.rules.base import Example, Rule


class UnknownApi(Rule):
    """A `tf.` name that TensorFlow 1.x never had, or a call TF 1.x never accepted.

    ## What it does
    Finds references such as `tf.mul`, `tf.pack`, `tf.scalar_summary` or `tf.muliply`: names
    in a TensorFlow module whose members the API table lists completely, yet not among them.
    They are names removed before TensorFlow 1.0, or typos. Names TF2 added
    (`tf.random.set_seed`) are known too. Only direct members of a listed module are judged:
    names under a module whose members are not listed (`tf.app.flags`, which wraps absl), under
    a name that is no module (`tf.foo.bar`), and attributes of classes are not.
    It also finds positional calls of `softmax_cross_entropy_with_logits`,
    `sparse_softmax_cross_entropy_with_logits` and `sigmoid_cross_entropy_with_logits`, which
    TF 1.x refused: such code predates 1.0, when the order was (logits, labels).

    ## Why is this bad?
    The converted program fails with `AttributeError` on the first use of the name; nothing in
    TF 1.x or TF 2 answers to it. A positional cross-entropy call mapped by TF2's
    (labels, logits) order would swap logits and labels silently.

    ## Example
    ```python
    c = tf.sub(tf.mul(a, b), tf.neg(a))
    ```

    ## Use instead
    ```python
    c = tf.subtract(tf.multiply(a, b), tf.negative(a))
    ```

    ## Fix safety
    Safe for a small reviewed table of pre-1.0 renames whose TF 1.x successor takes the same
    arguments in the same order (`tf.mul` → `tf.multiply`, `tf.pack` → `tf.stack`,
    `tf.scalar_summary` → `tf.summary.scalar`, `tf.train.SummaryWriter` →
    `tf.summary.FileWriter`, ...): the name becomes the successor, which then takes the usual
    TF1 → TF2 mapping. Summary tags are prefixed by the enclosing name scope in TF 1.x, as they
    were not before. Other names and positional cross-entropy calls get no fix: a typo or a
    changed argument order needs a person.
    """

    CODE = "TF106"
    NAME = "unknown-api"
    FIX = FixClass.SAFE
    MESSAGE = "`{name}` is {declined}"
    kinds = frozenset({"nonexistent", "pre_1_0", "positional_loss"})
    VALID = (
        "import tensorflow as tf\nc = tf.subtract(tf.multiply(a, b), tf.negative(a))\n",
        # absl flags behind tf.app.flags are not listed in the table: not judged
        "import tensorflow as tf\nFLAGS = tf.app.flags.FLAGS\n",
        # TF2 code may pass labels and logits positionally
        "import tensorflow as tf\nloss = tf.nn.softmax_cross_entropy_with_logits(y, logits)\n",
    )
    INVALID = (
        Example(
            """
            import tensorflow as tf
            c = tf.sub(tf.mul(a, b), tf.neg(a))
            """,
            """
            import tensorflow as tf
            c = tf.subtract(tf.multiply(a, b), tf.negative(a))
            """,
        ),
        Example(
            """
            import tensorflow as tf
            c = tf.muliply(a, b)
            """
        ),
        Example(
            """
            import tensorflow as tf
            x = tf.placeholder(tf.float32, [None, 3])
            loss = tf.nn.softmax_cross_entropy_with_logits(logits, y)
            """
        ),
    )

    def check_reference(self, ref: Reference, info: ModuleInfo, plan: Plan) -> str | None:
        if ref.predates:  # analysed as its TF 1.x successor (see tf2port.analysis.names)
            message = f"`{ref.predates}` was removed before TensorFlow 1.0; TF 1.x calls it `{ref.name}`"
            if plan.target and plan.target != ref.name:
                message += f" (`{plan.target}` in TensorFlow 2)"
            return message
        rename = apidata.pre_1_0_rename(ref.name)
        if plan.kind == "pre_1_0" and rename is not None:
            return (f"`{ref.name}` was removed before TensorFlow 1.0; TF 1.x calls it `{rename.successor}`; "
                    f"not rewritten: {plan.declined}")
        if plan.kind == "positional_loss":
            return f"`{ref.name}` is called positionally: {plan.declined}"
        return self.MESSAGE.format(name=ref.name, declined=plan.declined)
