"""Training data: arrays from digits / ``.npz`` / CSV, checked, split, then tf.data.

Loading and checking use NumPy only, so a malformed file fails fast with a message that
names the file and the problem (``DataError``) before TensorFlow is imported. The
pipelines make the data order a function of ``(seed, epoch)`` alone, so a resumed run and
the two training loops see exactly the same batches.
"""
from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from tf2port.train.config import TrainError

if TYPE_CHECKING:
    import tensorflow as tf


class DataError(TrainError):
    """The dataset is missing or malformed; the message says which and why."""


@dataclass(frozen=True, eq=False)
class Arrays:
    """A checked, split dataset: float32 features, int32 labels 0..num_classes-1."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    num_classes: int
    source: str

    @property
    def input_shape(self) -> tuple[int, ...]:
        return tuple(int(d) for d in self.x_train.shape[1:])


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's bundled 8x8 digits (1,797 images, no download), scaled to [0, 1]."""
    from sklearn.datasets import load_digits as sk_load_digits

    bunch = sk_load_digits()
    x = (bunch.images / 16.0).astype(np.float32)[..., np.newaxis]  # (N, 8, 8, 1)
    return x, bunch.target.astype(np.int32)


def load_npz(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Arrays ``x`` and ``y`` from an ``.npz`` archive."""
    try:
        with np.load(path, allow_pickle=False) as archive:
            keys = set(archive.files)
            missing = {"x", "y"} - keys
            if missing:
                raise DataError(
                    f"{path}: an .npz dataset needs arrays named 'x' and 'y'; "
                    f"missing {sorted(missing)}, found {sorted(keys) or 'none'}"
                )
            return archive["x"], archive["y"]
    except DataError:
        raise
    except (OSError, ValueError) as exc:  # not a zip, pickled objects, truncated
        raise DataError(f"{path}: cannot read as .npz: {exc}") from exc


LABEL_COLUMNS = ("label", "y", "target", "class")


def load_csv(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Numeric CSV: one example per row, label in a column named label/y/target/class
    (header row) or else the last column."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{path}: cannot read CSV: {exc}") from exc
    rows = [row for row in csv.reader(text.splitlines()) if any(cell.strip() for cell in row)]
    if not rows:
        raise DataError(f"{path}: the CSV file is empty")
    label_col = len(rows[0]) - 1
    first_line = 1
    if not _is_numeric_row(rows[0]):  # a header
        names = [cell.strip().lower() for cell in rows[0]]
        label_col = next((names.index(n) for n in LABEL_COLUMNS if n in names), label_col)
        rows, first_line = rows[1:], 2
        if not rows:
            raise DataError(f"{path}: the CSV file has a header but no data rows")
    width = len(rows[0])
    if width < 2:
        raise DataError(f"{path}: need at least one feature column and a label column")
    values = np.empty((len(rows), width), dtype=np.float64)
    for i, row in enumerate(rows):
        line = first_line + i
        if len(row) != width:
            raise DataError(f"{path}, row {line}: {len(row)} columns, expected {width}")
        for j, cell in enumerate(row):
            try:
                values[i, j] = float(cell)
            except ValueError:
                raise DataError(
                    f"{path}, row {line}, column {j + 1}: {cell.strip()!r} is not a number"
                ) from None
    y = values[:, label_col]
    x = np.delete(values, label_col, axis=1)
    return x, y


def _is_numeric_row(row: list[str]) -> bool:
    try:
        for cell in row:
            float(cell)
    except ValueError:
        return False
    return True


def load_arrays(spec: str) -> tuple[np.ndarray, np.ndarray, str]:
    """(x, y, description) for ``--dataset``: ``digits`` or a path to ``.npz`` / ``.csv``."""
    if spec == "digits":
        x, y = load_digits()
        return x, y, "digits (scikit-learn, 1,797 8x8 images)"
    path = Path(spec)
    if not path.is_file():
        raise DataError(f"{spec}: no such file (use 'digits' or a path to a .npz or .csv file)")
    suffix = path.suffix.lower()
    if suffix == ".npz":
        x, y = load_npz(path)
    elif suffix == ".csv":
        x, y = load_csv(path)
    else:
        raise DataError(f"{path}: unsupported file type {suffix or '(none)'}; use .npz or .csv")
    return x, y, str(path)


def check_arrays(x: Any, y: Any, source: str) -> tuple[np.ndarray, np.ndarray, int]:
    """Validated float32 features, int32 labels and the class count, or a DataError."""
    x = np.asarray(x)
    y = np.asarray(y)
    if x.dtype == object or not np.issubdtype(x.dtype, np.number):
        raise DataError(f"{source}: x must be numeric, got dtype {x.dtype}")
    if x.ndim < 2:
        raise DataError(f"{source}: x must have shape (examples, features...), got {x.shape}")
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise DataError(f"{source}: y must be a vector of class labels, got shape {y.shape}")
    if len(x) != len(y):
        raise DataError(f"{source}: x has {len(x)} examples but y has {len(y)} labels")
    if len(x) == 0:
        raise DataError(f"{source}: the dataset has no examples")
    if not np.issubdtype(y.dtype, np.number):
        raise DataError(f"{source}: y must be integer class labels, got dtype {y.dtype}")
    if not np.all(np.isfinite(x)):
        bad = int(np.argwhere(~np.isfinite(x.reshape(len(x), -1)))[0][0])
        raise DataError(f"{source}: x contains NaN or infinity (first at example {bad})")
    if not np.all(np.isfinite(y)) or not np.all(np.equal(np.mod(y, 1), 0)):
        raise DataError(f"{source}: y must hold whole-number class labels")
    if y.min() < 0:
        raise DataError(f"{source}: class labels must be 0 or more, found {int(y.min())}")
    num_classes = int(y.max()) + 1
    if len(np.unique(y)) < 2:
        raise DataError(f"{source}: need at least 2 classes, found only label {int(y[0])}")
    return x.astype(np.float32), y.astype(np.int32), num_classes


def split(x: np.ndarray, y: np.ndarray, val_split: float, seed: int, source: str, num_classes: int) -> Arrays:
    """Seeded random train/validation split; both parts must be non-empty."""
    n_val = int(round(len(x) * val_split))
    if n_val < 1 or n_val >= len(x):
        raise DataError(
            f"{source}: {len(x)} examples cannot be split with --val-split {val_split} "
            "(both parts need at least one example)"
        )
    order = np.random.default_rng(seed).permutation(len(x))
    val, train = order[:n_val], order[n_val:]
    return Arrays(x[train], y[train], x[val], y[val], num_classes, source)


def load(spec: str, val_split: float, seed: int) -> Arrays:
    """Load, check and split ``--dataset``."""
    x, y, source = load_arrays(spec)
    x, y, num_classes = check_arrays(x, y, source)
    return split(x, y, val_split, seed, source, num_classes)


def steps_per_epoch(n: int, global_batch: int) -> int:
    return math.ceil(n / global_batch)


def train_dataset(data: Arrays, global_batch: int, seed: int, first_epoch: int, epochs: int) -> tf.data.Dataset:
    """Batches for epochs ``first_epoch..epochs-1``, reshuffled per epoch.

    Each epoch's order is seeded by ``(seed, epoch)`` only, so resuming at epoch k yields
    the batches an uninterrupted run would have seen; the last batch of an epoch may be
    partial (no example is dropped).
    """
    import tensorflow as tf

    x_all = tf.constant(data.x_train)
    y_all = tf.constant(data.y_train)
    n = len(data.x_train)

    def one_epoch(epoch: tf.Tensor) -> tf.data.Dataset:
        # A stateless shuffle: the permutation depends on (seed, epoch) and nothing else.
        order = tf.random.experimental.stateless_shuffle(
            tf.range(n, dtype=tf.int64), seed=tf.stack([tf.constant(seed, tf.int64), epoch])
        )
        return tf.data.Dataset.from_tensor_slices(order).batch(global_batch)

    return (
        tf.data.Dataset.range(first_epoch, epochs)
        .flat_map(one_epoch)
        .map(lambda idx: (tf.gather(x_all, idx), tf.gather(y_all, idx)),
             num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
        .prefetch(tf.data.AUTOTUNE)
    )


def eval_dataset(x: np.ndarray, y: np.ndarray, global_batch: int) -> tf.data.Dataset:
    """Evaluation batches in a fixed order."""
    import tensorflow as tf

    return (
        tf.data.Dataset.from_tensor_slices((x, y))
        .cache()
        .batch(global_batch)
        .prefetch(tf.data.AUTOTUNE)
    )
