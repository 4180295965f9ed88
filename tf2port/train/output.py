"""What a run leaves behind: progress on a terminal, a summary, metrics JSON, curves PNG.

Progress and the summary go to stderr (stdout stays free for data); matplotlib is imported
only when curves are drawn, with the non-interactive Agg backend.
"""
from __future__ import annotations

import json
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any


@dataclass(frozen=True)
class TrainResult:
    """The outcome of one ``tf2port train`` run."""

    history: dict[str, list[float]]
    first_epoch: int  # 0 unless resumed
    epochs_run: int  # total epochs trained, including those before a resume
    stop_reason: str
    best_epoch: int | None  # 1-based; the epoch whose weights the final model holds
    final: dict[str, float]  # the restored model's train/val loss and accuracy
    model: str
    loop: str
    strategy: str
    replicas: int
    global_batch: int
    learning_rate: float
    dataset: str
    seconds: float
    files: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)


def summary_text(result: TrainResult) -> str:
    """Human summary: final metrics, epochs run, why it stopped, where the files are."""
    f = result.final
    lines = [
        f"tf2port train: {result.model} via {result.loop}, {result.strategy} strategy "
        f"({result.replicas} replica{'s' if result.replicas != 1 else ''}), global batch "
        f"{result.global_batch}, lr {result.learning_rate:g}",
        f"  data        {result.dataset}",
        f"  train       loss {f['loss']:.4f}  accuracy {f['accuracy']:.4f}",
        f"  val         loss {f['val_loss']:.4f}  accuracy {f['val_accuracy']:.4f}",
        f"  epochs      {result.epochs_run}"
        + (f" (resumed at epoch {result.first_epoch + 1})" if result.first_epoch else "")
        + (f"; best epoch {result.best_epoch}" if result.best_epoch else ""),
        f"  stopped     {result.stop_reason}",
        f"  time        {result.seconds:.1f} s",
    ]
    lines += [f"  {name:<11} {path}" for name, path in sorted(result.files.items())]
    return "\n".join(lines)


def write_curves(history: dict[str, list[float]], path: Path) -> None:
    """Loss and accuracy per epoch, train against validation, as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, metric in zip(axes, ("loss", "accuracy")):
        for key, label in ((metric, "train"), (f"val_{metric}", "validation")):
            values = history.get(key, [])
            ax.plot(range(1, len(values) + 1), values, marker=".", label=label)
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def make_progress_bar(stream: IO[str] = sys.stderr) -> Any:
    """A Keras callback drawing one updating line per epoch on ``stream``."""
    import keras

    class ProgressBar(keras.callbacks.Callback):
        """Epoch progress, loss so far, and the epoch's validation result."""

        def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
            self.epochs = self.params.get("epochs") or 0
            self.steps = self.params.get("steps") or 0

        def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
            self.epoch = epoch
            self.start = time.perf_counter()

        def _line(self, done: int, text: str) -> str:
            width = 24
            filled = width * done // max(self.steps, 1)
            return f"\repoch {self.epoch + 1}/{self.epochs} [{'#' * filled}{'.' * (width - filled)}] {text}"

        def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
            loss = (logs or {}).get("loss")
            stream.write(self._line(batch + 1, "" if loss is None else f"loss {float(loss):.4f}"))
            stream.flush()

        def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
            logs = logs or {}
            text = "  ".join(f"{k} {float(v):.4f}" for k, v in logs.items() if isinstance(v, (int, float)))
            stream.write(self._line(self.steps, f"{text}  {time.perf_counter() - self.start:.1f}s") + "\n")
            stream.flush()

    return ProgressBar()
