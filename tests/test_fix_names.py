"""The rename/argument pass: hand-written before/after pairs, each with a no-op twin."""
from __future__ import annotations

import textwrap

import pytest

from tf2port import apidata
from tf2port.fix.pipeline import fix_text, lint_text

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
