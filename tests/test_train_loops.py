"""tf2port train with real TensorFlow: loop parity, early stopping, resume, factories, CLI.

Runs on small digits subsets for a few epochs so the whole file stays around a minute.
"""
from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tf2port.train.config import TrainConfig

REPO = Path(__file__).resolve().parents[1]
FIXTURE = Path(__file__).resolve().parent / "train_fixture_converted.py"

pytestmark = pytest.mark.tf


def digits_subset(path: Path, n: int, shuffle_labels: bool = False) -> Path:
    from sklearn.datasets import load_digits

    d = load_digits()
    y = d.target[:n]
    if shuffle_labels:  # pure noise: validation loss can only get worse as the model memorises
        y = np.random.default_rng(0).integers(0, 10, size=n)
    np.savez(path, x=(d.images[:n] / 16.0).astype(np.float32)[..., None], y=y)
    return path


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """400 digits: 320 train (10 batches of 32), 80 validation."""
    return digits_subset(tmp_path_factory.mktemp("data") / "small.npz", 400)


def train(tmp: Path, name: str, **options: object):
    from tf2port.train.main import run

    cfg = TrainConfig(out=tmp / name, plots=False, progress=False, **options)  # type: ignore[arg-type]
    return run(cfg)


@pytest.mark.parametrize("model", ["mlp", "subclass", "inception"])
def test_fit_and_tape_loops_give_the_same_epoch_losses(tmp_path: Path, small: Path, model: str) -> None:
    common = dict(model=model, dataset=str(small), epochs=3, patience=0, batch_size=24, lr=3e-3)
    fit = train(tmp_path, "fit", loop="fit", **common)
    tape = train(tmp_path, "tape", loop="tape", **common)
    assert fit.epochs_run == tape.epochs_run == 3
    for key in ("loss", "val_loss", "accuracy", "val_accuracy"):
        np.testing.assert_allclose(tape.history[key], fit.history[key], rtol=0, atol=1e-5, err_msg=key)
    assert fit.history["loss"][-1] < fit.history["loss"][0]  # it trained
    assert fit.final == pytest.approx(tape.final, abs=1e-5)


@pytest.mark.parametrize("loop", ["fit", "tape"])
def test_early_stopping_stops_and_restores_the_best_weights(tmp_path: Path, loop: str) -> None:
    noise = digits_subset(tmp_path / "noise.npz", 300, shuffle_labels=True)
    result = train(tmp_path, "run", loop=loop, dataset=str(noise), epochs=40, patience=2, lr=1e-2)
    val = result.history["val_loss"]
    best = int(np.argmin(val)) + 1
    assert result.epochs_run < 40
    assert result.stop_reason.startswith("early stopping")
    assert result.best_epoch == best
    assert result.epochs_run == best + 2  # patience epochs without improvement, then stop
    # The saved model holds the best epoch's weights, not the last (worse) epoch's.
    assert result.final["val_loss"] == pytest.approx(val[best - 1], abs=1e-5)
    assert result.final["val_loss"] < val[-1] - 1e-3
    import keras

    saved = keras.models.load_model(result.files["model"])
    best_ckpt = keras.models.clone_model(saved)
    best_ckpt.load_weights(result.files["checkpoint"])
    for a, b in zip(saved.get_weights(), best_ckpt.get_weights()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("loop", ["fit", "tape"])
def test_resume_continues_the_epoch_count_and_the_same_run(tmp_path: Path, small: Path, loop: str) -> None:
    common = dict(loop=loop, dataset=str(small), patience=0, model="mlp")
    whole = train(tmp_path, "whole", epochs=4, **common)
    train(tmp_path, "parts", epochs=2, **common)
    resumed = train(tmp_path, "parts", epochs=4, resume=True, **common)
    assert resumed.first_epoch == 2
    assert resumed.epochs_run == 4
    assert len(resumed.history["loss"]) == 4
    # Same data order per epoch and restored Adam state: the same numbers as one run.
    for key in ("loss", "val_loss"):
        np.testing.assert_allclose(resumed.history[key], whole.history[key], rtol=0, atol=1e-6)
    rows = (tmp_path / "parts" / "history.csv").read_text().splitlines()
    assert [r.split(",")[0] for r in rows[1:]] == ["0", "1", "2", "3"]


def test_resume_of_a_finished_run_and_of_different_settings(tmp_path: Path, small: Path) -> None:
    from tf2port.train.resume import ResumeError

    done = train(tmp_path, "r", dataset=str(small), epochs=1)
    again = train(tmp_path, "r", dataset=str(small), epochs=1, resume=True)
    assert again.stop_reason.startswith("nothing to resume")
    assert again.epochs_run == 1
    assert again.final == pytest.approx(done.final, abs=1e-6)
    with pytest.raises(ResumeError, match="resume with the same settings"):
        train(tmp_path, "r", dataset=str(small), epochs=2, seed=7, resume=True)


def test_converted_model_trains_through_module_factory(tmp_path: Path, small: Path) -> None:
    result = train(tmp_path, "conv", model=f"{FIXTURE}:build_model", dataset=str(small), epochs=6, lr=1e-2)
    # Its call() ends in softmax; treating that as logits would leave the loss near ln(10).
    assert result.final["loss"] < 0.6 * math.log(10)
    assert result.final["val_accuracy"] > 0.8
    assert "weights" in result.files  # no get_config: saved as weights, not .keras
    assert Path(result.files["weights"]).is_file()


def test_module_form_of_factory_and_bad_factories(tmp_path: Path, small: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tf2port.train.config import TrainError

    monkeypatch.syspath_prepend(str(FIXTURE.parent))
    result = train(tmp_path, "mod", model="train_fixture_converted:build_model", dataset=str(small), epochs=1)
    assert result.epochs_run == 1
    with pytest.raises(TrainError, match="returned str, not a tf.keras.Model"):
        train(tmp_path, "bad", model="train_fixture_converted:not_a_model", dataset=str(small), epochs=1)
    with pytest.raises(TrainError, match="has no callable 'missing'"):
        train(tmp_path, "bad", model="train_fixture_converted:missing", dataset=str(small), epochs=1)


def test_image_models_reject_flat_features(tmp_path: Path) -> None:
    from tf2port.train.config import TrainError

    np.savez(tmp_path / "flat.npz", x=np.random.default_rng(0).random((40, 5)), y=np.arange(40) % 2)
    with pytest.raises(TrainError, match="--model cnn needs image examples"):
        train(tmp_path, "o", model="cnn", dataset=str(tmp_path / "flat.npz"), epochs=1)


def test_model_styles() -> None:
    import keras

    from tf2port.train import models

    inception = models.build("inception", (8, 8, 1), 10)
    mixed = inception.get_layer("mixed")
    assert isinstance(mixed, keras.layers.Concatenate)
    assert len(mixed.input) == 4  # four parallel branches from one stem
    sub = models.build("subclass", (8, 8, 1), 10)
    assert isinstance(sub.hidden, models.ScaledDense)
    assert [w.name for w in sub.hidden.weights] == ["kernel", "bias", "scale"]
    assert isinstance(models.build("cnn", (8, 8), 3), keras.Sequential)


MIRRORED_SCRIPT = """
import json, os, sys
from pathlib import Path
import tensorflow as tf
cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
from tf2port.train.config import TrainConfig
from tf2port.train.main import run
out, runs = Path(sys.argv[1]), {}
for loop, data in (("fit", sys.argv[2]), ("tape", sys.argv[3])):
    for strategy, batch in (("default", 48), ("mirrored", 24)):
        r = run(TrainConfig(loop=loop, strategy=strategy, batch_size=batch, dataset=data, epochs=2,
                            patience=0, plots=False, out=out / (loop + strategy)))
        runs[loop + "-" + strategy] = {"history": r.history, "replicas": r.replicas,
                                        "global_batch": r.global_batch, "lr": r.learning_rate,
                                        "strategy": r.strategy}
print(json.dumps(runs), flush=True)
os._exit(0)  # TensorFlow's multi-device iterator threads make a normal exit take ~9 s here
"""


@pytest.mark.slow
def test_mirrored_on_two_logical_cpus_matches_the_default_strategy(tmp_path: Path) -> None:
    # fit: 320 training examples = 6 full global batches of 48 + 32 (split 16/16).
    even = digits_subset(tmp_path / "even.npz", 400)
    # tape: 241 training examples: the last global batch of 1 is split 1/0 across replicas,
    # so the loss must be divided by the global count, not averaged per replica.
    odd = digits_subset(tmp_path / "odd.npz", 301)
    proc = subprocess.run(
        [sys.executable, "-c", MIRRORED_SCRIPT, str(tmp_path), str(even), str(odd)],
        cwd=REPO, capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    runs = json.loads(proc.stdout.strip().splitlines()[-1])
    for loop in ("fit", "tape"):
        single, mirrored = runs[f"{loop}-default"], runs[f"{loop}-mirrored"]
        assert (single["strategy"], single["replicas"]) == ("default", 1)
        assert (mirrored["strategy"], mirrored["replicas"]) == ("mirrored", 2)
        assert single["global_batch"] == mirrored["global_batch"] == 48
        assert single["lr"] == mirrored["lr"] == pytest.approx(1.5e-3)  # linear rule, base 32
        for key in ("loss", "val_loss", "accuracy", "val_accuracy"):
            np.testing.assert_allclose(
                mirrored["history"][key], single["history"][key], rtol=0, atol=1e-5, err_msg=f"{loop} {key}"
            )


@pytest.mark.slow
def test_cli_end_to_end_writes_every_output(tmp_path: Path, small: Path) -> None:
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "tf2port", "train", "--dataset", str(small), "--epochs", "2",
         "--model", "cnn", "--out", str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout == ""  # summary and progress belong on stderr
    assert "val         loss" in proc.stderr and "stopped     reached --epochs 2" in proc.stderr
    assert "\r" not in proc.stderr  # no progress bar when stderr is not a terminal
    for name in ("model.keras", "best.weights.h5", "history.csv", "metrics.json", "curves.png"):
        assert (out / name).is_file(), name
    assert (out / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert any((out / "tensorboard").rglob("events.out.tfevents.*"))
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["epochs_run"] == 2 and len(metrics["history"]["val_accuracy"]) == 2


def test_cli_device_gpu_without_a_gpu_exits_2(tmp_path: Path, small: Path) -> None:
    import tensorflow as tf
    from click.testing import CliRunner

    from tf2port.cli import cli

    if tf.config.list_physical_devices("GPU"):
        pytest.skip("this machine has a GPU")
    result = CliRunner().invoke(cli, ["train", "--device", "gpu", "--dataset", str(small), "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "--device gpu: TensorFlow sees no GPU" in result.output
