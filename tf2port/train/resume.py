"""Per-epoch training state in ``OUT/resume/`` so ``--resume`` continues where a run left off.

Written by a callback at the end of every epoch (both loops), so an interrupted run loses
at most the epoch in flight. Holds: model weights, optimizer variables (Adam moments and
step count), the history so far, early-stopping state and its best weights, and the
settings fingerprint a resumed run must match. Works for any Keras model, including
subclassed and factory models that cannot be saved as ``.keras``.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import tensorflow as tf

from tf2port.train.config import TrainError

import keras  # Keras 3, the same object as tf.keras unless TF_USE_LEGACY_KERAS is set

STATE = "state.json"
WEIGHTS = "last.weights.h5"
BEST_WEIGHTS = "early_stopping_best.npz"
OPTIMIZER = "optimizer.npz"


class ResumeError(TrainError):
    """The saved state does not belong to this configuration or is unreadable."""


@dataclass(frozen=True)
class SavedState:
    """What ``state.json`` records after an epoch."""

    next_epoch: int
    history: dict[str, list[float]]
    stopped: bool
    fingerprint: dict[str, Any]
    early_stopping: dict[str, Any] = field(default_factory=dict)


def read_state(folder: Path) -> SavedState | None:
    path = folder / STATE
    if not path.is_file():
        return None
    try:
        raw = json.loads(path.read_text())
        return SavedState(**raw)
    except (ValueError, TypeError) as exc:
        raise ResumeError(f"{path}: unreadable resume state: {exc}") from exc


class EarlyStoppingWithState(keras.callbacks.EarlyStopping):
    """Keras EarlyStopping whose counters can be carried over into a resumed run."""

    def __init__(self, restored: dict[str, Any] | None = None, best_weights: list[np.ndarray] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._restored = restored or {}
        self._restored_weights = best_weights

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        super().on_train_begin(logs)
        if self._restored:
            self.wait = int(self._restored["wait"])
            self.best = self._restored["best"]
            self.best_epoch = int(self._restored["best_epoch"])
            self.best_weights = self._restored_weights

    def snapshot(self) -> dict[str, Any]:
        best = None if self.best is None else float(self.best)
        return {"wait": int(self.wait), "best": best, "best_epoch": int(self.best_epoch),
                "stopped_epoch": int(self.stopped_epoch)}


class SaveState(keras.callbacks.Callback):
    """Writes the resume state after every epoch (atomically: state.json goes last)."""

    def __init__(self, folder: Path, fingerprint: dict[str, Any], history: dict[str, list[float]],
                 early_stopping: EarlyStoppingWithState | None) -> None:
        super().__init__()
        self.folder = folder
        self.fingerprint = fingerprint
        self.history = {k: list(v) for k, v in history.items()}
        self.early_stopping = early_stopping
        self._saved_best_epoch: int | None = None

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(float(value))
        self.model.save_weights(self.folder / WEIGHTS)
        np.savez(self.folder / OPTIMIZER, *[np.asarray(v) for v in self.model.optimizer.variables])
        es_state: dict[str, Any] = {}
        if self.early_stopping is not None:
            es_state = self.early_stopping.snapshot()
            es = self.early_stopping
            if es.best_weights is not None and es.best_epoch != self._saved_best_epoch:
                with_best = [np.asarray(w) for w in es.best_weights]
                np.savez(self.folder / BEST_WEIGHTS, *with_best)
                self._saved_best_epoch = es.best_epoch
        state = SavedState(epoch + 1, self.history, bool(self.model.stop_training), self.fingerprint, es_state)
        tmp = self.folder / (STATE + ".tmp")
        tmp.write_text(json.dumps(state.__dict__, indent=1))
        os.replace(tmp, self.folder / STATE)


def restore(folder: Path, model: keras.Model, state: SavedState) -> list[np.ndarray] | None:
    """Load weights and optimizer variables into ``model``; returns ES best weights if any."""
    optimizer = model.optimizer
    optimizer.build(model.trainable_variables)  # so its variables exist to be assigned
    model.load_weights(folder / WEIGHTS)
    with np.load(folder / OPTIMIZER) as saved:
        values = [saved[f"arr_{i}"] for i in range(len(saved.files))]
    if len(values) != len(optimizer.variables):
        raise ResumeError(f"{folder}: optimizer state does not match this model")
    for variable, value in zip(optimizer.variables, values):
        variable.assign(value)
    best_path = folder / BEST_WEIGHTS
    if state.early_stopping and best_path.is_file():
        with np.load(best_path) as saved:
            return [saved[f"arr_{i}"] for i in range(len(saved.files))]
    return None
