"""Training settings and the learning-rate scaling rule (no TensorFlow here).

Kept free of TensorFlow so the CLI can validate options before paying for the import.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

#: The batch size at which ``--lr`` is the learning rate. With ``--lr-scaling linear``
#: the optimizer gets ``lr * global_batch / BASE_BATCH_SIZE`` (Goyal et al.'s linear rule),
#: so doubling the batch (or the number of replicas) doubles the step size.
BASE_BATCH_SIZE = 32

BUILTIN_MODELS = ("mlp", "cnn", "inception", "subclass")
LOOPS = ("fit", "tape")
LR_SCALINGS = ("linear", "none")
STRATEGIES = ("auto", "default", "mirrored")
DEVICES = ("auto", "cpu", "gpu")


class TrainError(ValueError):
    """A problem the user can fix (options, data, model, resume state): exit code 2."""


@dataclass(frozen=True)
class TrainConfig:
    """Everything one training run depends on; defaults are the CLI defaults."""

    model: str = "mlp"
    loop: str = "fit"
    epochs: int = 30
    batch_size: int = 32  # per replica
    lr: float = 1e-3  # at BASE_BATCH_SIZE
    lr_scaling: str = "linear"
    dataset: str = "digits"
    val_split: float = 0.2
    patience: int = 5
    seed: int = 0
    out: Path = Path("tf2port-train")
    strategy: str = "auto"
    device: str = "auto"
    resume: bool = False
    progress: bool | None = None  # None: only when stderr is a terminal
    plots: bool = True

    def fingerprint(self) -> dict[str, object]:
        """The settings a resumed run must share with the run it continues."""
        keep = ("model", "loop", "batch_size", "lr", "lr_scaling", "dataset", "val_split", "seed")
        return {k: v for k, v in dataclasses.asdict(self).items() if k in keep}


def scaled_learning_rate(lr: float, global_batch: int, scaling: str) -> float:
    """Learning rate for ``global_batch`` under ``scaling``.

    >>> scaled_learning_rate(1e-3, 64, "linear")
    0.002
    """
    if scaling == "none":
        return lr
    if scaling == "linear":
        return lr * global_batch / BASE_BATCH_SIZE
    raise ValueError(f"unknown lr scaling {scaling!r}; expected one of {LR_SCALINGS}")


def check_config(cfg: TrainConfig) -> list[str]:
    """Problems with option values, as messages; empty when the config is usable."""
    problems = []
    if cfg.model not in BUILTIN_MODELS and ":" not in cfg.model:
        problems.append(
            f"--model {cfg.model!r}: expected one of {', '.join(BUILTIN_MODELS)} or MODULE:FACTORY"
        )
    if cfg.epochs < 1:
        problems.append("--epochs must be at least 1")
    if cfg.batch_size < 1:
        problems.append("--batch-size must be at least 1")
    if not cfg.lr > 0:
        problems.append("--lr must be positive")
    if not 0.0 < cfg.val_split < 1.0:
        problems.append("--val-split must be between 0 and 1 (exclusive)")
    if cfg.patience < 0:
        problems.append("--patience must be 0 or more")
    return problems
