"""Loader tests: known facts from the shipped table, and the loader never imports TensorFlow."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tf2port import apidata, reviewed

REPO = Path(__file__).resolve().parent.parent


def test_loader_does_not_import_tensorflow() -> None:
    code = (
        "import sys\n"
        "from tf2port import apidata\n"
        "apidata.lookup('tf.log'); apidata.arg_change('tf.reduce_sum'); apidata.special('tf.to_float')\n"
        "apidata.removed_prefix('tf.contrib.slim.conv2d'); apidata.reviewed_cases()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras', 'tf_keras', 'numpy')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.replace("'", '"')) == []


def test_renamed_to_canonical_v2_name() -> None:
    e = apidata.lookup("tf.log")
    assert e is not None
    assert (e.kind, e.v2, e.fallback) == ("renamed", "tf.math.log", "tf.compat.v1.log")


def test_native_keeps_its_name() -> None:
    e = apidata.lookup("tf.matmul")
    assert e is not None and e.kind == "native" and e.v2 == "tf.matmul"


def test_compat_only_symbol() -> None:
    e = apidata.lookup("tf.placeholder")
    assert e is not None
    assert (e.kind, e.v2, e.fallback) == ("compat", None, "tf.compat.v1.placeholder")
    assert e.advice


def test_legacy_keras_symbol_has_keras_replacement() -> None:
    e = apidata.lookup("tf.layers.dense")
    assert e is not None
    assert (e.kind, e.v2, e.fallback, e.replacement) == ("legacy_keras", None, None, "tf.keras.layers.Dense")
    cell = apidata.lookup("tf.nn.rnn_cell.LSTMCell")
    assert cell is not None and cell.kind == "legacy_keras" and cell.replacement == "tf.keras.layers.LSTMCell"


def test_removed_contrib_symbol_with_drop_in_replacement() -> None:
    e = apidata.lookup("tf.contrib.layers.xavier_initializer")
    assert e is not None
    assert (e.kind, e.replacement, e.drop_in) == ("removed", "tf.keras.initializers.GlorotUniform", True)
    assert apidata.removed_prefix("tf.contrib.layers.xavier_initializer") == e
    reg = apidata.lookup("tf.contrib.layers.l2_regularizer")
    assert reg is not None and reg.replacement is None and "scale / 2" in reg.advice


def test_removed_prefix_picks_longest_prefix() -> None:
    slim = apidata.removed_prefix("tf.contrib.slim.conv2d")
    assert slim is not None and slim.name == "tf.contrib.slim" and "tf-slim" in slim.advice
    other = apidata.removed_prefix("tf.contrib.foo.bar")
    assert other is not None and other.name == "tf.contrib"
    assert apidata.removed_prefix("tf.estimator.Estimator") is not None
    assert apidata.removed_prefix("tf.math.log") is None


def test_different_objects_carry_signatures() -> None:
    e = apidata.lookup("tf.reduce_sum")
    assert e is not None and e.kind == "different" and e.v2 == "tf.reduce_sum"
    assert e.v1_sig is not None and "keep_dims" in e.v1_sig.params
    assert e.v2_sig is not None and "keep_dims" not in e.v2_sig.params
    for name in ("tf.Variable", "tf.gather", "tf.nn.dropout", "tf.data.Dataset"):
        d = apidata.lookup(name)
        assert d is not None and d.kind == "different" and d.v2 == name, name


def test_reduce_sum_arg_change() -> None:
    ch = apidata.arg_change("tf.reduce_sum")
    assert ch is not None
    assert dict(ch.renames) == {"keep_dims": "keepdims", "reduction_indices": "axis"}
    assert ch.v1_params[:2] == ("input_tensor", "axis")
    assert "keepdims" in ch.v2_params and "keep_dims" not in ch.v2_params


def test_conv2d_drops_use_cudnn_on_gpu() -> None:
    ch = apidata.arg_change("tf.nn.conv2d")
    assert ch is not None and ch.renames["filter"] == "filters" and ch.dropped == ("use_cudnn_on_gpu",)


def test_specials() -> None:
    cast = apidata.special("tf.to_float")
    assert cast is not None and (cast.kind, cast.target, dict(cast.options)) == ("cast", "tf.cast", {"dtype": "tf.float32"})
    drop = apidata.special("tf.nn.dropout")
    assert drop is not None and drop.kind == "keep_prob_to_rate"
    xent = apidata.special("tf.nn.softmax_cross_entropy_with_logits")
    assert xent is not None and xent.kind == "stop_gradient_labels" and xent.options["param"] == "labels"
    assert apidata.special("tf.matmul") is None


def test_unknown_name() -> None:
    assert apidata.lookup("tf.no_such_symbol") is None
    assert apidata.arg_change("tf.no_such_symbol") is None


def test_modules_are_recorded() -> None:
    nn = apidata.lookup("tf.nn")
    assert nn is not None and nn.kind == "module" and nn.v2 == "tf.nn"
    layers = apidata.lookup("tf.layers")
    assert layers is not None and layers.kind == "module" and layers.v2 is None


def test_keras_subtree_keeps_tf_keras_spelling_and_never_emits_legacy_optimizers() -> None:
    dense = apidata.lookup("tf.keras.layers.Dense")
    assert dense is not None and dense.v2 == "tf.keras.layers.Dense"
    for name in apidata.names():
        e = apidata.lookup(name)
        assert e is not None
        for out in (e.v2, e.replacement):
            assert out is None or ".optimizers.legacy" not in out, name
    legacy = apidata.removed_prefix("tf.keras.optimizers.legacy.Adam")
    assert legacy is not None and "Keras 3" in legacy.advice


def test_table_invariants() -> None:
    for name in apidata.names():
        e = apidata.lookup(name)
        assert e is not None and e.kind in apidata.KINDS, name
        if e.kind == "native":
            assert e.v2 == name
        if e.kind == "renamed":
            assert e.v2 is not None and e.v2 != name and not e.v2.startswith("tf.compat."), name
        if e.kind in ("renamed", "different"):
            assert e.v2 is not None and e.v2.startswith("tf.") and not e.v2.startswith("tf.compat."), name
        if e.kind in ("compat", "different", "legacy_keras", "removed"):
            assert e.advice, name
        if e.kind in ("native", "renamed", "different", "compat"):
            assert e.fallback == "tf.compat.v1." + name[3:], name


def test_shipped_table_matches_reviewed_table() -> None:
    """A stale JSON (reviewed.py edited, generator not rerun) fails here, without TensorFlow."""
    head = apidata.header()
    assert head["reviewed_sha256"] == reviewed.digest()
    assert head["by"] == "scripts/gen_api_tables.py" and head["tensorflow"]


def test_every_reviewed_fact_has_a_case() -> None:
    cases = apidata.reviewed_cases()
    covered = {c.name for c in cases}
    facts = set(reviewed.ARG_RENAMES) | set(reviewed.SPECIALS) | set(reviewed.CORRESPONDENCES)
    assert facts - covered == set()
    for c in cases:
        assert c.v1.startswith(c.name + "(") or (c.name + "(") in c.v1, c
        assert c.v1 != c.v2
    for name, renames in reviewed.ARG_RENAMES.items():
        ch = apidata.arg_change(name)
        assert ch is not None and dict(ch.renames) == renames, name
    for name in reviewed.SPECIALS:
        assert apidata.special(name) is not None, name
    for name, (target, _) in reviewed.CORRESPONDENCES.items():
        e = apidata.lookup(name)
        assert e is not None and (e.kind, e.v2) == ("different", target), name
