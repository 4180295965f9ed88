from __future__ import annotations

from tf2port.analysis.names import MethodCall, ModuleInfo, Reference
from tf2port.diagnostics import FixClass
from tf2port.fix.api_names import Plan
from tf2port.rules.base import Example, Rule
from tf2port.rules.graph.evidence import is_tf1_module, spelled_v1

ITERATOR = "tf.data.Iterator"
TF1_ITERATOR_CONSTRUCTORS = frozenset({"from_structure", "from_string_handle"})


class DatasetIterator(Rule):
    """A TF1 dataset iterator: `make_one_shot_iterator`, `make_initializable_iterator`, `tf.data.Iterator`.

    ## What it does
    Finds the dataset methods `.make_one_shot_iterator()` and
    `.make_initializable_iterator()` in modules that import TensorFlow, the functions
    `tf.data.make_one_shot_iterator` / `tf.data.make_initializable_iterator` /
    `tf.data.get_output_shapes` (`_types`, `_classes`), and the TF1 iterator class:
    `tf.data.Iterator.from_structure` / `from_string_handle` always, and a bare
    `tf.data.Iterator` only in TF1 modules (TF2 code uses the TF2 class of the same name in
    `isinstance` checks and type hints).

    ## Why is this bad?
    TF1 iterators are graph objects: `get_next()` returns a tensor that yields the next
    element each time a session runs it, and initializable iterators need their initializer
    run first. TF2 datasets have no `make_one_shot_iterator` method (`AttributeError`); a
    dataset is a Python iterable.

    ## Example
    ```python
    iterator = dataset.make_one_shot_iterator()
    next_batch = iterator.get_next()
    while True:
        sess.run(train_op, feed_dict=...)
    ```

    ## Use instead
    ```python
    for batch in dataset:
        train_step(batch)
    ```

    ## Fix safety
    Safe fallback for the functions: spelled `tf.compat.v1.data.<name>`, the identical objects.
    The method calls get no fix (`tf.compat.v1.data.make_one_shot_iterator(dataset)` is the
    mechanical form); the finding stays until the loop iterates the dataset.
    """

    CODE = "TF602"
    NAME = "dataset-iterator"
    FIX = FixClass.SAFE
    MESSAGE = "`{name}` is a TF1 graph iterator; in TF2 iterate the dataset directly (`for batch in dataset:`)"
    methods = frozenset({"make_one_shot_iterator", "make_initializable_iterator"})
    names = frozenset({
        "tf.data.make_one_shot_iterator", "tf.data.make_initializable_iterator", ITERATOR,
        "tf.data.get_output_shapes", "tf.data.get_output_types", "tf.data.get_output_classes",
    })
    prefixes = (ITERATOR + ".",)
    VALID = (
        "import tensorflow as tf\nfor batch in dataset:\n    step(batch)\n",
        # the TF2 iterator class in a TF2 module
        "import tensorflow as tf\nif isinstance(it, tf.data.Iterator):\n    pass\n",
    )
    INVALID = (
        Example(
            """
            import tensorflow as tf
            iterator = dataset.make_one_shot_iterator()
            """
        ),
        Example(
            """
            import tensorflow as tf
            iterator = tf.data.make_initializable_iterator(dataset)
            """,
            """
            import tensorflow as tf
            iterator = tf.compat.v1.data.make_initializable_iterator(dataset)
            """,
        ),
        Example(
            """
            import tensorflow.compat.v1 as tf
            iterator = tf.data.Iterator.from_structure(types, shapes)
            """,
            """
            import tensorflow as tf
            iterator = tf.compat.v1.data.Iterator.from_structure(types, shapes)
            """,
        ),
        # `from_structure` exists only on the TF1 class, so it is reported in any module
        Example(
            """
            import tensorflow as tf
            iterator = tf.data.Iterator.from_structure(types, shapes)
            """
        ),
    )

    def check_method(self, call: MethodCall, info: ModuleInfo) -> str | None:
        if not info.uses_tensorflow:
            return None
        return self.MESSAGE.format(name=f".{call.method}()")

    def check_reference(self, ref: Reference, info: ModuleInfo, plan: Plan) -> str | None:
        if ref.name == ITERATOR or (ref.name.startswith(ITERATOR + ".")
                                    and ref.name.split(".")[3] not in TF1_ITERATOR_CONSTRUCTORS):
            if not (spelled_v1(ref) or is_tf1_module(info)):
                return None
        return self.MESSAGE.format(name=ref.name)
