"""``tf2port verify ORIGINAL CONVERTED``: click front end over ``verify_pair``.

Importing this module never imports TensorFlow (each side runs in a child).
Exit codes: 0 all equivalent, 1 a mismatch, 2 could not run / not comparable /
usage (2 wins over 1).
"""
from __future__ import annotations

import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import click

from tf2port.verify import render
from tf2port.verify.api import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT, verify_pair
from tf2port.verify.pairs import find_pairs, parse_shard
from tf2port.verify.verdict import Verdict


def overall_exit(verdicts: list[Verdict]) -> int:
    codes = {v.exit_code for v in verdicts}
    return 2 if 2 in codes else 1 if 1 in codes else 0


@click.command("verify", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("original", type=click.Path(exists=True, path_type=Path), required=False)
@click.argument("converted", type=click.Path(exists=True, path_type=Path), required=False)
@click.argument("args", nargs=-1)
@click.option("--entry", "entry", nargs=2, type=str, default=None,
              metavar="ORIGINAL.py:function CONVERTED.py:Class",
              help="Compare a TF1 model function with its Keras class (see docs/verify-entry.md).")
@click.option("--input", "entry_inputs", multiple=True, metavar="NAME=D0,D1[:DTYPE[:HIGH]]",
              help="With --entry: a generated input, in call order (repeatable).")
@click.option("--arg", "entry_args", multiple=True, metavar="KEY=VALUE",
              help="With --entry: a keyword for the function and the class (repeatable).")
@click.option("--rtol", type=float, default=None, help="Relative tolerance (cpu 1e-6, gpu 1e-3).")
@click.option("--atol", type=float, default=None, help="Absolute tolerance (cpu 1e-5, gpu 1e-4).")
@click.option("--timeout", type=float, default=DEFAULT_TIMEOUT, show_default=True,
              help="Seconds per side; the whole process group is killed after it.")
@click.option("--memory", "memory_mb", type=int, default=DEFAULT_MEMORY_MB, show_default=True,
              help="Address-space cap per side, MB (0 = none).")
@click.option("--device", type=click.Choice(["cpu", "gpu", "auto"]), default="cpu",
              show_default=True, help="Where the converted program runs.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "junit"]), default="text",
              show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the report here instead of stdout.")
@click.option("--plot", "plot_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="PNG of both runs' loss-like values (needs matplotlib).")
@click.option("--jobs", type=int, default=1, show_default=True, help="Pairs verified at once.")
@click.option("--shard", default=None, help="I/N: verify only the pairs of shard I of N.")
def verify_command(original: Path, converted: Path, args: tuple[str, ...], rtol: float | None,
                   atol: float | None, timeout: float, memory_mb: int, device: str, fmt: str,
                   output: Path | None, plot_path: Path | None, jobs: int,
                   shard: str | None, entry: tuple[str, str] | None = None,
                   entry_inputs: tuple[str, ...] = (), entry_args: tuple[str, ...] = ()) -> None:
    """Run ORIGINAL under TF1 semantics and CONVERTED under TF2 and compare them.

    Both may be folders: every runnable script of ORIGINAL with a file at the
    same relative path under CONVERTED is verified. Arguments after `--` are
    passed to both programs.

    With --entry ORIGINAL.py:function CONVERTED.py:Class (and no ORIGINAL /
    CONVERTED), the model function and its Keras class are compared on
    generated --input tensors: forward pass, then 3 SGD steps.
    """
    if entry is not None:
        if original is not None or converted is not None:
            raise click.UsageError("--entry takes the place of ORIGINAL and CONVERTED")
        verdicts = [_entry_verdict(entry, entry_inputs, entry_args, rtol=rtol, atol=atol,
                                   timeout=timeout, memory_mb=memory_mb, device=device)]
        _emit(verdicts, fmt, output, plot_path)
        sys.exit(overall_exit(verdicts))
    if original is None or converted is None:
        raise click.UsageError("give ORIGINAL and CONVERTED (or --entry)")
    if original.is_dir() != converted.is_dir():
        raise click.UsageError("ORIGINAL and CONVERTED must both be files or both folders")
    try:
        shard_spec = parse_shard(shard) if shard else None
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    if original.is_dir():
        pairs = find_pairs(original, converted, shard_spec)
    else:
        pairs = [(original, converted)]

    def one(pair: tuple[Path, Path]) -> Verdict:
        return verify_pair(pair[0], pair[1], rtol=rtol, atol=atol, timeout=timeout,
                           memory_mb=memory_mb, device=device, args=tuple(args))

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        verdicts = list(pool.map(one, pairs))
    _emit(verdicts, fmt, output, plot_path)
    if not pairs:
        click.echo("no runnable script pairs found", err=True)
    sys.exit(overall_exit(verdicts))


def _entry_verdict(entry: tuple[str, str], inputs: tuple[str, ...], args: tuple[str, ...],
                   **options: object) -> Verdict:
    from tf2port.verify.entry import verify_entry
    from tf2port.verify.entry_spec import parse_arg, parse_input

    try:
        specs = [parse_input(text) for text in inputs]
        kwargs = dict(parse_arg(text) for text in args)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    if not specs:
        raise click.UsageError("--entry needs at least one --input name=d0,d1[:dtype]")
    return verify_entry(entry[0], entry[1], inputs=specs, args=kwargs, **options)  # type: ignore[arg-type]


def _emit(verdicts: list[Verdict], fmt: str, output: Path | None, plot_path: Path | None) -> None:
    report = {"text": render.text, "json": render.as_json, "junit": render.junit}[fmt](verdicts)
    if output is not None:
        output.write_text(report)
    else:
        click.echo(report, nl=False)
    if fmt != "text" or output is not None:
        click.echo(render.text(verdicts), err=True, nl=False)
    if plot_path is not None:
        try:
            render.plot(verdicts, plot_path)
        except ImportError:
            click.echo("--plot needs matplotlib (pip install tf2port[plot])", err=True)
            sys.exit(2)
