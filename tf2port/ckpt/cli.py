"""``tf2port ckpt convert OLD --model module:factory NEW``: TF1 names -> TF2 objects.

TensorFlow is imported inside the command only. Exit codes: 0 written, 1
refused (incomplete mapping; nothing written), 2 usage or could not run.
"""
from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import click

from tf2port.ckpt.convert import TRANSFORM_BY_NAME, Plan, plan, values_for
from tf2port.verify.entry_spec import parse_arg, parse_input, split_target, load_target

OBJECT_GRAPH_KEY = "_CHECKPOINTABLE_OBJECT_GRAPH"
GLOBAL_STEP = "global_step"  # the name tf.train.get_or_create_global_step gives it


@click.group("ckpt", context_settings={"help_option_names": ["-h", "--help"]})
def ckpt_group() -> None:
    """Convert checkpoints written by TF1 programs for their converted TF2 models."""


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


def build_model(target: str, inputs: tuple[str, ...], args: tuple[str, ...]) -> Any:
    """Create the model from ``module:factory`` and build it on zeros when it has no weights."""
    import numpy as np
    import tensorflow as tf

    module, attr = split_target(target)
    factory = load_target(module, attr)
    model = factory(**dict(parse_arg(a) for a in args))
    if not model.weights:
        specs = [parse_input(i) for i in inputs]
        if not specs:
            raise ValueError(f"{target} returned an unbuilt model: give its input shapes "
                             "with --input name=d0,d1[:dtype]")
        zeros = [tf.constant(np.zeros(s.shape, s.dtype)) for s in specs]
        model(*zeros, training=False)
    return model


def write_atomically(objects: dict[str, Any], new: Path) -> list[Path]:
    """Write ``tf.train.Checkpoint(**objects)`` at prefix ``new``; index renamed last."""
    import tensorflow as tf

    new.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{new.name}.", dir=new.parent))
    try:
        tf.train.Checkpoint(**objects).write(str(staging / new.name))
        files = sorted(staging.iterdir(), key=lambda p: p.suffix == ".index")
        written = []
        for part in files:  # data shards first: the index is what makes a checkpoint exist
            target = new.parent / part.name
            os.replace(part, target)
            written.append(target)
        return written
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def report(result: Plan, echo: Any) -> None:
    echo(f"{len(result.assign)} model weights mapped")
    for cell, name in result.transformed_cells():
        echo(f"RNN cell {cell}: {TRANSFORM_BY_NAME[name].note}")
    for name in result.skipped_optimizer:
        echo(f"skipped optimizer state: {name}")
    for name in result.dropped:
        echo(f"dropped by --names: {name}")
    for line in result.problems():
        echo(line)


@ckpt_group.command("convert")
@click.argument("old", type=str)
@click.option("--model", "model_target", required=True,
              help="module:factory or file.py:factory returning the converted Keras model.")
@click.argument("new", type=click.Path(path_type=Path))
@click.option("--input", "inputs", multiple=True,
              help="name=d0,d1[:dtype]: build an unbuilt model on zeros of these shapes.")
@click.option("--arg", "args", multiple=True, help="key=value passed to the factory.")
@click.option("--names", "names_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              default=None, help="JSON {old_name: new_path or null} overriding the name rule.")
@click.option("--allow-partial", is_flag=True, help="Write even when the mapping is incomplete.")
@click.option("--key", default="model", show_default=True,
              help="The name the converted program's tf.train.Checkpoint tracks the model under "
                   "(`Checkpoint(mlp_model=mlp_model, ...)`: mlp_model).")
@click.option("--global-step", "global_step_key", default=None,
              help="Also carry TF1's global_step, as an int64 variable tracked under this name "
                   "(`Checkpoint(global_step=global_step, ...)`: global_step).")
def convert_command(old: str, model_target: str, new: Path, inputs: tuple[str, ...],
                    args: tuple[str, ...], names_file: Path | None, allow_partial: bool, key: str,
                    global_step_key: str | None) -> None:
    """Convert the TF1 name-based checkpoint OLD into an object-based checkpoint NEW.

    Each TF1 variable goes to the model weight whose `.path` equals its name
    (exceptions: tf2port/ckpt/mapping.py and --names). Optimizer slots and beta
    powers are skipped, and global_step unless --global-step names it. Refuses,
    writing nothing, when a weight has no value, a checkpoint variable is
    unmatched or a shape differs. Load the result with
    tf.train.Checkpoint(model=model).read(NEW) (the names given by --key and
    --global-step), as the converted program's own checkpoint does.
    """
    try:
        overrides = json.loads(names_file.read_text()) if names_file else {}
        for spec in inputs:
            parse_input(spec)
        split_target(model_target)
        for name in (key, global_step_key):
            if name is not None and (not name.isidentifier() or name.startswith("_")):
                raise ValueError(f"checkpoint key {name!r} is not a public Python name")
        if key == global_step_key:
            raise ValueError("--key and --global-step name the same checkpoint entry")
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    import tensorflow as tf

    try:
        reader = tf.train.load_checkpoint(old)
    except Exception as exc:  # noqa: BLE001 - any unreadable checkpoint
        _fail(f"cannot read checkpoint {old}: {exc}")
    entries = {name: tuple(shape) for name, shape in reader.get_variable_to_shape_map().items()
               if name != OBJECT_GRAPH_KEY}
    try:
        model = build_model(model_target, inputs, args)
    except Exception as exc:  # noqa: BLE001 - the user's factory failing is reported
        _fail(f"cannot build {model_target}: {type(exc).__name__}: {exc}")
    weights = [(w.path, tuple(w.shape)) for w in model.weights]
    result = plan(entries, weights, overrides, model_name=model.name)
    report(result, lambda line: click.echo(line))
    if not result.complete and not allow_partial:
        click.echo(f"refused: {len(result.problems())} problem(s); nothing written "
                   "(--allow-partial writes anyway)", err=True)
        sys.exit(1)
    objects: dict[str, Any] = {key: model}
    if global_step_key is not None:
        if GLOBAL_STEP not in entries:
            click.echo(f"refused: --global-step {global_step_key}: the checkpoint has no {GLOBAL_STEP}; "
                       "nothing written", err=True)
            sys.exit(1)
        step = int(reader.get_tensor(GLOBAL_STEP))
        objects[global_step_key] = tf.Variable(step, dtype=tf.int64, trainable=False, name=GLOBAL_STEP)
        click.echo(f"{GLOBAL_STEP} {step} carried as {global_step_key}")
    values = values_for(result, reader.get_tensor)
    for weight in model.weights:
        if weight.path in values:
            weight.assign(values[weight.path])
    written = write_atomically(objects, new)
    click.echo(f"wrote {new} ({len(written)} files)" + ("" if result.complete else
                                                       " with the problems above"), err=True)
    loader = ", ".join(f"{name}=..." for name in objects)
    click.echo(f"load it with tf.train.Checkpoint({loader}).read({str(new)!r})", err=True)
