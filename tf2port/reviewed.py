"""Hand-reviewed API facts that introspecting TensorFlow cannot tell.

Why this exists: signatures show that ``tf.reduce_sum`` lost ``keep_dims``, but not that it
became ``keepdims``; they cannot say that ``keep_prob=p`` means ``rate=1 - p``. Each fact below
was checked by hand and carries a comment saying why. ``CASES`` turns every fact into a test:
a TF1 call evaluated under ``tf.compat.v1`` must equal the hand-written TF2 call under TF2
(``tests/test_apidata_reviewed.py``). The generator merges these tables into
``tf2port/data/api_v1.json``; edit here, then rerun ``scripts/gen_api_tables.py``.

Plain data only: importing this module must stay cheap and never import TensorFlow.
"""
from __future__ import annotations

import hashlib
import json

# The fixed vocabulary of special call rewrites the fix pass implements.
SPECIAL_KINDS = (
    "cast",  # tf.to_float(x) -> tf.cast(x, <dtype>); options: dtype
    "keep_prob_to_rate",  # tf.nn.dropout(x, keep_prob=p) -> tf.nn.dropout(x, rate=1 - p); options: from, to
    "stop_gradient_labels",  # softmax xent v1 -> v2 with labels=tf.stop_gradient(labels); options: param
)

KERAS_POLICY = (
    "tf.keras.* in TF1-era code keeps its tf.keras.* spelling. Under TF 2.21 with default Keras 3 "
    "tf.compat.v1.keras and tf.keras both load Keras 3, so those entries are classified by identity "
    "like any other symbol (almost all native). Names that resolve only under the tf-keras v1 API "
    "(TF_USE_LEGACY_KERAS=1) are legacy_keras. tf.keras.optimizers.legacy is never emitted: under "
    "Keras 3 it is a stub (its attributes are unrelated warning classes), so it is not walked and is "
    "listed as removed."
)

_REDUCE = {"keep_dims": "keepdims", "reduction_indices": "axis"}

# v1 keyword -> v2 keyword, for keywords that TF deprecated and TF2 removed under a new name.
ARG_RENAMES: dict[str, dict[str, str]] = {
    # Reductions: TF1 accepted keep_dims and reduction_indices as deprecated aliases; TF2
    # accepts only keepdims and axis (same meaning).
    "tf.reduce_sum": _REDUCE,
    "tf.reduce_mean": _REDUCE,
    "tf.reduce_max": _REDUCE,
    "tf.reduce_min": _REDUCE,
    "tf.reduce_prod": _REDUCE,
    "tf.reduce_all": _REDUCE,
    "tf.reduce_any": _REDUCE,
    "tf.reduce_logsumexp": _REDUCE,
    "tf.math.reduce_sum": _REDUCE,
    "tf.math.reduce_mean": _REDUCE,
    "tf.math.reduce_max": _REDUCE,
    "tf.math.reduce_min": _REDUCE,
    "tf.math.reduce_prod": _REDUCE,
    # count_nonzero also renamed its tensor argument: input_tensor (v1) is input (v2).
    "tf.count_nonzero": {"keep_dims": "keepdims", "reduction_indices": "axis", "input_tensor": "input"},
    # reduce_join: same deprecated aliases as the numeric reductions.
    "tf.reduce_join": _REDUCE,
    # moments and norm: keep_dims was a deprecated alias of keepdims.
    "tf.nn.moments": {"keep_dims": "keepdims"},
    "tf.norm": {"keep_dims": "keepdims"},
    # argmax/argmin: dimension was the deprecated alias of axis.
    "tf.argmax": {"dimension": "axis"},
    "tf.argmin": {"dimension": "axis"},
    "tf.math.argmax": {"dimension": "axis"},
    "tf.math.argmin": {"dimension": "axis"},
    # expand_dims(dim=) and squeeze(squeeze_dims=) were deprecated aliases of axis.
    "tf.expand_dims": {"dim": "axis"},
    "tf.squeeze": {"squeeze_dims": "axis"},
    # softmax family: dim was the deprecated alias of axis.
    "tf.nn.softmax": {"dim": "axis"},
    "tf.nn.log_softmax": {"dim": "axis"},
    "tf.nn.softmax_cross_entropy_with_logits": {"dim": "axis"},
    "tf.nn.softmax_cross_entropy_with_logits_v2": {"dim": "axis"},
    # Pooling: TF1 named the tensor `value`; TF2 names it `input`.
    "tf.nn.max_pool": {"value": "input"},
    "tf.nn.avg_pool": {"value": "input"},
    # conv2d: the kernel argument is `filters` in TF2 (TF1 `filter`).
    "tf.nn.conv2d": {"filter": "filters"},
    # ones_like/zeros_like: TF1 named the tensor `tensor`, TF2 `input` (same position, same meaning);
    # TF1's `optimize` has no TF2 counterpart and keeps the compat form.
    "tf.ones_like": {"tensor": "input"},
    "tf.zeros_like": {"tensor": "input"},
}

# v1 name -> (kind, TF2 callable to emit, options).
SPECIALS: dict[str, tuple[str, str, dict[str, str]]] = {
    # tf.to_* were removed in TF2; each is exactly a cast to one dtype.
    "tf.to_float": ("cast", "tf.cast", {"dtype": "tf.float32"}),
    "tf.to_double": ("cast", "tf.cast", {"dtype": "tf.float64"}),
    "tf.to_int32": ("cast", "tf.cast", {"dtype": "tf.int32"}),
    "tf.to_int64": ("cast", "tf.cast", {"dtype": "tf.int64"}),
    "tf.to_bfloat16": ("cast", "tf.cast", {"dtype": "tf.bfloat16"}),
    "tf.to_complex64": ("cast", "tf.cast", {"dtype": "tf.complex64"}),
    "tf.to_complex128": ("cast", "tf.cast", {"dtype": "tf.complex128"}),
    # TF2 dropout takes the drop probability: rate = 1 - keep_prob.
    "tf.nn.dropout": ("keep_prob_to_rate", "tf.nn.dropout", {"from": "keep_prob", "to": "rate"}),
    # TF1 softmax xent did not backpropagate into labels; TF2's does, so wrap labels.
    "tf.nn.softmax_cross_entropy_with_logits": (
        "stop_gradient_labels",
        "tf.nn.softmax_cross_entropy_with_logits",
        {"param": "labels"},
    ),
}

# v1 name with no identical TF2 object -> (TF2 counterpart under another name, advice).
CORRESPONDENCES: dict[str, tuple[str, str]] = {
    # The _v2 variant already backpropagates into labels, exactly like the TF2 function.
    "tf.nn.softmax_cross_entropy_with_logits_v2": (
        "tf.nn.softmax_cross_entropy_with_logits",
        "TF2's softmax_cross_entropy_with_logits is the former _v2 function; dim is now axis.",
    ),
    # multinomial was renamed categorical; output_dtype became dtype.
    "tf.multinomial": ("tf.random.categorical", "tf.multinomial became tf.random.categorical (output_dtype is dtype)."),
    "tf.random.multinomial": ("tf.random.categorical", "tf.random.multinomial became tf.random.categorical (output_dtype is dtype)."),
    # py_func's TF2 successor with the same arguments; it still calls the Python function.
    "tf.py_func": ("tf.numpy_function", "tf.py_func became tf.numpy_function (same arguments)."),
    # The global seed setter; graph and eager seeds produce different streams (TF1_SEMANTICS).
    "tf.set_random_seed": (
        "tf.random.set_seed",
        "tf.set_random_seed became tf.random.set_seed; the same seed gives different numbers in TF2.",
    ),
    "tf.random.set_random_seed": (
        "tf.random.set_seed",
        "tf.random.set_random_seed became tf.random.set_seed; the same seed gives different numbers in TF2.",
    ),
}
# Argument renames that apply to correspondences (positional order is derived from signatures).
ARG_RENAMES["tf.multinomial"] = {"output_dtype": "dtype"}
ARG_RENAMES["tf.random.multinomial"] = {"output_dtype": "dtype"}

# TF1 names whose TF2 object of the same (or corresponding) name computes something else, so
# the fix keeps the tf.compat.v1 spelling (which runs eagerly on TF 2.21) -> advice.
KEEP_COMPAT: dict[str, str] = {
    # TF1 resize_images samples without half-pixel centres (align_corners=False is the legacy
    # scaling) and its method default is the enum int 0; TF2's tf.image.resize uses half-pixel
    # centres (values differ by up to ~0.2 on a 4x4 -> 8x8 bilinear resize) and rejects method=0.
    "tf.image.resize_images": (
        "tf.image.resize in TF2 samples at half-pixel centres and takes string methods; "
        "tf.compat.v1.image.resize_images keeps the TF1 values."
    ),
    # In TF1.x tf.image.resize is the same function as resize_images.
    "tf.image.resize": (
        "TF1's tf.image.resize is resize_images; TF2's samples at half-pixel centres and takes string methods, "
        "so tf.compat.v1.image.resize keeps the TF1 values."
    ),
}

# Names removed before TensorFlow 1.0 whose TF 1.x successor takes the same arguments in the
# same order -> (TF 1.x name, old parameter names, the successor's names for them, position by
# position). Checked against the TF 0.12 and 1.0 signatures; a call that passes a keyword whose
# name changed, or a parameter not listed, is reported but not rewritten. Left out on purpose:
# tf.concat / tf.split (argument order changed in 1.0), tf.batch_matmul (matmul takes adjoint_a/b
# instead of adj_x/adj_y), tf.nn.rnn (static_rnn differs), tf.select (where broadcasts differently
# in TF2), tf.image_summary (max_images became max_outputs).
PRE_1_0_RENAMES: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "tf.mul": ("tf.multiply", ("x", "y", "name"), ("x", "y", "name")),
    "tf.sub": ("tf.subtract", ("x", "y", "name"), ("x", "y", "name")),
    "tf.neg": ("tf.negative", ("x", "name"), ("x", "name")),
    "tf.pack": ("tf.stack", ("values", "axis", "name"), ("values", "axis", "name")),
    "tf.unpack": ("tf.unstack", ("value", "num", "axis", "name"), ("value", "num", "axis", "name")),
    # The tag became `name` and is prefixed by the enclosing name scope in TF 1.x (same tag at
    # top level); TF 0.x's op `name` argument has no counterpart, so it is not listed.
    "tf.scalar_summary": ("tf.summary.scalar", ("tags", "values", "collections"), ("name", "tensor", "collections")),
    "tf.histogram_summary": ("tf.summary.histogram", ("tag", "values", "collections"), ("name", "values", "collections")),
    "tf.merge_all_summaries": ("tf.summary.merge_all", ("key",), ("key",)),
    "tf.train.SummaryWriter": (
        "tf.summary.FileWriter",
        ("logdir", "graph", "max_queue", "flush_secs", "graph_def"),
        ("logdir", "graph", "max_queue", "flush_secs", "graph_def"),
    ),
}

# Better advice than the generic "keep tf.compat.v1" for the commonest graph-mode symbols.
ADVICE: dict[str, str] = {
    "tf.placeholder": "Graph input; the TF2 form is a function parameter (the graph-to-eager rewrite does this).",
    "tf.Session": "TF2 runs eagerly; sess.run(fetches) becomes calling a tf.function that computes them.",
    "tf.global_variables_initializer": "TF2 variables are initialised when created; the run of this op disappears.",
    "tf.get_variable": "Create tf.Variable objects once (or Keras layer weights) instead of variable scopes.",
    "tf.variable_scope": "Variable scopes do not exist in TF2; variables belong to the objects that create them.",
    "tf.train.GradientDescentOptimizer": "Use tf.keras.optimizers.SGD(learning_rate) with tf.GradientTape.",
    "tf.train.MomentumOptimizer": "Use tf.keras.optimizers.SGD(learning_rate, momentum=m); use_nesterov is nesterov.",
    "tf.train.AdamOptimizer": "Use tf.keras.optimizers.Adam and pass epsilon=1e-8 explicitly (Keras defaults to 1e-7).",
    "tf.train.RMSPropOptimizer": "tf.keras.optimizers.RMSprop differs: TF1 starts the accumulator at 1.0 and uses epsilon 1e-10.",
    "tf.train.Saver": "Use tf.train.Checkpoint (object-based); checkpoints are not name-compatible.",
    "tf.summary.FileWriter": "Use tf.summary.create_file_writer with tf.summary.scalar inside `with writer.as_default()`.",
}

# Names that resolve only with tf-keras and TF_USE_LEGACY_KERAS=1 -> (Keras 3 replacement, advice).
# None of these is a drop-in rename: the layer becomes an object created once and then called.
LEGACY_KERAS_REPLACEMENTS: dict[str, tuple[str, str]] = {
    "tf.layers.dense": ("tf.keras.layers.Dense", "Create tf.keras.layers.Dense(units, ...) once and call it on the input."),
    "tf.layers.conv2d": ("tf.keras.layers.Conv2D", "Create tf.keras.layers.Conv2D(filters, kernel_size, ...) once and call it."),
    "tf.layers.max_pooling2d": ("tf.keras.layers.MaxPooling2D", "Create tf.keras.layers.MaxPooling2D(pool_size, strides) and call it."),
    "tf.layers.average_pooling2d": ("tf.keras.layers.AveragePooling2D", "Create tf.keras.layers.AveragePooling2D and call it."),
    "tf.layers.flatten": ("tf.keras.layers.Flatten", "Call tf.keras.layers.Flatten() on the input."),
    "tf.layers.dropout": ("tf.keras.layers.Dropout", "tf.keras.layers.Dropout(rate) called with training=...; rate is the drop probability in both."),
    "tf.layers.batch_normalization": ("tf.keras.layers.BatchNormalization", "Create tf.keras.layers.BatchNormalization once; pass training=... when calling; no UPDATE_OPS collection."),
    "tf.layers.Dense": ("tf.keras.layers.Dense", "The Keras 3 Dense layer; same constructor arguments for the common cases."),
    "tf.layers.Conv2D": ("tf.keras.layers.Conv2D", "The Keras 3 Conv2D layer."),
    "tf.nn.rnn_cell.LSTMCell": ("tf.keras.layers.LSTMCell", "Keras LSTMCell inside tf.keras.layers.RNN; gate layout and weights differ from TF1."),
    "tf.nn.rnn_cell.BasicLSTMCell": ("tf.keras.layers.LSTMCell", "Keras LSTMCell inside tf.keras.layers.RNN; TF1 forget_bias=1.0 is unit_forget_bias."),
    "tf.nn.rnn_cell.GRUCell": ("tf.keras.layers.GRUCell", "Keras GRUCell inside tf.keras.layers.RNN; weights differ from TF1's layout."),
    "tf.nn.rnn_cell.BasicRNNCell": ("tf.keras.layers.SimpleRNNCell", "Keras SimpleRNNCell inside tf.keras.layers.RNN."),
    "tf.nn.rnn_cell.MultiRNNCell": ("tf.keras.layers.StackedRNNCells", "Stack Keras cells with tf.keras.layers.StackedRNNCells."),
}

# APIs absent from TF 2.21 altogether -> (advice, replacement, replacement is a drop-in for the common call).
REMOVED: dict[str, tuple[str, str | None, bool]] = {
    # xavier_initializer() defaults (uniform=True, fan-average) are exactly Glorot uniform.
    "tf.contrib.layers.xavier_initializer": (
        "Removed with tf.contrib; the no-argument call is tf.keras.initializers.GlorotUniform() "
        "(uniform=False corresponds to GlorotNormal).",
        "tf.keras.initializers.GlorotUniform",
        True,
    ),
    "tf.contrib.layers.xavier_initializer_conv2d": (
        "Removed with tf.contrib; the no-argument call is tf.keras.initializers.GlorotUniform().",
        "tf.keras.initializers.GlorotUniform",
        True,
    ),
    # contrib's l2_regularizer(scale) computes scale * sum(w**2) / 2; Keras L2(l2) has no /2.
    "tf.contrib.layers.l2_regularizer": (
        "Removed with tf.contrib; tf.keras.regularizers.L2(scale / 2) gives the same penalty (TF1 halved the sum).",
        None,
        False,
    ),
    "tf.contrib.layers.variance_scaling_initializer": (
        "Removed with tf.contrib; its defaults (factor=2.0, FAN_IN, truncated normal) match tf.keras.initializers.HeNormal() "
        "up to the truncation constant.",
        None,
        False,
    ),
    "tf.contrib.layers.fully_connected": (
        "Removed with tf.contrib; create tf.keras.layers.Dense(num_outputs, activation='relu') once and call it "
        "(contrib's default activation is relu).",
        "tf.keras.layers.Dense",
        False,
    ),
    "tf.contrib.layers.flatten": ("Removed with tf.contrib; call tf.keras.layers.Flatten() on the input.", "tf.keras.layers.Flatten", False),
    # The tf.data constant moved out of contrib unchanged.
    "tf.contrib.data.AUTOTUNE": ("Moved to tf.data.AUTOTUNE.", "tf.data.AUTOTUNE", True),
    # defun(f) and tf.function(f) both trace f into a graph function; the plain call matches.
    "tf.contrib.eager.defun": ("Became tf.function; the plain decorator/call form is the same.", "tf.function", True),
    "tf.contrib.layers.conv2d": (
        "Removed with tf.contrib; create tf.keras.layers.Conv2D(num_outputs, kernel_size, padding='same', "
        "activation='relu') once and call it (contrib defaults: SAME padding, relu).",
        "tf.keras.layers.Conv2D",
        False,
    ),
    # contrib batch_norm: decay=0.999, scale=False by default; Keras: momentum=0.99, scale=True.
    "tf.contrib.layers.batch_norm": (
        "Removed with tf.contrib; use tf.keras.layers.BatchNormalization(momentum=0.999, scale=False) to keep "
        "contrib's defaults, and pass training=... when calling.",
        "tf.keras.layers.BatchNormalization",
        False,
    ),
    "tf.contrib.layers.dropout": (
        "Removed with tf.contrib; tf.keras.layers.Dropout(rate=1 - keep_prob), called with training=....",
        "tf.keras.layers.Dropout",
        False,
    ),
    "tf.contrib.rnn.MultiRNNCell": ("Removed with tf.contrib; stack Keras cells with tf.keras.layers.StackedRNNCells.", "tf.keras.layers.StackedRNNCells", False),
    "tf.contrib.rnn.LSTMCell": ("Removed with tf.contrib; use tf.keras.layers.LSTMCell inside tf.keras.layers.RNN.", "tf.keras.layers.LSTMCell", False),
    "tf.contrib.rnn.BasicLSTMCell": ("Removed with tf.contrib; use tf.keras.layers.LSTMCell inside tf.keras.layers.RNN.", "tf.keras.layers.LSTMCell", False),
    "tf.contrib.rnn.GRUCell": ("Removed with tf.contrib; use tf.keras.layers.GRUCell inside tf.keras.layers.RNN.", "tf.keras.layers.GRUCell", False),
}

# Whole removed namespaces -> advice (the longest matching prefix wins).
REMOVED_PREFIXES: dict[str, str] = {
    "tf.contrib": "tf.contrib was removed in TF 2.0; use the core TF2 or Keras equivalent of each symbol.",
    "tf.contrib.slim": "tf.contrib.slim now lives in the tf-slim package (import tf_slim as slim), which needs tf.compat.v1 graph mode.",
    "tf.contrib.rnn": "tf.contrib.rnn was removed; use Keras RNN cells inside tf.keras.layers.RNN.",
    "tf.contrib.data": "tf.contrib.data moved to tf.data.experimental.",
    "tf.contrib.eager": "TF2 executes eagerly by default; most of tf.contrib.eager became core (tf.function, tf.Variable).",
    "tf.contrib.learn": "tf.contrib.learn was removed; use Keras models and tf.data.",
    "tf.contrib.seq2seq": "tf.contrib.seq2seq was removed; its successor is the TensorFlow Addons / Keras-NLP ecosystem.",
    "tf.estimator": "tf.estimator was removed in TF 2.16; rewrite the model_fn as a Keras model or a custom training loop.",
    "tf.examples.tutorials": "tensorflow.examples.tutorials was removed; load MNIST with tf.keras.datasets.mnist.load_data().",
    "tf.keras.optimizers.legacy": "tf.keras.optimizers.legacy does not exist under Keras 3; use tf.keras.optimizers.<Name> "
    "(check epsilon and other defaults).",
}

# Test cases: (v1 name, TF1 call under tf.compat.v1, the exact TF2 text it must become).
# Inputs are literals so both sides compute on identical data.
CASES: list[tuple[str, str, str]] = [
    ("tf.reduce_sum", "tf.reduce_sum([[1.0, 2.0], [3.0, 4.0]], reduction_indices=1, keep_dims=True)",
     "tf.reduce_sum([[1.0, 2.0], [3.0, 4.0]], axis=1, keepdims=True)"),
    ("tf.reduce_mean", "tf.reduce_mean([[1.0, 2.0], [3.0, 5.0]], reduction_indices=0)",
     "tf.reduce_mean([[1.0, 2.0], [3.0, 5.0]], axis=0)"),
    ("tf.reduce_max", "tf.reduce_max([[1.0, 7.0], [3.0, 4.0]], 1, keep_dims=True)",
     "tf.reduce_max([[1.0, 7.0], [3.0, 4.0]], 1, keepdims=True)"),
    ("tf.reduce_min", "tf.reduce_min([[1.0, 7.0], [3.0, 4.0]], reduction_indices=[0, 1])",
     "tf.reduce_min([[1.0, 7.0], [3.0, 4.0]], axis=[0, 1])"),
    ("tf.reduce_prod", "tf.reduce_prod([[1.0, 2.0], [3.0, 4.0]], reduction_indices=1, keep_dims=False)",
     "tf.reduce_prod([[1.0, 2.0], [3.0, 4.0]], axis=1, keepdims=False)"),
    ("tf.reduce_all", "tf.reduce_all([[True, False], [True, True]], reduction_indices=1)",
     "tf.reduce_all([[True, False], [True, True]], axis=1)"),
    ("tf.reduce_any", "tf.reduce_any([[True, False], [False, False]], reduction_indices=1, keep_dims=True)",
     "tf.reduce_any([[True, False], [False, False]], axis=1, keepdims=True)"),
    ("tf.reduce_logsumexp", "tf.reduce_logsumexp([[0.0, 1.0], [2.0, 3.0]], reduction_indices=1)",
     "tf.reduce_logsumexp([[0.0, 1.0], [2.0, 3.0]], axis=1)"),
    ("tf.math.reduce_sum", "tf.math.reduce_sum([[1.0, 2.0], [3.0, 4.0]], keep_dims=True)",
     "tf.math.reduce_sum([[1.0, 2.0], [3.0, 4.0]], keepdims=True)"),
    ("tf.math.reduce_mean", "tf.math.reduce_mean([[1.0, 2.0], [3.0, 4.0]], reduction_indices=1)",
     "tf.math.reduce_mean([[1.0, 2.0], [3.0, 4.0]], axis=1)"),
    ("tf.math.reduce_max", "tf.math.reduce_max([[1.0, 2.0], [3.0, 4.0]], reduction_indices=0, keep_dims=True)",
     "tf.math.reduce_max([[1.0, 2.0], [3.0, 4.0]], axis=0, keepdims=True)"),
    ("tf.math.reduce_min", "tf.math.reduce_min([[1.0, 2.0], [3.0, 4.0]], reduction_indices=0)",
     "tf.math.reduce_min([[1.0, 2.0], [3.0, 4.0]], axis=0)"),
    ("tf.math.reduce_prod", "tf.math.reduce_prod([[1.0, 2.0], [3.0, 4.0]], keep_dims=True)",
     "tf.math.reduce_prod([[1.0, 2.0], [3.0, 4.0]], keepdims=True)"),
    ("tf.count_nonzero", "tf.count_nonzero(input_tensor=[[0, 1], [2, 0]], reduction_indices=1, keep_dims=True)",
     "tf.math.count_nonzero(input=[[0, 1], [2, 0]], axis=1, keepdims=True)"),
    ("tf.reduce_join", "tf.reduce_join([['a', 'b'], ['c', 'd']], reduction_indices=1, keep_dims=True)",
     "tf.strings.reduce_join([['a', 'b'], ['c', 'd']], axis=1, keepdims=True)"),
    ("tf.nn.moments", "tf.nn.moments(tf.constant([[1.0, 2.0], [3.0, 6.0]]), [1], keep_dims=True)",
     "tf.nn.moments(tf.constant([[1.0, 2.0], [3.0, 6.0]]), [1], keepdims=True)"),
    ("tf.norm", "tf.norm([[3.0, 4.0], [6.0, 8.0]], axis=1, keep_dims=True)",
     "tf.norm([[3.0, 4.0], [6.0, 8.0]], axis=1, keepdims=True)"),
    ("tf.ones_like", "tf.ones_like(tensor=[[1, 2], [3, 4]], dtype=tf.float32)",
     "tf.ones_like(input=[[1, 2], [3, 4]], dtype=tf.float32)"),
    ("tf.zeros_like", "tf.zeros_like([[1.5, 2.0]])", "tf.zeros_like(input=[[1.5, 2.0]])"),
    ("tf.argmax", "tf.argmax([[1.0, 9.0, 3.0], [7.0, 2.0, 3.0]], dimension=1)",
     "tf.argmax([[1.0, 9.0, 3.0], [7.0, 2.0, 3.0]], axis=1)"),
    ("tf.argmin", "tf.argmin([[1.0, 9.0, 3.0], [7.0, 2.0, 3.0]], dimension=0)",
     "tf.argmin([[1.0, 9.0, 3.0], [7.0, 2.0, 3.0]], axis=0)"),
    ("tf.math.argmax", "tf.math.argmax([[1.0, 9.0], [7.0, 2.0]], dimension=1)",
     "tf.math.argmax([[1.0, 9.0], [7.0, 2.0]], axis=1)"),
    ("tf.math.argmin", "tf.math.argmin([[1.0, 9.0], [7.0, 2.0]], dimension=1)",
     "tf.math.argmin([[1.0, 9.0], [7.0, 2.0]], axis=1)"),
    ("tf.expand_dims", "tf.expand_dims([1.0, 2.0], dim=1)", "tf.expand_dims([1.0, 2.0], axis=1)"),
    ("tf.squeeze", "tf.squeeze([[[1.0], [2.0]]], squeeze_dims=[0, 2])", "tf.squeeze([[[1.0], [2.0]]], axis=[0, 2])"),
    ("tf.nn.softmax", "tf.nn.softmax([[1.0, 2.0], [3.0, 5.0]], dim=0)", "tf.nn.softmax([[1.0, 2.0], [3.0, 5.0]], axis=0)"),
    ("tf.nn.log_softmax", "tf.nn.log_softmax([[1.0, 2.0], [3.0, 5.0]], dim=0)",
     "tf.nn.log_softmax([[1.0, 2.0], [3.0, 5.0]], axis=0)"),
    ("tf.nn.softmax_cross_entropy_with_logits",
     "tf.nn.softmax_cross_entropy_with_logits(labels=[[0.0, 1.0], [1.0, 0.0]], logits=[[1.0, 2.0], [3.0, 0.5]], dim=0)",
     "tf.nn.softmax_cross_entropy_with_logits(labels=tf.stop_gradient([[0.0, 1.0], [1.0, 0.0]]), "
     "logits=[[1.0, 2.0], [3.0, 0.5]], axis=0)"),
    ("tf.nn.softmax_cross_entropy_with_logits",
     "tf.nn.softmax_cross_entropy_with_logits(labels=[[0.2, 0.8]], logits=[[1.0, 2.0]])",
     "tf.nn.softmax_cross_entropy_with_logits(labels=tf.stop_gradient([[0.2, 0.8]]), logits=[[1.0, 2.0]])"),
    ("tf.nn.softmax_cross_entropy_with_logits_v2",
     "tf.nn.softmax_cross_entropy_with_logits_v2(labels=[[0.2, 0.8]], logits=[[1.0, 2.0]], dim=-1)",
     "tf.nn.softmax_cross_entropy_with_logits(labels=[[0.2, 0.8]], logits=[[1.0, 2.0]], axis=-1)"),
    ("tf.nn.max_pool", "tf.nn.max_pool(value=tf.constant([[[[1.0], [2.0]], [[3.0], [4.0]]]]), ksize=2, strides=1, padding='VALID')",
     "tf.nn.max_pool(input=tf.constant([[[[1.0], [2.0]], [[3.0], [4.0]]]]), ksize=2, strides=1, padding='VALID')"),
    ("tf.nn.avg_pool", "tf.nn.avg_pool(value=tf.constant([[[[1.0], [2.0]], [[3.0], [4.0]]]]), ksize=2, strides=1, padding='VALID')",
     "tf.nn.avg_pool(input=tf.constant([[[[1.0], [2.0]], [[3.0], [4.0]]]]), ksize=2, strides=1, padding='VALID')"),
    ("tf.nn.conv2d", "tf.nn.conv2d(tf.constant([[[[1.0], [2.0]], [[3.0], [4.0]]]]), filter=tf.constant([[[[1.0]], [[2.0]]]]), strides=1, padding='VALID')",
     "tf.nn.conv2d(tf.constant([[[[1.0], [2.0]], [[3.0], [4.0]]]]), filters=tf.constant([[[[1.0]], [[2.0]]]]), strides=1, padding='VALID')"),
    ("tf.to_float", "tf.to_float([1, 2, 3])", "tf.cast([1, 2, 3], tf.float32)"),
    ("tf.to_double", "tf.to_double([1, 2, 3])", "tf.cast([1, 2, 3], tf.float64)"),
    ("tf.to_int32", "tf.to_int32([1.7, -2.2])", "tf.cast([1.7, -2.2], tf.int32)"),
    ("tf.to_int64", "tf.to_int64([1.7, -2.2])", "tf.cast([1.7, -2.2], tf.int64)"),
    ("tf.to_bfloat16", "tf.to_bfloat16([1.5, 2.25])", "tf.cast([1.5, 2.25], tf.bfloat16)"),
    ("tf.to_complex64", "tf.to_complex64([1.5, 2.0])", "tf.cast([1.5, 2.0], tf.complex64)"),
    ("tf.to_complex128", "tf.to_complex128([1.5, 2.0])", "tf.cast([1.5, 2.0], tf.complex128)"),
    # Dropout is random; the maximum of a dropped-out tensor of ones is 1/keep_prob whatever the
    # mask, which pins the keep_prob -> rate arithmetic (all 4000 dropped has probability 0.75**4000).
    ("tf.nn.dropout", "tf.reduce_max(tf.nn.dropout(tf.ones([4000]), keep_prob=0.25))",
     "tf.reduce_max(tf.nn.dropout(tf.ones([4000]), rate=1 - 0.25))"),
    ("tf.nn.dropout", "tf.reduce_max(tf.nn.dropout(tf.ones([4000]), 0.5))",
     "tf.reduce_max(tf.nn.dropout(tf.ones([4000]), rate=1 - 0.5))"),
    # A logit of -1e9 has probability 0, so every sample is class 1 on both sides.
    ("tf.multinomial", "tf.multinomial([[-1e9, 0.0]], 5, output_dtype=tf.int32)",
     "tf.random.categorical([[-1e9, 0.0]], 5, dtype=tf.int32)"),
    ("tf.random.multinomial", "tf.random.multinomial([[-1e9, 0.0]], 3)", "tf.random.categorical([[-1e9, 0.0]], 3)"),
    ("tf.py_func", "tf.py_func(lambda a: a * 2.0, [tf.constant([1.0, 2.0])], tf.float32)",
     "tf.numpy_function(lambda a: a * 2.0, [tf.constant([1.0, 2.0])], tf.float32)"),
    ("tf.set_random_seed", "tf.set_random_seed(3)", "tf.random.set_seed(3)"),
    ("tf.random.set_random_seed", "tf.random.set_random_seed(3)", "tf.random.set_seed(3)"),
    # resize_images and its one-method siblings stay tf.compat.v1 (KEEP_COMPAT; the siblings have
    # no TF2 object at all): those run eagerly on TF 2.21 and give TF1's values.
    ("tf.image.resize_images", "tf.image.resize_images(tf.reshape(tf.range(16.0), [1, 4, 4, 1]), [8, 8])",
     "tf.compat.v1.image.resize_images(tf.reshape(tf.range(16.0), [1, 4, 4, 1]), [8, 8])"),
    ("tf.image.resize_images",
     "tf.image.resize_images(tf.reshape(tf.range(16.0), [1, 4, 4, 1]), [6, 6], method=tf.image.ResizeMethod.BICUBIC)",
     "tf.compat.v1.image.resize_images(tf.reshape(tf.range(16.0), [1, 4, 4, 1]), [6, 6], "
     "method=tf.compat.v1.image.ResizeMethod.BICUBIC)"),
    ("tf.image.resize", "tf.image.resize(tf.reshape(tf.range(16.0), [1, 4, 4, 1]), [8, 8])",
     "tf.compat.v1.image.resize(tf.reshape(tf.range(16.0), [1, 4, 4, 1]), [8, 8])"),
    ("tf.image.resize_bilinear", "tf.image.resize_bilinear(tf.reshape(tf.range(16.0), [1, 4, 4, 1]), [8, 8])",
     "tf.compat.v1.image.resize_bilinear(tf.reshape(tf.range(16.0), [1, 4, 4, 1]), [8, 8])"),
    ("tf.image.resize_nearest_neighbor",
     "tf.image.resize_nearest_neighbor(tf.reshape(tf.range(16.0), [1, 4, 4, 1]), [6, 6], align_corners=True)",
     "tf.compat.v1.image.resize_nearest_neighbor(tf.reshape(tf.range(16.0), [1, 4, 4, 1]), [6, 6], align_corners=True)"),
    ("tf.image.resize_bicubic", "tf.image.resize_bicubic(tf.reshape(tf.range(16.0), [1, 4, 4, 1]), [8, 8])",
     "tf.compat.v1.image.resize_bicubic(tf.reshape(tf.range(16.0), [1, 4, 4, 1]), [8, 8])"),
    ("tf.image.resize_area", "tf.image.resize_area(tf.reshape(tf.range(16.0), [1, 4, 4, 1]), [3, 3])",
     "tf.compat.v1.image.resize_area(tf.reshape(tf.range(16.0), [1, 4, 4, 1]), [3, 3])"),
]

# Pre-1.0 renames as tests: (old name, the call as pre-1.0 code wrote it, the same call with the
# TF 1.x successor (evaluated under tf.compat.v1), the exact TF2 text fix makes of the old call,
# whether that TF2 text needs graph mode, as tf.summary.merge_all and FileWriter do).
PRE_1_0_CASES: list[tuple[str, str, str, str, bool]] = [
    ("tf.mul", "tf.mul([1.5, 2.0], [3.0, -4.0])", "tf.multiply([1.5, 2.0], [3.0, -4.0])",
     "tf.multiply([1.5, 2.0], [3.0, -4.0])", False),
    ("tf.sub", "tf.sub([5.0, 2.0], [3.0, 4.5], name='d')", "tf.subtract([5.0, 2.0], [3.0, 4.5], name='d')",
     "tf.subtract([5.0, 2.0], [3.0, 4.5], name='d')", False),
    ("tf.neg", "tf.neg([1.0, -2.5])", "tf.negative([1.0, -2.5])", "tf.negative([1.0, -2.5])", False),
    ("tf.pack", "tf.pack([[1, 2], [3, 4]], axis=1)", "tf.stack([[1, 2], [3, 4]], axis=1)",
     "tf.stack([[1, 2], [3, 4]], axis=1)", False),
    ("tf.unpack", "tf.unpack([[1, 2, 3], [4, 5, 6]], 3, 1)", "tf.unstack([[1, 2, 3], [4, 5, 6]], 3, 1)",
     "tf.unstack([[1, 2, 3], [4, 5, 6]], 3, 1)", False),
    ("tf.scalar_summary", "tf.scalar_summary('loss', 2.5)", "tf.summary.scalar('loss', 2.5)",
     "tf.compat.v1.summary.scalar('loss', 2.5)", False),
    ("tf.histogram_summary", "tf.histogram_summary('w', [1.0, 2.0, 2.0, 5.0])",
     "tf.summary.histogram('w', [1.0, 2.0, 2.0, 5.0])", "tf.compat.v1.summary.histogram('w', [1.0, 2.0, 2.0, 5.0])", False),
    ("tf.merge_all_summaries", "[tf.scalar_summary('a', 1.0), tf.merge_all_summaries()][1]",
     "[tf.summary.scalar('a', 1.0), tf.summary.merge_all()][1]",
     "[tf.compat.v1.summary.scalar('a', 1.0), tf.compat.v1.summary.merge_all()][1]", True),
    ("tf.train.SummaryWriter", "tf.constant(tf.train.SummaryWriter('logs', max_queue=5).get_logdir())",
     "tf.constant(tf.summary.FileWriter('logs', max_queue=5).get_logdir())",
     "tf.constant(tf.compat.v1.summary.FileWriter('logs', max_queue=5).get_logdir())", True),
]


def digest() -> str:
    """Hash of every reviewed table that feeds the generated JSON (stored in its header)."""
    blob = json.dumps(
        [ARG_RENAMES, SPECIALS, CORRESPONDENCES, ADVICE, LEGACY_KERAS_REPLACEMENTS, REMOVED, REMOVED_PREFIXES, KERAS_POLICY,
         KEEP_COMPAT, PRE_1_0_RENAMES],
        sort_keys=True,
    )
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()
