"""One training run, start to finish: data, device and strategy, model, loop, outputs.

``run(TrainConfig)`` is what the CLI calls and what tests call in-process. Data is loaded
and checked before TensorFlow is imported, so a bad file fails in well under a second.
"""
from __future__ import annotations

import importlib.util
import shutil
import sys
import time
from pathlib import Path
from typing import IO, Any

from tf2port.train import data as data_mod
from tf2port.train.config import TrainConfig, TrainError, check_config, scaled_learning_rate
from tf2port.train.output import TrainResult, make_progress_bar, summary_text, write_curves


class TrainUsageError(TrainError):
    """An option that cannot work here (bad value, no GPU, model/data mismatch)."""


def select_device(device: str) -> str:
    """Hide GPUs for ``cpu``; fail for ``gpu`` without one. Returns "cpu" or "gpu"."""
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if device == "gpu" and not gpus:
        raise TrainUsageError("--device gpu: TensorFlow sees no GPU on this machine")
    if device == "cpu" and gpus:
        tf.config.set_visible_devices([], "GPU")
    return "gpu" if device != "cpu" and gpus else "cpu"


def choose_strategy(name: str, device: str) -> Any:
    """MirroredStrategy over every logical device of the chosen kind when there are
    several (or when asked), else the default strategy."""
    import tensorflow as tf

    kind = "GPU" if device == "gpu" else "CPU"
    devices = [d.name for d in tf.config.list_logical_devices(kind)]
    if name == "default" or (name == "auto" and len(devices) < 2):
        return tf.distribute.get_strategy()
    # NCCL all-reduce is GPU-only; reduce through one device on CPUs.
    cross = tf.distribute.ReductionToOneDevice() if kind == "CPU" else None
    return tf.distribute.MirroredStrategy(devices=devices, cross_device_ops=cross)


def _save_model(model: Any, out: Path) -> tuple[str, str]:
    """Save as ``.keras``; a model Keras cannot serialise falls back to weights only."""
    path = out / "model.keras"
    try:
        model.save(path)
        return "model", str(path)
    except Exception as exc:  # e.g. a factory model without get_config
        weights = out / "model.weights.h5"
        model.save_weights(weights)
        print(f"tf2port train: cannot save a .keras model ({exc}); saved weights to {weights}", file=sys.stderr)
        return "weights", str(weights)


def run(cfg: TrainConfig, stream: IO[str] = sys.stderr) -> TrainResult:
    """Train per ``cfg``; writes outputs into ``cfg.out`` and returns the result."""
    problems = check_config(cfg)
    if problems:
        raise TrainUsageError("; ".join(problems))
    start = time.perf_counter()
    arrays = data_mod.load(cfg.dataset, cfg.val_split, cfg.seed)

    import tensorflow as tf

    from tf2port.train import loops, models, resume

    import keras
    device = select_device(cfg.device)
    strategy = choose_strategy(cfg.strategy, device)
    replicas = strategy.num_replicas_in_sync
    global_batch = cfg.batch_size * replicas
    learning_rate = scaled_learning_rate(cfg.lr, global_batch, cfg.lr_scaling)

    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    resume_dir = out / "resume"
    state = resume.read_state(resume_dir) if cfg.resume else None
    if state is not None and state.fingerprint != cfg.fingerprint():
        raise resume.ResumeError(
            f"{resume_dir}: saved run used {state.fingerprint}, this run {cfg.fingerprint()}; "
            "resume with the same settings or drop --resume"
        )
    if cfg.resume and state is None:
        print(f"tf2port train: nothing to resume in {resume_dir}; starting fresh", file=stream)
    if state is None and resume_dir.exists():
        shutil.rmtree(resume_dir)  # stale state from an earlier run into the same --out

    keras.utils.set_random_seed(cfg.seed)
    with strategy.scope():
        model = models.build(cfg.model, arrays.input_shape, arrays.num_classes)
        from_logits = not models.outputs_probabilities(
            model, arrays.x_train[:64], arrays.num_classes, cfg.model
        )
        loops.compile_model(model, learning_rate, from_logits)
        es_best_weights = resume.restore(resume_dir, model, state) if state else None

    first_epoch = state.next_epoch if state else 0
    prior = state.history if state else {}
    early_stopping = None
    if cfg.patience > 0:
        early_stopping = resume.EarlyStoppingWithState(
            restored=state.early_stopping if state else None,
            best_weights=es_best_weights,
            monitor="val_loss",
            patience=cfg.patience,
            restore_best_weights=True,
        )
    best_so_far = min(prior["val_loss"]) if prior.get("val_loss") else None
    callbacks: list[Any] = [
        *([early_stopping] if early_stopping else []),
        keras.callbacks.ModelCheckpoint(
            out / "best.weights.h5", monitor="val_loss", save_best_only=True,
            save_weights_only=True, initial_value_threshold=best_so_far,
        ),
        keras.callbacks.CSVLogger(str(out / "history.csv"), append=state is not None),
        resume.SaveState(resume_dir, cfg.fingerprint(), prior, early_stopping),
    ]
    if importlib.util.find_spec("tensorboard") is not None:  # tf.summary needs it
        callbacks.append(keras.callbacks.TensorBoard(out / "tensorboard", write_graph=False, profile_batch=0))
    else:
        print("tf2port train: the tensorboard package is not installed; no TensorBoard logs", file=stream)
    if cfg.progress or (cfg.progress is None and stream.isatty()):
        callbacks.append(make_progress_bar(stream))

    already_done = state is not None and (state.stopped or first_epoch >= cfg.epochs)
    now: dict[str, list[float]] = {}
    val_ds = data_mod.eval_dataset(arrays.x_val, arrays.y_val, global_batch)
    if already_done:
        if es_best_weights is not None:
            model.set_weights(es_best_weights)
    else:
        train_ds = data_mod.train_dataset(arrays, global_batch, cfg.seed, first_epoch, cfg.epochs)
        last = len(arrays.x_train) % global_batch
        if cfg.loop == "fit" and replicas > 1 and last % replicas:
            print(
                f"tf2port train: note: each epoch ends with a batch of {last} examples, split "
                f"unevenly over {replicas} replicas; Keras fit averages the replicas' mean losses "
                "with equal weight, so that step differs slightly from one device. "
                "--loop tape weights every example equally.",
                file=stream,
            )
        plan = loops.LoopPlan(first_epoch, cfg.epochs, data_mod.steps_per_epoch(len(arrays.x_train), global_batch))
        if cfg.loop == "fit":
            now = loops.run_fit(model, train_ds, val_ds, plan, callbacks)
        else:
            now = loops.TapeLoop(model, strategy, from_logits).run(train_ds, val_ds, plan, callbacks)
    history = {k: list(prior.get(k, [])) + now.get(k, []) for k in ("loss", "accuracy", "val_loss", "val_accuracy")}
    epochs_run = len(history["loss"])

    stopped = (early_stopping is not None and early_stopping.stopped_epoch > 0) or bool(state and state.stopped)
    best_epoch = None
    if early_stopping is not None and early_stopping.best_weights is not None:
        best_epoch = early_stopping.best_epoch + 1
    elif early_stopping is not None and state and state.early_stopping:
        best_epoch = int(state.early_stopping["best_epoch"]) + 1
    if already_done:
        reason = f"nothing to resume: the saved run had finished ({'early stop' if stopped else f'{first_epoch} epochs'})"
    elif stopped:
        reason = f"early stopping: val_loss did not improve for {cfg.patience} epochs after epoch {best_epoch}"
    else:
        reason = f"reached --epochs {cfg.epochs}"
    if best_epoch is not None:
        reason += f"; restored the weights of epoch {best_epoch}"

    with strategy.scope():
        train_eval = model.evaluate(data_mod.eval_dataset(arrays.x_train, arrays.y_train, global_batch),
                                    verbose=0, return_dict=True)
        val_eval = model.evaluate(val_ds, verbose=0, return_dict=True)
    final = {
        "loss": float(train_eval["loss"]), "accuracy": float(train_eval["accuracy"]),
        "val_loss": float(val_eval["loss"]), "val_accuracy": float(val_eval["accuracy"]),
    }

    files = {"checkpoint": str(out / "best.weights.h5"), "history": str(out / "history.csv"),
             "metrics": str(out / "metrics.json")}
    if (out / "tensorboard").is_dir():
        files["tensorboard"] = str(out / "tensorboard")
    kind, saved = _save_model(model, out)
    files[kind] = saved
    if cfg.plots:
        write_curves(history, out / "curves.png")
        files["curves"] = str(out / "curves.png")
    result = TrainResult(
        history=history, first_epoch=0 if already_done else first_epoch, epochs_run=epochs_run, stop_reason=reason,
        best_epoch=best_epoch, final=final, model=cfg.model, loop=cfg.loop,
        strategy="mirrored" if isinstance(strategy, tf.distribute.MirroredStrategy) else "default", replicas=replicas, global_batch=global_batch,
        learning_rate=learning_rate, dataset=arrays.source,
        seconds=time.perf_counter() - start, files=files,
    )
    (out / "metrics.json").write_text(result.to_json() + "\n")
    return result


def main(cfg: TrainConfig, stream: IO[str] = sys.stderr) -> TrainResult:
    """Run and print the summary to ``stream``."""
    result = run(cfg, stream)
    print(summary_text(result), file=stream)
    return result
