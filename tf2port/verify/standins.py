"""Offline stand-ins for data that TF1-era programs download.

Both sides of a verification must see the same digits, so the synthetic set is
a pure function of a fixed seed: ``read_data_sets`` (TF1 tutorials) and
``tf.keras.datasets.mnist.load_data`` (TF2) are two views of one array.
The real MNIST has 60000/10000 images; the stand-in keeps 10000/1000 so a run
costs milliseconds, and keeps ``read_data_sets``' validation split of 5000, so
ports that slice ``x_train[5000:]`` see the same training images.
"""
from __future__ import annotations

import types
from typing import Any

import numpy as np

TRAIN_SIZE = 10000
TEST_SIZE = 1000
VALIDATION_SIZE = 5000
_SEED = 20150901


def _digits(count: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Noisy class templates: learnable, deterministic, 28x28 uint8."""
    templates = np.random.default_rng(_SEED).random((10, 28, 28)) ** 3
    labels = rng.integers(0, 10, size=count).astype(np.uint8)
    noise = rng.random((count, 28, 28))
    images = np.clip(0.7 * templates[labels] + 0.3 * noise, 0.0, 1.0)
    return (images * 255).astype(np.uint8), labels


_CACHE: dict[str, tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]] = {}


def mnist_arrays() -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """The synthetic set in ``tf.keras.datasets.mnist.load_data()`` form."""
    if "mnist" not in _CACHE:
        rng = np.random.default_rng(_SEED + 1)
        _CACHE["mnist"] = (_digits(TRAIN_SIZE, rng), _digits(TEST_SIZE, rng))
    (xtr, ytr), (xte, yte) = _CACHE["mnist"]
    return (xtr.copy(), ytr.copy()), (xte.copy(), yte.copy())


def load_data(path: str = "mnist.npz") -> Any:
    """Stand-in for ``keras.datasets.mnist.load_data`` (no download)."""
    return mnist_arrays()


class DataSet:
    """TF1 tutorials' ``DataSet``: epochs, numpy-shuffled batches."""

    def __init__(self, images: np.ndarray, labels: np.ndarray, *, one_hot: bool,
                 dtype: str, reshape: bool) -> None:
        if reshape:
            images = images.reshape(images.shape[0], 28 * 28)
        else:
            images = images.reshape(images.shape[0], 28, 28, 1)
        if dtype == "float32":
            images = images.astype(np.float32) * (1.0 / 255.0)
        self._images = images
        self._labels = np.eye(10, dtype=np.float64)[labels] if one_hot else labels
        self._num_examples = images.shape[0]
        self._epochs_completed = 0
        self._index_in_epoch = 0

    images = property(lambda self: self._images)
    labels = property(lambda self: self._labels)
    num_examples = property(lambda self: self._num_examples)
    epochs_completed = property(lambda self: self._epochs_completed)

    def next_batch(self, batch_size: int, fake_data: bool = False,
                   shuffle: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """Same order of numpy global-RNG draws as the TF1 tutorial class."""
        start = self._index_in_epoch
        if self._epochs_completed == 0 and start == 0 and shuffle:
            perm = np.arange(self._num_examples)
            np.random.shuffle(perm)
            self._images, self._labels = self._images[perm], self._labels[perm]
        if start + batch_size > self._num_examples:
            self._epochs_completed += 1
            rest = self._num_examples - start
            images_rest, labels_rest = self._images[start:], self._labels[start:]
            if shuffle:
                perm = np.arange(self._num_examples)
                np.random.shuffle(perm)
                self._images, self._labels = self._images[perm], self._labels[perm]
            self._index_in_epoch = batch_size - rest
            end = self._index_in_epoch
            return (np.concatenate((images_rest, self._images[:end]), axis=0),
                    np.concatenate((labels_rest, self._labels[:end]), axis=0))
        self._index_in_epoch += batch_size
        end = self._index_in_epoch
        return self._images[start:end], self._labels[start:end]


def read_data_sets(train_dir: str = "", fake_data: bool = False, one_hot: bool = False,
                   dtype: Any = "float32", reshape: bool = True,
                   validation_size: int = VALIDATION_SIZE, seed: Any = None,
                   source_url: str = "") -> Any:
    """Stand-in for ``input_data.read_data_sets``: validation is the head of train."""
    (xtr, ytr), (xte, yte) = mnist_arrays()
    kind = "float32" if "float32" in str(dtype) else "uint8"

    def dataset(images: np.ndarray, labels: np.ndarray) -> DataSet:
        return DataSet(images, labels, one_hot=one_hot, dtype=kind, reshape=reshape)

    return types.SimpleNamespace(
        train=dataset(xtr[validation_size:], ytr[validation_size:]),
        validation=dataset(xtr[:validation_size], ytr[:validation_size]),
        test=dataset(xte, yte),
    )


def tutorials_modules() -> dict[str, types.ModuleType]:
    """Module objects for ``tensorflow.examples.tutorials.mnist[.input_data]``."""
    names = ["tensorflow.examples", "tensorflow.examples.tutorials",
             "tensorflow.examples.tutorials.mnist",
             "tensorflow.examples.tutorials.mnist.input_data"]
    mods = {name: types.ModuleType(name) for name in names}
    for name in names[:-1]:
        mods[name].__path__ = []
    data = mods[names[-1]]
    data.read_data_sets = read_data_sets  # type: ignore[attr-defined]
    data.DataSet = DataSet  # type: ignore[attr-defined]
    mods[names[2]].input_data = data  # type: ignore[attr-defined]
    mods[names[1]].mnist = mods[names[2]]  # type: ignore[attr-defined]
    mods[names[0]].tutorials = mods[names[1]]  # type: ignore[attr-defined]
    return mods


def patch_mnist(module_names: tuple[str, ...], tf_module: Any) -> None:
    """Point every ``mnist.load_data`` either side can reach at the offline stand-in."""
    for modname in module_names:
        try:
            setattr(__import__(modname, fromlist=["load_data"]), "load_data", load_data)
        except Exception:
            pass
    try:
        tf_module.keras.datasets.mnist.load_data = load_data
    except Exception:
        pass
