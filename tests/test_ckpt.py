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
from tf2port.ckpt.convert import Source, plan, to_checkpoint_names, values_for
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
    assert result.assign == {name: Source((name,)) for name, _ in WEIGHTS}
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
    assert result.assign["classifier/hidden/w"] == Source(("classifier/hidden/weights",))
    assert result.dropped == ("ema/classifier/hidden/b",)


def test_optimizer_state_patterns():
    assert is_optimizer_state("enc/dense/kernel/Adam_1")
    assert is_optimizer_state("beta1_power_1")
    assert is_optimizer_state("train/global_step")
    assert not is_optimizer_state("enc/adam_like/kernel")
    assert not is_optimizer_state("enc/Momentum_block/w")


LSTM_WEIGHTS = [("rnn/lstm_cell/kernel", (2, 12)), ("rnn/lstm_cell/recurrent_kernel", (3, 12)),
                ("rnn/lstm_cell/bias", (12,))]


def test_lstm_cell_kernel_is_split_gates_reordered_and_forget_bias_folded():
    inputs, units = 2, 3
    kernel = np.arange((inputs + units) * 4 * units, dtype=np.float32).reshape(5, 12)
    bias = np.arange(12, dtype=np.float32)  # i=[0,1,2] j=[3,4,5] f=[6,7,8] o=[9,10,11]
    stored = {"rnn/lstm_cell/kernel": kernel, "rnn/lstm_cell/bias": bias}
    result = plan({"rnn/lstm_cell/kernel": (5, 12), "rnn/lstm_cell/bias": (12,)}, LSTM_WEIGHTS)
    assert result.complete
    cell = ("rnn/lstm_cell/kernel", "rnn/lstm_cell/bias")
    assert result.assign == {"rnn/lstm_cell/kernel": Source(cell, "LSTM", 0, "rnn/lstm_cell"),
                             "rnn/lstm_cell/recurrent_kernel": Source(cell, "LSTM", 1, "rnn/lstm_cell"),
                             "rnn/lstm_cell/bias": Source(cell, "LSTM", 2, "rnn/lstm_cell")}
    values = values_for(result, stored.__getitem__)
    i, j, f, o = np.split(kernel, 4, axis=1)
    assert np.array_equal(values["rnn/lstm_cell/kernel"], np.concatenate([i, f, j, o], 1)[:2])
    assert np.array_equal(values["rnn/lstm_cell/recurrent_kernel"], np.concatenate([i, f, j, o], 1)[2:])
    # gates (i, j, f, o) -> (i, f, c, o); TF1 adds forget_bias 1.0 at run time, Keras keeps it in the bias
    assert values["rnn/lstm_cell/bias"].tolist() == [0, 1, 2, 7, 8, 9, 3, 4, 5, 9, 10, 11]
    back = to_checkpoint_names(result, values)
    assert np.array_equal(back["rnn/lstm_cell/kernel"], kernel)
    assert np.array_equal(back["rnn/lstm_cell/bias"], bias)


def test_basic_lstm_cell_maps_to_the_keras_lstm_cell_and_a_recorded_forget_bias_is_used():
    result = plan({"enc/rnn/basic_lstm_cell/kernel": (5, 12), "enc/rnn/basic_lstm_cell/bias": (12,)},
                  [("enc/" + path, shape) for path, shape in LSTM_WEIGHTS])
    assert result.complete
    assert result.transformed_cells() == [("enc/rnn/basic_lstm_cell", "LSTM")]
    stored = {"enc/rnn/basic_lstm_cell/kernel": np.zeros((5, 12), np.float32),
              "enc/rnn/basic_lstm_cell/bias": np.zeros(12, np.float32)}
    values = values_for(result, stored.__getitem__, {"enc/rnn/basic_lstm_cell": 0.0})
    assert not values["enc/rnn/lstm_cell/bias"].any()  # forget_bias=0.0: nothing folded


GRU_WEIGHTS = [("rnn/gru_cell/kernel", (2, 9)), ("rnn/gru_cell/recurrent_kernel", (3, 9)),
               ("rnn/gru_cell/bias", (9,))]
GRU_CHECKPOINT = {"rnn/gru_cell/gates/kernel": (5, 6), "rnn/gru_cell/gates/bias": (6,),
                  "rnn/gru_cell/candidate/kernel": (5, 3), "rnn/gru_cell/candidate/bias": (3,)}


def test_gru_cell_gates_and_candidate_become_one_keras_cell_with_update_gate_first():
    gates = np.arange(30, dtype=np.float32).reshape(5, 6)  # columns r=[0:3] u=[3:6]
    candidate = 100 + np.arange(15, dtype=np.float32).reshape(5, 3)
    stored = {"rnn/gru_cell/gates/kernel": gates, "rnn/gru_cell/gates/bias": np.arange(6, dtype=np.float32),
              "rnn/gru_cell/candidate/kernel": candidate,
              "rnn/gru_cell/candidate/bias": np.array([7, 8, 9], np.float32)}
    result = plan(GRU_CHECKPOINT, GRU_WEIGHTS)
    assert result.complete
    values = values_for(result, stored.__getitem__)
    # Keras (reset_after=False) gates: z (TF1's u), r, h; inputs are the first 2 rows of TF1's kernels
    expected = np.concatenate([gates[:, 3:6], gates[:, 0:3], candidate], axis=1)
    assert np.array_equal(values["rnn/gru_cell/kernel"], expected[:2])
    assert np.array_equal(values["rnn/gru_cell/recurrent_kernel"], expected[2:])
    assert values["rnn/gru_cell/bias"].tolist() == [3, 4, 5, 0, 1, 2, 7, 8, 9]  # no forget bias in a GRU
    back = to_checkpoint_names(result, values)
    assert all(np.array_equal(back[name], value) for name, value in stored.items())


def test_gru_with_reset_after_is_a_shape_error_that_says_why():
    weights = GRU_WEIGHTS[:2] + [("rnn/gru_cell/bias", (2, 9))]
    result = plan(GRU_CHECKPOINT, weights)
    assert not result.complete
    assert result.problems() == [
        "model weight without a value: rnn/gru_cell/kernel",
        "model weight without a value: rnn/gru_cell/recurrent_kernel",
        "model weight without a value: rnn/gru_cell/bias",
        "shape differs: TF1 GRU cell rnn/gru_cell rnn/gru_cell/gates/kernel [5, 6], rnn/gru_cell/gates/bias [6], "
        "rnn/gru_cell/candidate/kernel [5, 3], rnn/gru_cell/candidate/bias [3] -> rnn/gru_cell/kernel [2, 9], "
        "rnn/gru_cell/recurrent_kernel [3, 9], rnn/gru_cell/bias [2, 9] (a Keras GRU with reset_after=True "
        "(bias [2, 3 * units]) computes another function than TF1's GRUCell; build it with reset_after=False)",
    ]


def test_a_partial_or_unplaced_rnn_cell_names_every_variable_and_why():
    partial = plan({"rnn/gru_cell/gates/kernel": (5, 6), "rnn/gru_cell/gates/bias": (6,)}, GRU_WEIGHTS)
    assert partial.problems() == [
        "unmatched checkpoint variable: rnn/gru_cell/gates/bias (partial TF1 GRU cell rnn/gru_cell: the "
        "checkpoint lacks rnn/gru_cell/candidate/kernel, rnn/gru_cell/candidate/bias)",
        "unmatched checkpoint variable: rnn/gru_cell/gates/kernel (partial TF1 GRU cell rnn/gru_cell: the "
        "checkpoint lacks rnn/gru_cell/candidate/kernel, rnn/gru_cell/candidate/bias)",
        "model weight without a value: rnn/gru_cell/kernel",
        "model weight without a value: rnn/gru_cell/recurrent_kernel",
        "model weight without a value: rnn/gru_cell/bias",
    ]
    elsewhere = plan({"encoder/rnn/lstm_cell/kernel": (5, 12), "encoder/rnn/lstm_cell/bias": (12,)}, LSTM_WEIGHTS)
    assert elsewhere.problems()[:2] == [
        "unmatched checkpoint variable: encoder/rnn/lstm_cell/bias (TF1 LSTM cell encoder/rnn/lstm_cell: the "
        "model has no Keras weights encoder/rnn/lstm_cell/kernel, encoder/rnn/lstm_cell/recurrent_kernel, "
        "encoder/rnn/lstm_cell/bias)",
        "unmatched checkpoint variable: encoder/rnn/lstm_cell/kernel (TF1 LSTM cell encoder/rnn/lstm_cell: the "
        "model has no Keras weights encoder/rnn/lstm_cell/kernel, encoder/rnn/lstm_cell/recurrent_kernel, "
        "encoder/rnn/lstm_cell/bias)",
    ]


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


@pytest.mark.tf
@pytest.mark.slow
def test_the_converted_programs_own_checkpoint_restores_the_model_and_the_global_step(tf1_checkpoint, tmp_path):
    """`fix` names the checkpoint entries after the program's objects (`Checkpoint(mlp_model=..., global_step=...)`
    in expected.py); --key and --global-step write under those names, so the program's own checkpoint reads it."""
    new = tmp_path / "tf2" / "model"
    result = run_cli("ckpt", "convert", str(tf1_checkpoint / "model.ckpt"), "--model",
                     f"{SAVER / 'expected.py'}:MlpModel", "--input", "x=2,8", "--key", "mlp_model",
                     "--global-step", "global_step", str(new))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "global_step 5 carried as global_step" in result.stdout
    assert f"load it with tf.train.Checkpoint(mlp_model=..., global_step=...).read({str(new)!r})" in result.stderr

    import tensorflow as tf

    from tf2port.verify.entry_spec import load_target

    source = (SAVER / "expected.py").read_text()
    assert "tf.train.Checkpoint(mlp_model=mlp_model, global_step=global_step, optimizer=optimizer)" in source
    mlp_model = load_target(str(SAVER / "expected.py"), "MlpModel")()
    probe = np.load(tf1_checkpoint / "probe_x.npy")
    mlp_model(probe)
    global_step = tf.Variable(0, dtype=tf.int64, trainable=False, name="global_step")
    tf.train.Checkpoint(mlp_model=mlp_model, global_step=global_step).read(str(new)).assert_consumed()
    assert int(global_step.numpy()) == 5
    np.testing.assert_allclose(mlp_model(probe).numpy(), np.load(tf1_checkpoint / "probe_logits.npy"),
                               rtol=0, atol=1e-6)


@pytest.mark.tf
def test_global_step_is_refused_when_the_checkpoint_has_none(tmp_path):
    import tensorflow as tf

    old = tmp_path / "old" / "model.ckpt"
    old.parent.mkdir()
    _write_name_based(old, {"classifier/hidden/w": np.zeros((8, 16), np.float32),
                            "classifier/hidden/b": np.zeros(16, np.float32),
                            "classifier/logits/kernel": np.zeros((16, 3), np.float32),
                            "classifier/logits/bias": np.zeros(3, np.float32)})
    assert tf.train.load_checkpoint(str(old)).has_tensor("classifier/hidden/w")
    result = run_cli("ckpt", "convert", str(old), "--model", f"{SAVER / 'expected.py'}:MlpModel", "--input",
                     "x=2,8", "--global-step", "global_step", str(tmp_path / "new" / "model"))
    assert result.returncode == 1
    assert "refused: --global-step global_step: the checkpoint has no global_step; nothing written" in result.stderr
    assert not (tmp_path / "new").exists()


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
    bad_key = CliRunner().invoke(ckpt_group, ["convert", "old.ckpt", "--model", MODEL, "--key", "mlp-model",
                                              str(tmp_path / "n")])
    assert bad_key.exit_code == 2
    assert "checkpoint key 'mlp-model' is not a public Python name" in bad_key.output
    same_key = CliRunner().invoke(ckpt_group, ["convert", "old.ckpt", "--model", MODEL, "--key", "step",
                                               "--global-step", "step", str(tmp_path / "n")])
    assert same_key.exit_code == 2
    assert "--key and --global-step name the same checkpoint entry" in same_key.output
    assert list(tmp_path.iterdir()) == []


def test_a_model_built_at_top_level_is_matched_under_its_own_name():
    """TF1 names a scope-less model's weights `hidden/kernel`; Keras paths carry the model's name."""
    weights = [("classifier/hidden/kernel", (4, 2)), ("classifier/hidden/bias", (2,))]
    result = plan({"hidden/kernel": (4, 2), "hidden/bias": (2,)}, weights, model_name="classifier")
    assert result.complete
    assert result.assign["classifier/hidden/kernel"] == Source(("hidden/kernel",))
    assert not plan({"hidden/kernel": (4, 2), "hidden/bias": (2,)}, weights).complete


GRU = Path(__file__).resolve().parent.parent / "fixtures" / "library" / "gru_encoder"
GRU_TF1 = (GRU / "original.py").read_text()
GRU_TF2 = (GRU / "expected.py").read_text()  # what `tf2port fix` makes of GRU_TF1 (the reviewed golden)
SAVE_GRU = r'''
import json, os, sys
import numpy as np
import tensorflow.compat.v1 as tf
tf.disable_v2_behavior()
sys.modules["tensorflow"] = tf
namespace = {}
exec(compile(open(sys.argv[1]).read(), "gru_tf1", "exec"), namespace)
x = tf.placeholder(tf.float32, [None, 4, 2])
logits = namespace["gru_encoder"](x)
probe = np.random.RandomState(1).standard_normal((3, 4, 2)).astype(np.float32)
noise = np.random.RandomState(2)
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    # every variable moved off its initial value (TF1 starts the gate biases at 1), so each mapping shows
    for v in tf.global_variables():
        v.load(sess.run(v) + 0.3 * noise.standard_normal(v.shape.as_list()).astype(np.float32), sess)
    np.save(os.path.join(sys.argv[2], "probe_logits.npy"), sess.run(logits, {x: probe}))
    np.save(os.path.join(sys.argv[2], "probe_x.npy"), probe)
    tf.train.Saver().save(sess, os.path.join(sys.argv[2], "model.ckpt"))
print(json.dumps([v.op.name for v in tf.global_variables()]))
'''


@pytest.mark.tf
@pytest.mark.slow
def test_tf1_gru_checkpoint_converts_into_the_keras_gru_and_reproduces_the_logits(tmp_path):
    (tmp_path / "gru_tf1.py").write_text(GRU_TF1.lstrip())
    (tmp_path / "gru_tf2.py").write_text(GRU_TF2.lstrip())
    env = {**os.environ, "TF_USE_LEGACY_KERAS": "1", "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""}
    saved = subprocess.run([sys.executable, "-c", SAVE_GRU, str(tmp_path / "gru_tf1.py"), str(tmp_path)],
                           capture_output=True, text=True, env=env, timeout=300)
    assert saved.returncode == 0, saved.stderr[-2000:]
    assert json.loads(saved.stdout.strip().splitlines()[-1]) == [
        "gru_encoder/rnn/gru_cell/gates/kernel", "gru_encoder/rnn/gru_cell/gates/bias",
        "gru_encoder/rnn/gru_cell/candidate/kernel", "gru_encoder/rnn/gru_cell/candidate/bias",
        "gru_encoder/head/kernel", "gru_encoder/head/bias"]

    model_target = f"{tmp_path / 'gru_tf2.py'}:GruEncoder"
    new = tmp_path / "tf2" / "model"
    result = run_cli("ckpt", "convert", str(tmp_path / "model.ckpt"), "--model", model_target,
                     "--input", "sequences=1,4,2", str(new))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "5 model weights mapped" in result.stdout
    assert "RNN cell gru_encoder/rnn/gru_cell: TF1 GRU gates and candidate kernels split" in result.stdout

    import tensorflow as tf

    from tf2port.verify.entry_spec import load_target

    probe = np.load(tmp_path / "probe_x.npy")
    expected = np.load(tmp_path / "probe_logits.npy")
    model = load_target(str(tmp_path / "gru_tf2.py"), "GruEncoder")()
    model(probe)
    assert [w.path for w in model.weights] == [
        "gru_encoder/rnn/gru_cell/kernel", "gru_encoder/rnn/gru_cell/recurrent_kernel",
        "gru_encoder/rnn/gru_cell/bias", "gru_encoder/head/kernel", "gru_encoder/head/bias"]
    assert not np.allclose(model(probe).numpy(), expected, atol=1e-3)  # fresh weights do not reproduce it
    tf.train.Checkpoint(model=model).read(str(new)).assert_existing_objects_matched()
    np.testing.assert_allclose(model(probe).numpy(), expected, rtol=0, atol=1e-6)
