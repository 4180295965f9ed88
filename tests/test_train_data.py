"""tf2port train: data loading and checks, option checks, and the CLI's error exits.

None of these import TensorFlow: bad data must fail before the 4 s TensorFlow import.
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from tf2port.cli import cli
from tf2port.train.config import TrainConfig, check_config, scaled_learning_rate
from tf2port.train.data import DataError, check_arrays, load, load_arrays, load_csv, steps_per_epoch

REPO = Path(__file__).resolve().parents[1]


def write_npz(path: Path, **arrays: np.ndarray) -> Path:
    np.savez(path, **arrays)  # type: ignore[arg-type]
    return path


def test_digits_is_the_default_dataset_and_splits_by_seed() -> None:
    a = load("digits", 0.2, seed=3)
    b = load("digits", 0.2, seed=3)
    c = load("digits", 0.2, seed=4)
    assert a.input_shape == (8, 8, 1)
    assert a.num_classes == 10
    assert len(a.x_train) + len(a.x_val) == 1797
    assert len(a.x_val) == round(1797 * 0.2)
    assert 0.0 <= a.x_train.min() and a.x_train.max() <= 1.0
    np.testing.assert_array_equal(a.y_val, b.y_val)
    assert not np.array_equal(a.y_val, c.y_val)


def test_npz_user_data_is_loaded(tmp_path: Path) -> None:
    x = np.arange(40, dtype=np.float64).reshape(20, 2)
    y = np.array([0, 1, 2, 1] * 5)
    path = write_npz(tmp_path / "d.npz", x=x, y=y)
    data = load(str(path), 0.25, seed=0)
    assert data.x_train.dtype == np.float32 and data.y_train.dtype == np.int32
    assert data.num_classes == 3 and data.input_shape == (2,)
    assert len(data.x_val) == 5


def test_csv_label_column_from_header_or_last(tmp_path: Path) -> None:
    (tmp_path / "h.csv").write_text("label,a,b\n1,0.5,2\n0,1.5,3\n")
    x, y = load_csv(tmp_path / "h.csv")
    np.testing.assert_array_equal(y, [1, 0])
    np.testing.assert_array_equal(x, [[0.5, 2], [1.5, 3]])
    (tmp_path / "n.csv").write_text("0.5,2,1\n1.5,3,0\n")
    x, y = load_csv(tmp_path / "n.csv")
    np.testing.assert_array_equal(y, [1, 0])
    assert x.shape == (2, 2)


@pytest.mark.parametrize(
    ("arrays", "message"),
    [
        ({"x": np.zeros((4, 2))}, "needs arrays named 'x' and 'y'; missing ['y']"),
        ({"x": np.zeros((4, 2)), "y": np.array([0, 1, 0])}, "x has 4 examples but y has 3 labels"),
        ({"x": np.array([[0.0, np.nan]] * 4), "y": np.array([0, 1, 0, 1])}, "NaN or infinity (first at example 0)"),
        ({"x": np.zeros((4, 2)), "y": np.array([0, 1.5, 0, 1])}, "whole-number class labels"),
        ({"x": np.zeros((4, 2)), "y": np.array([0, -1, 0, 1])}, "must be 0 or more, found -1"),
        ({"x": np.zeros((4, 2)), "y": np.array([2, 2, 2, 2])}, "at least 2 classes"),
        ({"x": np.zeros(4), "y": np.array([0, 1, 0, 1])}, "x must have shape (examples, features...)"),
        ({"x": np.zeros((4, 2)), "y": np.zeros((4, 3))}, "y must be a vector of class labels"),
        ({"x": np.array([["a", "b"]] * 4), "y": np.array([0, 1, 0, 1])}, "x must be numeric"),
    ],
)
def test_malformed_npz_names_the_problem(tmp_path: Path, arrays: dict[str, np.ndarray], message: str) -> None:
    path = write_npz(tmp_path / "bad.npz", **arrays)
    with pytest.raises(DataError) as info:
        load(str(path), 0.25, seed=0)
    assert message in str(info.value)
    assert str(path) in str(info.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a,b,label\n1,2,0\n3,x,1\n", "row 3, column 2: 'x' is not a number"),
        ("1,2,0\n3,4\n", "row 2: 2 columns, expected 3"),
        ("", "the CSV file is empty"),
        ("a,label\n", "has a header but no data rows"),
        ("0\n1\n", "need at least one feature column"),
    ],
)
def test_malformed_csv_names_row_and_column(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(DataError) as info:
        load_arrays(str(path))
    assert message in str(info.value)


def test_missing_unsupported_and_corrupt_files(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no such file"):
        load_arrays(str(tmp_path / "nope.npz"))
    (tmp_path / "d.txt").write_text("1,2\n")
    with pytest.raises(DataError, match="unsupported file type .txt"):
        load_arrays(str(tmp_path / "d.txt"))
    (tmp_path / "d.npz").write_bytes(b"not a zip file")
    with pytest.raises(DataError, match="cannot read as .npz"):
        load_arrays(str(tmp_path / "d.npz"))


def test_split_needs_examples_on_both_sides(tmp_path: Path) -> None:
    path = write_npz(tmp_path / "d.npz", x=np.zeros((3, 2)), y=np.array([0, 1, 0]))
    with pytest.raises(DataError, match="cannot be split with --val-split 0.1"):
        load(str(path), 0.1, seed=0)


def test_check_arrays_accepts_column_labels() -> None:
    x, y, k = check_arrays(np.ones((3, 2)), np.array([[0], [2], [1]]), "mem")
    assert y.tolist() == [0, 2, 1] and k == 3


def test_linear_lr_scaling_against_base_batch() -> None:
    assert scaled_learning_rate(1e-3, 32, "linear") == pytest.approx(1e-3)
    assert scaled_learning_rate(1e-3, 128, "linear") == pytest.approx(4e-3)
    assert scaled_learning_rate(1e-3, 128, "none") == pytest.approx(1e-3)
    assert steps_per_epoch(1438, 64) == 23


def test_option_checks() -> None:
    assert check_config(TrainConfig()) == []
    problems = check_config(TrainConfig(model="resnet", epochs=0, val_split=1.0, lr=0.0))
    assert len(problems) == 4
    assert "MODULE:FACTORY" in problems[0]


def test_cli_malformed_data_exits_2_with_message(tmp_path: Path) -> None:
    path = write_npz(tmp_path / "bad.npz", x=np.zeros((4, 2)), y=np.array([0, 1, 0]))
    result = CliRunner().invoke(cli, ["train", "--dataset", str(path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2, result.output
    assert "x has 4 examples but y has 3 labels" in result.output
    assert "Traceback" not in result.output


def test_cli_bad_option_values_exit_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["train", "--val-split", "1.5", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "--val-split must be between 0 and 1" in result.output
    result = CliRunner().invoke(cli, ["train", "--loop", "estimator"])
    assert result.exit_code == 2


def test_importing_the_train_command_does_not_import_tensorflow() -> None:
    code = "import sys, tf2port.train.cli, tf2port.train.config, tf2port.train.data; print('tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
