"""The per-file pipeline and its fan-out over many files.

read → decode → prefilter → parse → check (→ fix → check output → atomic write).
Every file is isolated: whatever goes wrong in one becomes a TF0xx diagnostic for
that file and the others carry on. Results of unchanged files are cached by
content hash, so a second run over the same tree is nearly free.
"""
from __future__ import annotations

import dataclasses
import gc
import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from tf2port import __version__, notebook
from tf2port.config import Config, suppressions
from tf2port.diagnostics import (DECODE_ERROR, INTERNAL_ERROR, PARSE_ERROR, Diagnostic, FileResult,
                                 Edit, FixClass, Span, error)
from tf2port.files import Source, SourceError, atomic_write, decode
from tf2port.fix.pipeline import FixFailed, fix_text, lint_text

PREFILTER = (b"tensorflow", b"tf_slim")
PARALLEL_THRESHOLD = 16  # below this many files a process pool costs more than it saves


@dataclass(frozen=True)
class Options:
    mode: str = "lint"  # "lint" | "fix"
    config: Config = dataclasses.field(default_factory=Config)
    safe_only: bool = False
    structural_rewrites: bool = True  # fix: False = the rename-level passes only (--renames-only)
    write: bool = False  # fix: write files in place
    out_dir: str | None = None  # fix: write converted copies under this folder
    base: str | None = None  # fix --out: paths are mirrored relative to this folder
    cache_dir: str | None = None


def _active(config: Config, path: str, text: str):
    marks = suppressions(text)
    enabled: dict[str, bool] = {}  # per code, for this path

    def active(code: str, line: int) -> bool:
        on = enabled.get(code)
        if on is None:
            on = enabled[code] = config.enabled(code, path)
        return on and not marks.suppressed(code, line)

    return active


def process_source(source: Source, options: Options) -> FileResult:
    """Lint or fix one decoded file (Python or notebook); never raises for bad input."""
    path = source.path
    is_notebook = path.endswith(".ipynb")
    nb: notebook.NotebookModule | None = None
    try:
        if not any(marker in source.raw for marker in PREFILTER):
            return FileResult(path, old_text=source.text if options.mode == "fix" else None)
        nb = notebook.load(source.raw, path) if is_notebook else None
        text = nb.text if nb else source.text
        active = _active(options.config, path, text)
        if options.mode == "lint":  # no text back: results cross the process pool
            diagnostics = lint_text(text, path, active)
            return FileResult(path, tuple(_relocate(diagnostics, nb)))
        outcome = fix_text(text, path, active, options.safe_only, options.structural_rewrites)
        new_text = source.text
        if outcome.text != text:
            new_text = notebook.dump(nb, outcome.text).decode("utf-8") if nb else outcome.text
        return FileResult(path, tuple(_relocate(list(outcome.remaining), nb)), old_text=source.text,
                          new_text=new_text, applied=tuple(_relocate(list(outcome.applied), nb)))
    except SyntaxError as exc:
        line = exc.lineno or 1
        if nb is not None and 0 < line <= len(nb.line_map):
            cell, cell_line = nb.line_map[line - 1]
            return FileResult(path, errors=(replace(error(PARSE_ERROR, path, f"cannot parse: {exc.msg}", cell_line,
                                                         exc.offset or 1), cell=cell),), old_text=source.text)
        return FileResult(path, errors=(error(PARSE_ERROR, path, f"cannot parse: {exc.msg}", line,
                                              exc.offset or 1),), old_text=source.text)
    except SourceError as exc:
        return FileResult(path, errors=(error(DECODE_ERROR, path, str(exc), exc.line),))
    except FixFailed as exc:
        return FileResult(path, errors=(error(INTERNAL_ERROR, path, str(exc)),), old_text=source.text)
    except Exception as exc:  # noqa: BLE001 - isolation: one file's crash is that file's error
        return FileResult(path, errors=(error(INTERNAL_ERROR, path,
                                              f"internal error ({type(exc).__name__}: {exc}); file left unchanged"),))


def _relocate(diagnostics: list[Diagnostic], nb: notebook.NotebookModule | None) -> list[Diagnostic]:
    """Notebook findings point at (cell, line in cell) instead of the joined module's line."""
    if nb is None:
        return diagnostics
    out = []
    for diag in diagnostics:
        cell, line = nb.line_map[diag.span.line - 1]
        end_cell, end_line = nb.line_map[min(diag.span.end_line, len(nb.line_map)) - 1]
        if end_cell != cell:
            end_line = line
        span = Span(line, diag.span.col, end_line, diag.span.end_col)
        out.append(replace(diag, span=span, cell=cell, edits=()))
    return out


# --- cache -----------------------------------------------------------------------------------
def _data_stamp() -> str:
    data = Path(__file__).parent / "data" / "api_v1.json"
    try:
        stat = data.stat()
        return f"{stat.st_size}:{stat.st_mtime_ns}"
    except OSError:
        return "-"


def _cache_key(raw: bytes, options: Options) -> str:
    digest = hashlib.sha256()
    for part in (__version__, _data_stamp(), options.mode, str(options.safe_only),
                 str(options.structural_rewrites), options.config.cache_key()):
        digest.update(part.encode())
        digest.update(b"\0")
    digest.update(raw)
    return digest.hexdigest()


def _cache_get(options: Options, key: str, path: str) -> FileResult | None:
    if not options.cache_dir:
        return None
    try:
        data = json.loads((Path(options.cache_dir) / key[:2] / key).read_text())
        diagnostics = tuple(Diagnostic(d["code"], d["name"], d["message"], path, Span(*d["span"]),
                                       FixClass(d["fix_class"]), d["fix_message"],
                                       tuple(Edit(*e) for e in d["edits"]), d["cell"])
                            for d in data["diagnostics"])
        return FileResult(path, diagnostics)
    except (OSError, ValueError, KeyError, TypeError):
        return None  # missing or corrupted: recompute


def _cache_put(options: Options, key: str, result: FileResult) -> None:
    if not options.cache_dir or result.errors:
        return
    payload = {"diagnostics": [
        {"code": d.code, "name": d.name, "message": d.message, "span": list(dataclasses.astuple(d.span)),
         "fix_class": d.fix_class.value, "fix_message": d.fix_message, "cell": d.cell,
         "edits": [dataclasses.astuple(e) for e in d.edits]}  # `lint --format json` shows them
        for d in result.diagnostics]}
    folder = Path(options.cache_dir) / key[:2]
    try:
        folder.mkdir(parents=True, exist_ok=True)
        atomic_write(folder / key, json.dumps(payload).encode())
    except OSError:
        pass  # a cache we cannot write is just a slower run


# --- one path ---------------------------------------------------------------------------------
@contextmanager
def cycle_collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while one file is processed.

    Why: ``ast.parse`` allocates thousands of nodes per file, and the collector's passes over
    them cost about a third of lint's time (measured on the bench corpus), yet syntax trees,
    references and diagnostics hold no reference cycles: reference counting frees them all.
    Whatever cycles a file might still create are found by the next pass after resuming.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def process_path(path: str, options: Options) -> FileResult:
    with cycle_collector_paused():
        return _process_path(path, options)


def _process_path(path: str, options: Options) -> FileResult:
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        return FileResult(path, errors=(error(DECODE_ERROR, path, f"cannot read: {exc.strerror or exc}"),))
    key = _cache_key(raw, options) if options.cache_dir and options.mode == "lint" else None
    if key:
        cached = _cache_get(options, key, path)
        if cached is not None:
            return cached
    try:
        source = decode(raw, path) if not path.endswith(".ipynb") else Source(path, raw, raw.decode("utf-8", "replace"), "utf-8")
    except SourceError as exc:
        return FileResult(path, errors=(error(DECODE_ERROR, path, str(exc), exc.line),))
    result = process_source(source, options)
    if key:
        _cache_put(options, key, result)
    if options.mode == "fix":
        result = _write(result, source, options)
    return result


def _write(result: FileResult, source: Source, options: Options) -> FileResult:
    """Write a fixed file atomically (in place, or under --out); errors stay with this file."""
    target = None
    if options.out_dir:
        rel = os.path.relpath(os.path.abspath(result.path), os.path.abspath(options.base or "."))
        target = Path(options.out_dir) / rel
    elif options.write and result.changed:
        target = Path(result.path)
    if target is None:
        return result
    new_text = result.new_text if result.changed else None
    if new_text is None:
        data = source.raw
    else:
        data = new_text.encode("utf-8") if result.path.endswith(".ipynb") else source.encode(new_text)
    try:
        if options.out_dir:
            target.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(target, data)
        else:
            atomic_write(target, data, expected=source.raw)
    except (OSError, SourceError) as exc:
        message = f"cannot write: {getattr(exc, 'strerror', None) or exc}"
        return replace(result, new_text=None, errors=result.errors + (error(DECODE_ERROR, result.path, message),))
    return result


def _worker(args: tuple[str, Options]) -> FileResult:
    return process_path(*args)


def run(paths: Iterable[str], options: Options, jobs: int | None = None) -> Iterator[FileResult]:
    """Process files, in parallel when there are many; results come back in input order."""
    files = list(paths)
    jobs = jobs or os.cpu_count() or 1
    if jobs <= 1 or len(files) < PARALLEL_THRESHOLD:
        for path in files:
            yield process_path(path, options)
        return
    from concurrent.futures import ProcessPoolExecutor

    # small chunks: the last one finishes soon after the others (a 64-file chunk is ~0.15 s of lint)
    chunk = max(1, min(16, len(files) // (jobs * 4)))
    # Unpickling results builds many acyclic objects while the set of live ones keeps growing;
    # with the collector running, its passes over them cost ~9x the unpickling itself.
    with cycle_collector_paused(), ProcessPoolExecutor(
            max_workers=jobs, initializer=_die_with_parent, initargs=(os.getpid(),)) as pool:
        yield from pool.map(_worker, [(p, options) for p in files], chunksize=chunk)


def _die_with_parent(parent: int) -> None:
    """Pool workers of a SIGKILLed run would otherwise wait on their queue forever (Linux only)."""
    import ctypes
    import signal

    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before the line above ran
        os._exit(1)
