"""The rename/argument pass: hand-written before/after pairs, each with a no-op twin."""
from __future__ import annotations

import textwrap

import pytest

from tf2port import apidata
from tf2port.fix.api_names import _literal_kind
from tf2port.fix.pipeline import fix_text, lint_text
from tf2port.reviewed import PRE_1_0_CASES

ALL = lambda code, line: True  # noqa: E731


def fix(src: str) -> str:
    return fix_text(textwrap.dedent(src).lstrip("\n"), "t.py", ALL).text


def dd(src: str) -> str:
    return textwrap.dedent(src).lstrip("\n")


@pytest.mark.parametrize("case", apidata.reviewed_cases(), ids=lambda c: c.name)
def test_reviewed_case_converts_to_the_hand_written_tf2_text(case):
    # the module proves it is TF1 (compat.v1 import), as the original programs of these calls are
    src = f"import tensorflow.compat.v1 as tf\ny = {case.v1}\n"
    assert fix(src) == f"import tensorflow as tf\ny = {case.v2}\n"


@pytest.mark.parametrize(("before", "after"), [
    ("import tensorflow as t\ny = t.log(2.0)\n", "import tensorflow as t\ny = t.math.log(2.0)\n"),
    ("import tensorflow\ny = tensorflow.log(2.0)\n", "import tensorflow\ny = tensorflow.math.log(2.0)\n"),
    ("import tensorflow as tf\ny = tf.compat.v1.reduce_sum(x, keep_dims=True)\n",
     "import tensorflow as tf\ny = tf.reduce_sum(x, keepdims=True)\n"),
    ("import tensorflow as tf\nx = tf.placeholder(tf.float32)\ny = tf.nn.max_pool_v2(x, 2, 2, 'SAME')\n",
     "import tensorflow as tf\ntf.compat.v1.disable_eager_execution()\nx = tf.compat.v1.placeholder(tf.float32)\n"
     "y = tf.nn.max_pool(x, 2, 2, 'SAME')\n"),
    # positional arguments become keywords where TF2 moved or renamed them
    ("import tensorflow.compat.v1 as tf\ny = tf.nn.softmax(logits, 1)\n",
     "import tensorflow as tf\ny = tf.nn.softmax(logits, 1)\n"),
    ("import tensorflow.compat.v1 as tf\ny = tf.nn.dropout(h, 0.9, None, 3)\n",
     "import tensorflow as tf\ny = tf.nn.dropout(h, rate=1 - 0.9, noise_shape=None, seed=3)\n"),
    ("import tensorflow.compat.v1 as tf\ny = tf.nn.dropout(h, keep_prob=a + b)\n",
     "import tensorflow as tf\ny = tf.nn.dropout(h, rate=1 - (a + b))\n"),
    # a call that passes *args cannot be mapped: the TF1 object is kept, by its compat name
    ("import tensorflow.compat.v1 as tf\ny = tf.reduce_sum(*args)\n",
     "import tensorflow as tf\ny = tf.compat.v1.reduce_sum(*args)\n"),
    # TF1 defaults that TF2's object changed are passed explicitly
    ("import tensorflow.compat.v1 as tf\ninit = tf.random_normal_initializer()\n",
     "import tensorflow as tf\ninit = tf.random_normal_initializer(stddev=1.0)\n"),
    ("import tensorflow.compat.v1 as tf\ninit = tf.random_uniform_initializer(seed=1)\n",
     "import tensorflow as tf\ninit = tf.random_uniform_initializer(seed=1, minval=0.0, maxval=1.0)\n"),
    # comments and formatting around the edits are kept
    ("import tensorflow as tf\ny = tf.log(  # why\n    2.0)  # end\n",
     "import tensorflow as tf\ny = tf.math.log(  # why\n    2.0)  # end\n"),
])
def test_rewrites(before, after):
    assert fix(before) == after
    assert fix(after) == after  # idempotent


@pytest.mark.parametrize("source", [
    # a local name shadows the import
    "import tensorflow as tf\ndef f(tf):\n    return tf.log(2.0)\n",
    "import tensorflow as tf\ndef f():\n    tf = object()\n    return tf.log\n",
    # TF2 code: a drop rate, and labels that TF2 differentiates; nothing says the module is TF1
    "import tensorflow as tf\ny = tf.nn.dropout(h, 0.5)\n",
    "import tensorflow as tf\ny = tf.nn.softmax_cross_entropy_with_logits(labels=l, logits=z)\n",
    "import tensorflow as tf\ny = tf.nn.max_pool(x, 2, 2, 'SAME')\n",
    "import tensorflow as tf\ninit = tf.random_normal_initializer()\n",  # TF2 code: TF2 defaults
    # not TensorFlow at all
    "import numpy as np\ny = np.log(2.0)\n",
    "tf = load()\ny = tf.log(2.0)\n",
])
def test_noop(source):
    assert fix(source) == source
    assert not [d for d in lint_text(source, "t.py", ALL) if d.code.startswith("TF1")]


def test_from_import_is_reported_but_not_rewritten():
    source = "from tensorflow import nn\ny = nn.rnn_cell.LSTMCell(3)\nz = nn.log_softmax(x, dim=1)\n"
    assert fix(source) == source
    codes = [d.code for d in lint_text(source, "t.py", ALL)]
    assert "TF104" in codes or "TF402" in codes


def test_stop_gradient_wrap_is_not_repeated():
    src = "import tensorflow.compat.v1 as tf\nloss = tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=z)\n"
    once = fix(src)
    assert once == ("import tensorflow as tf\n"
                    "loss = tf.nn.softmax_cross_entropy_with_logits(labels=tf.stop_gradient(y), logits=z)\n")
    assert fix(once) == once


@pytest.mark.parametrize("case", PRE_1_0_CASES, ids=lambda c: c[0])
def test_pre_1_0_name_becomes_its_successors_tf2_spelling(case):
    name, old, _, tf2, graph = case
    switch = "tf.compat.v1.disable_eager_execution()\n" if "FileWriter" in tf2 else ""
    assert fix(f"import tensorflow.compat.v1 as tf\ny = {old}\n") == f"import tensorflow as tf\n{switch}y = {tf2}\n"


def test_pre_1_0_names_in_a_session_script_are_converted_with_it():
    before = """
        import tensorflow as tf

        a = tf.placeholder(tf.float32)
        b = tf.placeholder(tf.float32)
        c = tf.sub(tf.mul(a, b), tf.neg(a))
        with tf.Session() as sess:
            print(sess.run(c, feed_dict={a: 2.0, b: 3.0}))
        """
    assert fix(before) == dd("""
        import tensorflow as tf


        @tf.function(input_signature=[tf.TensorSpec(None, tf.float32), tf.TensorSpec(None, tf.float32)])
        def compute_c(a, b):
            c = tf.subtract(tf.multiply(a, b), tf.negative(a))
            return c


        print(compute_c(2.0, 3.0).numpy())
        """)


def test_pre_1_0_name_is_reported_with_its_successor():
    source = "import tensorflow as tf\ns = tf.scalar_summary('loss', x)\nc = tf.mul(a, b)\n"
    messages = [(d.code, d.message, d.fix_class.value) for d in lint_text(source, "t.py", ALL)]
    assert messages == [
        ("TF106", "`tf.scalar_summary` was removed before TensorFlow 1.0; TF 1.x calls it `tf.summary.scalar` "
                  "(`tf.compat.v1.summary.scalar` in TensorFlow 2)", "safe"),
        ("TF106", "`tf.mul` was removed before TensorFlow 1.0; TF 1.x calls it `tf.multiply`", "safe"),
    ]


@pytest.mark.parametrize("call", [
    "tf.scalar_summary(tags='loss', values=x)",  # keywords renamed in TF 1.x: a person decides
    "tf.scalar_summary('loss', x, None, 'op')",  # TF 0.x's op name has no place in summary.scalar
    "tf.mul(*pair)",
])
def test_pre_1_0_call_whose_arguments_do_not_pair_is_reported_not_rewritten(call):
    source = f"import tensorflow as tf\ny = {call}\n"
    assert fix(source) == source
    [diag] = [d for d in lint_text(source, "t.py", ALL) if d.code == "TF106"]
    assert "not rewritten" in diag.message and diag.fix_class.value == "none"


@pytest.mark.parametrize("name", ["tf.muliply", "tf.batch_matmul", "tf.nn.rnn", "tf.select", "tf.train.SumaryWriter",
                                  "tf.image.resize_imags"])
def test_name_tf1_never_had_is_reported_and_left(name):
    source = f"import tensorflow as tf\ny = {name}(a, b)\n"
    assert fix(source) == source
    [diag] = lint_text(source, "t.py", ALL)
    assert (diag.code, diag.message) == ("TF106", f"`{name}` is not a TensorFlow 1.x API (removed before 1.0, or misspelt)")


@pytest.mark.parametrize("source", [
    "import tensorflow as tf\nFLAGS = tf.app.flags.FLAGS\nF = tf.flags.FLAGS\n",  # absl behind tf.flags: not listed
    "import tensorflow as tf\nb = tf.compat.as_bytes('x')\n",  # tf.compat's members are not listed
    "import tensorflow as tf\nv = tf.__version__\n",
    "import tensorflow as tf\nd = tf.Tensor.some_method\n",  # members of classes are not judged
    "from tensorflow.core.protobuf import config_pb2\nc = config_pb2.ConfigProto()\n",
    "import tensorflow as tf\nimport tensorflow_hub as hub\nm = hub.foo.bar\n",
    "import tensorflow as tf\nx = tf.contrib.foo.bar(1)\n",  # reported as tf.contrib instead
])
def test_names_outside_the_listed_api_are_not_called_unknown(source):
    assert "TF106" not in [d.code for d in lint_text(source, "t.py", ALL)]


@pytest.mark.parametrize("loss", ["softmax_cross_entropy_with_logits", "sparse_softmax_cross_entropy_with_logits",
                                  "sigmoid_cross_entropy_with_logits"])
def test_positional_cross_entropy_in_tf1_code_is_reported_not_rewritten(loss):
    source = f"import tensorflow.compat.v1 as tf\nx = tf.placeholder(tf.float32)\nl = tf.nn.{loss}(logits, y)\n"
    assert fix(source).endswith(f"\nl = tf.nn.{loss}(logits, y)\n")
    [diag] = [d for d in lint_text(source, "t.py", ALL) if d.span.line == 3]
    assert (diag.code, diag.message) == (
        "TF106", f"`tf.nn.{loss}` is called positionally: positional arguments were not accepted by TF 1.x; "
                 "the pre-1.0 order was (logits, labels): pass labels= and logits= by keyword")
    assert diag.fix_class.value == "none"


def test_positional_cross_entropy_in_tf2_code_is_tf2_order():
    source = "import tensorflow as tf\nl = tf.nn.sparse_softmax_cross_entropy_with_logits(y, logits)\n"
    assert fix(source) == source
    assert lint_text(source, "t.py", ALL) == []


def test_keyword_cross_entropy_in_tf1_code_still_stops_label_gradients():
    source = "import tensorflow.compat.v1 as tf\nl = tf.nn.softmax_cross_entropy_with_logits(logits=z, labels=y)\n"
    assert fix(source) == ("import tensorflow as tf\n"
                           "l = tf.nn.softmax_cross_entropy_with_logits(logits=z, labels=tf.stop_gradient(y))\n")


def test_tf1_enum_int_default_is_never_filled_into_a_tf2_string_argument():
    # resize_images' TF1 default method=0 once became `method=0`, which TF2's resize rejects
    assert _literal_kind("0") != _literal_kind("'bilinear'")
    assert _literal_kind("0") == _literal_kind("0.0")
    source = "import tensorflow as tf\nh = tf.image.resize_images(img, [8, 8])\n"
    assert fix(source) == "import tensorflow as tf\nh = tf.compat.v1.image.resize_images(img, [8, 8])\n"


def test_tf2_only_names_are_not_called_unknown():
    # tf2port's own output (and TF2 code) uses names TF1 never had
    source = "import tensorflow as tf\ntf.random.set_seed(1)\nw = tf.summary.create_file_writer('logs')\n"
    assert "TF106" not in [d.code for d in lint_text(source, "t.py", ALL)]


def test_only_direct_members_of_a_listed_module_are_judged():
    # `tf.foo` is no module the table lists (an attribute someone set?): what lies under it is not judged
    source = "import tensorflow as tf\ny = tf.foo.bar(1)\nz = tf.nn.rnn(cell, x)\n"
    assert [d.message for d in lint_text(source, "t.py", ALL) if d.code == "TF106"] == [
        "`tf.nn.rnn` is not a TensorFlow 1.x API (removed before 1.0, or misspelt)"]
