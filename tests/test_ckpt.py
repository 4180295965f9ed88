"""``tf2port ckpt convert``: a TF1 Saver checkpoint carried into the converted Keras model.

The original program of ``fixtures/library/saver_name_based`` runs for real
(TF1 semantics, subprocess) to write the checkpoint; the command runs as users
run it; the converted model is loaded from its output and must compute the
original's logits.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import FIXTURES, run_cli
from tf2port.ckpt.convert import Source, lstm_kernel_split, plan, values_for
from tf2port.ckpt.mapping import is_optimizer_state

SAVER = FIXTURES / "library" / "saver_name_based"
MODEL = f"{SAVER / 'tf2.py'}:MlpModel"
WEIGHTS = [("classifier/hidden/w", (8, 16)), ("classifier/hidden/b", (16,)),
           ("classifier/logits/kernel", (16, 3)), ("classifier/logits/bias", (3,))]
RUN_TF1 = ("import runpy, sys\n"
           "import tensorflow.compat.v1 as tf\n"
           "tf.disable_v2_behavior()\n"
           "sys.modules['tensorflow'] = tf\n"
           "sys.argv = sys.argv[1:]\n"
           "runpy.run_path(sys.argv[0], run_name='__main__')\n")


# ---- the plan: names and shapes only, no TensorFlow ------------------------------------

def test_identity_names_map_and_optimizer_state_is_skipped_not_unmatched():
    checkpoint = {name: shape for name, shape in WEIGHTS}
    checkpoint.update({"classifier/hidden/w/Adam": (8, 16), "classifier/hidden/w/Adam_1": (8, 16),
                       "classifier/logits/bias/Momentum": (3,), "global_step": (),
                       "beta1_power": (), "beta2_power": ()})
    result = plan(checkpoint, WEIGHTS)
    assert result.complete
    assert result.assign == {name: Source(name) for name, _ in WEIGHTS}
    assert result.skipped_optimizer == ("beta1_power", "beta2_power",
                                        "classifier/hidden/w/Adam", "classifier/hidden/w/Adam_1",
                                        "classifier/logits/bias/Momentum", "global_step")


def test_every_problem_is_listed():
    checkpoint = {"classifier/hidden/w": (8, 16), "classifier/logits/kernel": (3, 16),
                  "classifier/logits/bias": (3,), "classifier/extra/w": (2, 2)}
    result = plan(checkpoint, WEIGHTS)
    assert not result.complete
    assert result.problems() == [
        "unmatched checkpoint variable: classifier/extra/w",
        "model weight without a value: classifier/hidden/b",
        "model weight without a value: classifier/logits/kernel",
        "shape differs: classifier/logits/kernel [3, 16] -> classifier/logits/kernel [16, 3]",
    ]


def test_names_overrides_rename_and_drop():
    checkpoint = {"classifier/hidden/weights": (8, 16), "classifier/hidden/b": (16,),
                  "classifier/logits/kernel": (16, 3), "classifier/logits/bias": (3,),
                  "ema/classifier/hidden/b": (16,)}
    result = plan(checkpoint, WEIGHTS, {"classifier/hidden/weights": "classifier/hidden/w",
                                        "ema/classifier/hidden/b": None})
    assert result.complete
    assert result.assign["classifier/hidden/w"] == Source("classifier/hidden/weights")
    assert result.dropped == ("ema/classifier/hidden/b",)


def test_optimizer_state_patterns():
    assert is_optimizer_state("enc/dense/kernel/Adam_1")
    assert is_optimizer_state("beta1_power_1")
    assert is_optimizer_state("train/global_step")
    assert not is_optimizer_state("enc/adam_like/kernel")
    assert not is_optimizer_state("enc/Momentum_block/w")


def test_lstm_kernel_is_split_and_gates_reordered():
    inputs, units = 2, 3
    kernel = np.arange((inputs + units) * 4 * units, dtype=np.float32).reshape(5, 12)
    weights = [("rnn/lstm_cell/kernel", (2, 12)), ("rnn/lstm_cell/recurrent_kernel", (3, 12))]
    result = plan({"rnn/lstm_cell/kernel": (5, 12)}, weights)
    assert result.complete
    assert result.assign["rnn/lstm_cell/recurrent_kernel"] == Source(
        "rnn/lstm_cell/kernel", "lstm_kernel_split", 1)
    values = values_for(result, lambda name: kernel, dict(weights))
    i, j, f, o = np.split(kernel, 4, axis=1)
    assert np.array_equal(values["rnn/lstm_cell/kernel"], np.concatenate([i, f, j, o], 1)[:2])
    assert np.array_equal(values["rnn/lstm_cell/recurrent_kernel"],
                          np.concatenate([i, f, j, o], 1)[2:])
    assert [v.shape for v in lstm_kernel_split(kernel, [(2, 12), (3, 12)])] == [(2, 12), (3, 12)]


def test_lstm_bias_keeps_its_name_but_not_its_gate_order():
    bias = np.arange(8, dtype=np.float32)  # units=2: i=[0,1] j=[2,3] f=[4,5] o=[6,7]
    weights = [("rnn/lstm_cell/bias", (8,))]
    result = plan({"rnn/lstm_cell/bias": (8,)}, weights)
    assert result.assign["rnn/lstm_cell/bias"] == Source("rnn/lstm_cell/bias",
                                                         "lstm_bias_reorder", 0)
    values = values_for(result, lambda name: bias, dict(weights))
    # gates (i, j, f, o) -> (i, f, c, o); TF1 adds forget_bias 1.0 at run time, Keras keeps it in the bias
    assert values["rnn/lstm_cell/bias"].tolist() == [0, 1, 5, 6, 2, 3, 6, 7]


# ---- real checkpoints ------------------------------------------------------------------

@pytest.fixture(scope="module")
def tf1_checkpoint(tmp_path_factory) -> Path:
    """Run the original TF1 program: it trains 5 Adam steps and saves with tf.train.Saver."""
    out = tmp_path_factory.mktemp("saver")
    env = {**os.environ, "TF_USE_LEGACY_KERAS": "1", "TF_CPP_MIN_LOG_LEVEL": "3",
           "TF_ENABLE_ONEDNN_OPTS": "0"}
    done = subprocess.run([sys.executable, "-c", RUN_TF1, str(SAVER / "original.py"), str(out)],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert (out / "model.ckpt.index").exists()
    return out


@pytest.mark.tf
@pytest.mark.slow
@pytest.mark.parametrize("converted", ["tf2.py", "expected.py"])
def test_converted_checkpoint_loads_and_reproduces_the_original_logits(tf1_checkpoint, tmp_path,
                                                                       converted):
    """Into the hand-written model (tf2.py) and into `fix`'s output (expected.py): issue #5's done-when."""
    new = tmp_path / "tf2" / "model"
    result = run_cli("ckpt", "convert", str(tf1_checkpoint / "model.ckpt"), "--model",
                     f"{SAVER / converted}:MlpModel", "--input", "x=2,8", str(new))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 model weights mapped" in result.stdout
    assert "skipped optimizer state: classifier/hidden/w/Adam_1" in result.stdout
    assert sorted(p.name for p in new.parent.iterdir()) == ["model.data-00000-of-00001",
                                                            "model.index"]

    import tensorflow as tf

    from tf2port.verify.entry_spec import load_target

    model = load_target(str(SAVER / converted), "MlpModel")()
    probe = np.load(tf1_checkpoint / "probe_x.npy")
    model(probe)
    tf.train.Checkpoint(model=model).read(str(new)).assert_existing_objects_matched()
    expected = np.load(tf1_checkpoint / "probe_logits.npy")
    np.testing.assert_allclose(model(probe).numpy(), expected, rtol=0, atol=1e-6)
    # a freshly built model does not (the test would pass without the conversion otherwise)
    assert not np.allclose(load_target(str(SAVER / converted), "MlpModel")()(probe), expected,
                           atol=1e-3)


def _write_name_based(prefix: Path, tensors: dict[str, np.ndarray]) -> None:
    """A name-based checkpoint, as tf.train.Saver writes them (SaveV2 by name)."""
    import tensorflow as tf

    names = sorted(tensors)
    tf.raw_ops.SaveV2(prefix=str(prefix), tensor_names=names,
                      shape_and_slices=[""] * len(names),
                      tensors=[tf.constant(tensors[n]) for n in names])


@pytest.mark.tf
@pytest.mark.slow
def test_missing_extra_and_misshapen_variables_are_refused_with_every_name(tf1_checkpoint,
                                                                           tmp_path):
    import tensorflow as tf

    reader = tf.train.load_checkpoint(str(tf1_checkpoint / "model.ckpt"))
    tensors = {name: reader.get_tensor(name) for name in reader.get_variable_to_shape_map()}
    del tensors["classifier/hidden/b"]
    tensors["classifier/extra/w"] = np.ones((2, 2), np.float32)
    tensors["classifier/logits/kernel"] = tensors["classifier/logits/kernel"].T.copy()
    _write_name_based(tmp_path / "bad.ckpt", tensors)
    (tmp_path / "out").mkdir()
    new = tmp_path / "out" / "model"

    refused = run_cli("ckpt", "convert", str(tmp_path / "bad.ckpt"), "--model", MODEL,
                      "--input", "x=1,8", str(new))
    assert refused.returncode == 1
    for line in ("unmatched checkpoint variable: classifier/extra/w",
                 "model weight without a value: classifier/hidden/b",
                 "shape differs: classifier/logits/kernel [3, 16] -> classifier/logits/kernel "
                 "[16, 3]"):
        assert line in refused.stdout
    assert "nothing written" in refused.stderr
    assert list((tmp_path / "out").iterdir()) == []

    partial = run_cli("ckpt", "convert", str(tmp_path / "bad.ckpt"), "--model", MODEL,
                      "--input", "x=1,8", "--allow-partial", str(new))
    assert partial.returncode == 0, partial.stderr
    assert "model weight without a value: classifier/hidden/b" in partial.stdout
    assert "with the problems above" in partial.stderr
    assert (tmp_path / "out" / "model.index").exists()


def test_cli_module_does_not_import_tensorflow():
    code = "import sys, tf2port.cli, tf2port.ckpt.cli; print('tensorflow' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert done.stdout.strip() == "False", done.stderr


def test_usage_errors_exit_2_before_tensorflow_loads(tmp_path):
    from click.testing import CliRunner

    from tf2port.ckpt.cli import ckpt_group

    bad_model = CliRunner().invoke(ckpt_group, ["convert", "old.ckpt", "--model", "tf2.py",
                                                str(tmp_path / "new")])
    assert bad_model.exit_code == 2
    assert "expected FILE.py:name or module:name" in bad_model.output
    bad_input = CliRunner().invoke(ckpt_group, ["convert", "old.ckpt", "--model", MODEL,
                                                "--input", "x=1,8:complex64", str(tmp_path / "n")])
    assert bad_input.exit_code == 2
    assert "dtype must be one of" in bad_input.output
    assert list(tmp_path.iterdir()) == []


def test_a_model_built_at_top_level_is_matched_under_its_own_name():
    """TF1 names a scope-less model's weights `hidden/kernel`; Keras paths carry the model's name."""
    weights = [("classifier/hidden/kernel", (4, 2)), ("classifier/hidden/bias", (2,))]
    result = plan({"hidden/kernel": (4, 2), "hidden/bias": (2,)}, weights, model_name="classifier")
    assert result.complete
    assert result.assign["classifier/hidden/kernel"] == Source("hidden/kernel")
    assert not plan({"hidden/kernel": (4, 2), "hidden/bias": (2,)}, weights).complete
