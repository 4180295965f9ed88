"""``tf2port lint|fix|rules|explain``: the core commands (no TensorFlow import here)."""
from __future__ import annotations

import difflib
import os
import sys
from collections import Counter
from pathlib import Path

import click

from tf2port import config as config_mod
from tf2port import engine, report
from tf2port.diagnostics import DECODE_ERROR, FileResult, error
from tf2port.files import SourceError, decode, discover

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _codes(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(c.strip().upper() for v in values for c in v.split(",") if c.strip())


def _load_config(paths: tuple[str, ...], explicit: str | None, select: tuple[str, ...],
                 ignore: tuple[str, ...]) -> config_mod.Config:
    start = next((p for p in paths if p != "-"), ".")
    try:
        cfg = config_mod.load(start, explicit)
        for code in (*_codes(select), *_codes(ignore)):
            config_mod._codes(code, "--select/--ignore")
    except config_mod.ConfigError as exc:
        raise click.UsageError(str(exc)) from exc
    return cfg.with_overrides(select=_codes(select), ignore=_codes(ignore))


def _cache_dir(cfg: config_mod.Config, no_cache: bool) -> str | None:
    if no_cache or os.environ.get("TF2PORT_NO_CACHE"):
        return None
    folder = Path(cfg.root) / ".tf2port_cache"
    try:
        folder.mkdir(exist_ok=True)
        ignore = folder / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# created by tf2port\n*\n")
    except OSError:
        return None
    return str(folder)


def _stdin_result(options: engine.Options, filename: str) -> FileResult:
    raw = sys.stdin.buffer.read()
    try:
        source = decode(raw, filename)
    except SourceError as exc:
        return FileResult(filename, errors=(error(DECODE_ERROR, filename, str(exc), exc.line),))
    return engine.process_source(source, options)


def _results(paths: tuple[str, ...], options: engine.Options, jobs: int | None,
             stdin_filename: str | None) -> list[FileResult]:
    results: list[FileResult] = []
    files = []
    for path in paths:
        if path == "-":
            results.append(_stdin_result(options, stdin_filename or "-"))
        elif not os.path.exists(path) and not os.path.islink(path):
            results.append(FileResult(path, errors=(error(DECODE_ERROR, path, "no such file or directory"),)))
        else:
            files.append(path)
    files = list(discover(files, options.config.exclude, options.config.root))
    from tf2port.progress import progress

    with progress(len(files), options.mode) as bar:  # drawn only when stderr is a terminal
        for result in engine.run(files, options, jobs):
            results.append(result)
            bar.advance(result.path)
    return results


def _emit(text: str, output: str | None) -> None:
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


common = [
    click.argument("paths", nargs=-1, type=click.Path()),
    click.option("--select", multiple=True, help="Rule codes or prefixes to enable (e.g. TF2,TF301)."),
    click.option("--ignore", multiple=True, help="Rule codes or prefixes to disable."),
    click.option("--config", "config_file", type=click.Path(dir_okay=False), help="A pyproject.toml to use."),
    click.option("--jobs", "-j", type=click.IntRange(min=1), help="Worker processes (default: all cores)."),
    click.option("--no-cache", is_flag=True, help="Do not read or write the result cache."),
    click.option("--stdin-filename", help="The name of the file read from stdin (`-`)."),
]


def with_common(func):
    for decorator in reversed(common):
        func = decorator(func)
    return func


@click.command("lint")
@with_common
@click.option("--format", "fmt", type=click.Choice(report.FORMATS), default="text", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write the report to a file.")
@click.option("--statistics", is_flag=True, help="Print counts per rule instead of each finding.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
def lint_command(paths, select, ignore, config_file, jobs, no_cache, stdin_filename, fmt, output,
                 statistics, exit_zero) -> None:
    """Find TF1 constructs. Exit 0 clean, 1 findings, 2 errors. Never imports TensorFlow."""
    paths = paths or (".",)
    cfg = _load_config(paths, config_file, select, ignore)
    options = engine.Options(mode="lint", config=cfg, cache_dir=_cache_dir(cfg, no_cache))
    with engine.cycle_collector_paused():  # many acyclic findings: GC passes would cost more than the sort
        results = _results(paths, options, jobs, stdin_filename)
        diagnostics = report.all_diagnostics(results)
        if statistics:
            _emit(report.statistics(diagnostics), output)
        else:
            _emit(report.RENDERERS[fmt](diagnostics), output)
    errors = sum(1 for d in diagnostics if d.is_error)
    findings = len(diagnostics) - errors
    fixable = sum(1 for d in diagnostics if d.edits or d.fix_message)
    if fmt == "text" or output:
        summary = f"Found {findings} finding{'s' * (findings != 1)} in {len(results)} file{'s' * (len(results) != 1)}"
        if fixable:
            summary += f"; [*] {fixable} fixable with `tf2port fix`"
        if errors:
            summary += f"; {errors} file{'s' * (errors != 1)} could not be checked"
        click.echo(summary + ".", err=True)
    if errors:
        sys.exit(EXIT_ERROR)
    sys.exit(EXIT_FINDINGS if findings and not exit_zero else EXIT_CLEAN)


@click.command("fix")
@with_common
@click.option("--diff", "show_diff", is_flag=True, help="Print a unified diff; write nothing.")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if any file would change.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False),
              help="Write a converted copy of the tree here; leave the sources alone.")
@click.option("--safe-only", is_flag=True, help="Apply only fixes classed safe.")
@click.option("--renames-only", is_flag=True,
              help="Only the rename-level passes (names, arguments, compat.v1 fallback); no structural "
                   "rewrite of sessions, library functions or Estimators.")
@click.option("--verify", "run_verify", is_flag=True,
              help="With --out: verify every converted script against its original (needs TensorFlow).")
def fix_command(paths, select, ignore, config_file, jobs, no_cache, stdin_filename, show_diff, check,
                out_dir, safe_only, renames_only, run_verify) -> None:
    """Rewrite TF1 code to TF2, in place unless --diff, --check or --out.

    Exit 0 when nothing is left to do, 1 when files would change (--check/--diff) or findings
    remain that have no automatic fix, 2 on errors (unparsable files are left untouched).
    """
    paths = paths or (".",)
    if run_verify and not out_dir:
        raise click.UsageError("--verify needs --out DIR (the converted copy to run beside the originals)")
    cfg = _load_config(paths, config_file, select, ignore)
    dry = show_diff or check
    base = _common_base([p for p in paths if p != "-"]) if out_dir else None
    options = engine.Options(mode="fix", config=cfg, safe_only=safe_only, structural_rewrites=not renames_only,
                             write=not dry and not out_dir,
                             out_dir=None if dry else out_dir, base=base)
    if paths == ("-",):
        result = _stdin_result(options, stdin_filename or "-")
        click.echo(result.new_text if result.new_text is not None else sys.stdin.read(), nl=False)
        sys.exit(EXIT_ERROR if result.errors else EXIT_CLEAN)
    results = _results(paths, options, jobs, stdin_filename)
    if base is not None and not dry:  # base is set exactly when --out is given
        _copy_rest(paths, base, out_dir, cfg)
    changed = [r for r in results if r.changed]
    if show_diff:
        for r in changed:
            click.echo("".join(difflib.unified_diff(
                (r.old_text or "").splitlines(keepends=True), (r.new_text or "").splitlines(keepends=True),
                fromfile=r.path, tofile=r.path)), nl=False)
    errors = [d for r in results for d in r.errors]
    remaining = [d for r in results for d in r.diagnostics]
    _summary(results, changed, dry, errors, remaining)
    declined = [d for d in remaining if "rewrite declined" in d.message or d.message.startswith("library rewrite:")]
    if declined:  # why a module kept its tf.compat.v1 form, what callers must change: the next thing to read
        click.echo(report.render_text(declined), nl=False, err=True)
    for d in errors:
        click.echo(report.render_text([d]), nl=False, err=True)
    verdict_code = EXIT_CLEAN
    if run_verify and not dry:
        assert base is not None  # --verify needs --out (checked above), which sets base
        verdict_code = _verify_changed(changed, base, out_dir, jobs)
    if errors:
        sys.exit(EXIT_ERROR)
    if dry:
        sys.exit(EXIT_FINDINGS if changed else EXIT_CLEAN)
    sys.exit(max(verdict_code, EXIT_FINDINGS if remaining else EXIT_CLEAN))


def _summary(results, changed, dry, errors, remaining) -> None:
    applied = Counter(d.code for r in results for d in r.applied)
    verb = "would change" if dry else "changed"
    lines = [f"{len(changed)} file{'s' * (len(changed) != 1)} {verb}, {len(results) - len(changed)} left as they are."]
    if applied:
        lines.append("fixes by rule: " + ", ".join(f"{code} ×{n}" for code, n in sorted(applied.items())))
    if remaining:
        left = Counter(d.code for d in remaining)
        lines.append(f"{len(remaining)} finding{'s' * (len(remaining) != 1)} left without an automatic fix: "
                     + ", ".join(f"{code} ×{n}" for code, n in sorted(left.items())))
    if errors:
        lines.append(f"{len(errors)} file{'s' * (len(errors) != 1)} could not be processed (left untouched):")
    click.echo("\n".join(lines), err=True)


def _common_base(paths: list[str]) -> str:
    """The folder that --out mirrors: the common parent of the given paths."""
    absolute = [os.path.abspath(p) for p in paths] or [os.getcwd()]
    if len(absolute) == 1:
        only = absolute[0]
        return only if os.path.isdir(only) else os.path.dirname(only)
    return os.path.commonpath([p if os.path.isdir(p) else os.path.dirname(p) for p in absolute])


def _copy_rest(paths, base: str, out_dir: str, cfg) -> None:
    """--out is a copy of the tree: non-source files (data the scripts read) come along unchanged."""
    import shutil

    from tf2port.files import ALWAYS_EXCLUDED, SOURCE_SUFFIXES

    for path in paths:
        if not os.path.isdir(path):
            continue
        for dirpath, dirnames, filenames in os.walk(path):
            dirnames[:] = [d for d in dirnames if d not in ALWAYS_EXCLUDED and
                           os.path.abspath(os.path.join(dirpath, d)) != os.path.abspath(out_dir)]
            for name in filenames:
                if name.endswith(SOURCE_SUFFIXES):
                    continue
                src = os.path.join(dirpath, name)
                dst = Path(out_dir) / os.path.relpath(os.path.abspath(src), base)
                if os.path.islink(src) or dst.exists():
                    continue
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dst)


def _verify_changed(changed: list[FileResult], base: str, out_dir: str, jobs: int | None) -> int:
    """Verify each converted script that has a main body against its original; worst exit code."""
    from concurrent.futures import ThreadPoolExecutor

    from tf2port.verify import verify_pair
    from tf2port.verify.pairs import is_runnable
    from tf2port.verify.render import text

    pairs = []
    for result in changed:
        original = Path(result.path)
        converted = Path(out_dir) / os.path.relpath(os.path.abspath(result.path), base)
        if original.suffix == ".py" and is_runnable(original):
            pairs.append((original, converted))
    if not pairs:
        click.echo("verify: no converted script with a main body to run", err=True)
        return EXIT_CLEAN
    click.echo(f"verify: running {len(pairs)} original/converted pair{'s' * (len(pairs) != 1)}...", err=True)
    with ThreadPoolExecutor(max_workers=jobs or 1) as pool:
        verdicts = list(pool.map(lambda pair: verify_pair(*pair), pairs))
    click.echo(text(verdicts), nl=False)
    return max(v.exit_code for v in verdicts)


@click.command("rules")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def rules_command(fmt: str) -> None:
    """List every rule: code, name, fix class and summary."""
    import json

    from tf2port.rules import ALL_RULES

    if fmt == "json":
        click.echo(json.dumps([{"code": r.CODE, "name": r.NAME, "fix": r.FIX.value, "summary": r.summary()}
                               for r in ALL_RULES], indent=2))
        return
    for r in sorted(ALL_RULES, key=lambda r: r.CODE):
        click.echo(f"{r.CODE}  {r.NAME:<28} {r.FIX.value:<10} {r.summary()}")


@click.command("explain")
@click.argument("code")
def explain_command(code: str) -> None:
    """Print one rule's documentation."""
    from tf2port.rules import by_code
    from tf2port.rules.docs import page

    rule = by_code().get(code.upper())
    if rule is None:
        raise click.UsageError(f"unknown rule code {code!r}; `tf2port rules` lists them")
    click.echo(page(rule), nl=False)
