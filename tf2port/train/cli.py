"""The ``tf2port train`` click command.

Importing this module must not import TensorFlow (``tf2port --help`` loads it); the
command imports the trainer, and with it TensorFlow, only when it runs.
"""
from __future__ import annotations

import os
from pathlib import Path

import click

from tf2port.train.config import (
    BASE_BATCH_SIZE,
    DEVICES,
    LOOPS,
    LR_SCALINGS,
    STRATEGIES,
    TrainConfig,
    TrainError,
    check_config,
)

DEFAULTS = TrainConfig()


class TrainFailed(click.ClickException):
    """A usage or data problem found after parsing; exits 2 like click usage errors."""

    exit_code = 2


@click.command(name="train")
@click.option("--model", default=DEFAULTS.model, show_default=True,
              help="mlp, cnn, inception, subclass, or MODULE:FACTORY (a function returning a "
                   "tf.keras.Model; it may take input_shape and num_classes).")
@click.option("--loop", type=click.Choice(LOOPS), default=DEFAULTS.loop, show_default=True,
              help="Keras fit, or a custom GradientTape loop under tf.function.")
@click.option("--epochs", type=int, default=DEFAULTS.epochs, show_default=True, help="Maximum epochs.")
@click.option("--batch-size", type=int, default=DEFAULTS.batch_size, show_default=True,
              help="Examples per replica per step; the global batch is this times the replicas.")
@click.option("--lr", type=float, default=DEFAULTS.lr, show_default=True,
              help=f"Adam learning rate at the base batch size {BASE_BATCH_SIZE}.")
@click.option("--lr-scaling", type=click.Choice(LR_SCALINGS), default=DEFAULTS.lr_scaling, show_default=True,
              help=f"linear: lr * global_batch / {BASE_BATCH_SIZE}; none: lr as given.")
@click.option("--dataset", default=DEFAULTS.dataset, show_default=True,
              help="digits (bundled with scikit-learn), or a .npz with arrays x and y, or a "
                   "numeric CSV (label column named label/y/target/class, else the last).")
@click.option("--val-split", type=float, default=DEFAULTS.val_split, show_default=True,
              help="Fraction of examples held out for validation.")
@click.option("--patience", type=int, default=DEFAULTS.patience, show_default=True,
              help="Early-stopping patience in epochs on val_loss (best weights restored); 0 disables.")
@click.option("--seed", type=int, default=DEFAULTS.seed, show_default=True,
              help="Seeds weights, data split and data order.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=DEFAULTS.out,
              show_default=True, help="Output folder: model, checkpoints, logs, metrics, curves.")
@click.option("--strategy", type=click.Choice(STRATEGIES), default=DEFAULTS.strategy, show_default=True,
              help="auto: MirroredStrategy when several devices exist, else the default strategy.")
@click.option("--device", type=click.Choice(DEVICES), default=DEFAULTS.device, show_default=True,
              help="auto: GPUs when present, else CPU.")
@click.option("--resume", is_flag=True, help="Continue from the last epoch saved in --out.")
@click.option("--progress/--no-progress", default=None,
              help="Progress bar per epoch (default: only when stderr is a terminal).")
@click.option("--plots/--no-plots", default=True, show_default=True, help="Write curves.png.")
def train_command(**options: object) -> None:
    """Train a model the TF2 way: tf.data, Keras models, fit or GradientTape, callbacks.

    Writes to --out: model.keras, best.weights.h5, history.csv, metrics.json, curves.png,
    tensorboard/ and resume/. Exit code 2 for bad options or data.
    """
    cfg = TrainConfig(**options)  # type: ignore[arg-type]
    problems = check_config(cfg)
    if problems:
        raise click.UsageError("; ".join(problems))
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's C++ banner quiet
    from tf2port.train.main import main

    try:
        main(cfg)
    except TrainError as exc:
        raise TrainFailed(str(exc)) from exc
