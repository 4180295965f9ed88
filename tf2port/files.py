"""Finding source files, decoding them exactly, and writing them back atomically.

Text round-trips byte for byte: the encoding (PEP 263 cookie or BOM) and every
line ending are kept, so an unchanged file is never rewritten differently.
"""
from __future__ import annotations

import codecs
import fnmatch
import io
import os
import stat
import tempfile
import tokenize
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

SOURCE_SUFFIXES = (".py", ".ipynb")
ALWAYS_EXCLUDED = (".git", ".hg", ".svn", "__pycache__", ".tox", ".nox", ".venv", "venv", ".mypy_cache",
                   ".pytest_cache", ".tf2port_cache", "node_modules", "build", "dist", ".eggs")


class SourceError(Exception):
    """A file that cannot be read or decoded; carries the line where known."""

    def __init__(self, message: str, line: int = 1) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True)
class Source:
    """A decoded file: the text plus what is needed to encode it back identically."""

    path: str
    raw: bytes
    text: str
    encoding: str  # codec name; "utf-8-sig" keeps a BOM

    def encode(self, text: str) -> bytes:
        return text.encode(self.encoding)


def decode(raw: bytes, path: str = "<stdin>") -> Source:
    """Decode Python source honouring a BOM and a PEP 263 coding cookie."""
    if b"\x00" in raw:
        raise SourceError("binary file (contains NUL bytes), not Python source")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(raw).readline)
    except SyntaxError as exc:
        raise SourceError(f"bad encoding declaration: {exc}", getattr(exc, "lineno", 1) or 1) from exc
    if encoding == "utf-8" and raw.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise SourceError(f"cannot decode as {encoding}: {exc.reason} at byte {exc.start}", line) from exc
    except LookupError as exc:
        raise SourceError(f"unknown encoding {encoding!r}") from exc
    return Source(path=path, raw=raw, text=text, encoding=encoding)


def read_source(path: str | os.PathLike[str]) -> Source:
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise SourceError(f"cannot read: {exc.strerror or exc}") from exc
    return decode(raw, os.fspath(path))


def atomic_write(path: str | os.PathLike[str], data: bytes, expected: bytes | None = None) -> None:
    """Replace ``path`` with ``data`` so readers see the old or the new file, never a mix.

    With ``expected``, the file is replaced only if it still holds exactly those bytes
    (another process that changed it in the meantime wins; we raise instead of clobbering).
    """
    target = Path(path)
    mode = target.stat().st_mode & 0o7777 if target.exists() else 0o644
    if target.exists() and (not mode & 0o222 or not os.access(target, os.W_OK)):
        # rename() would replace it anyway (and root ignores modes): honour the user's "read-only"
        raise SourceError("file is read-only; left as it is")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tf2port.tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        if expected is not None:
            current = target.read_bytes()
            if current == data:  # a concurrent run already wrote exactly this: nothing to do
                os.unlink(tmp)
                return
            if current != expected:
                raise SourceError("file changed on disk while tf2port was working on it; left as it is")
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _excluded(rel: str, patterns: Iterable[str]) -> bool:
    parts = rel.split("/")
    for pattern in patterns:
        pattern = pattern.rstrip("/")
        if fnmatch.fnmatch(rel, pattern) or any(fnmatch.fnmatch(p, pattern) for p in parts):
            return True
        if rel.startswith(pattern + "/"):
            return True
    return False


def discover(paths: Iterable[str], exclude: Iterable[str] = (), root: str | None = None) -> Iterator[str]:
    """Yield source files under ``paths`` in a stable order.

    Files named explicitly are always yielded (whatever their suffix); folders are walked
    for ``.py``/``.ipynb`` files, skipping excluded names and never following symlinks.
    """
    patterns = tuple(exclude)
    seen: set[str] = set()
    for given in paths:
        if os.path.isdir(given) and not os.path.islink(given):
            base = root or given
            for dirpath, dirnames, filenames in os.walk(given, followlinks=False):
                dirnames[:] = sorted(
                    d for d in dirnames
                    if d not in ALWAYS_EXCLUDED and not d.endswith(".egg-info")
                    and not _excluded(_rel(os.path.join(dirpath, d), base), patterns)
                    and not os.path.islink(os.path.join(dirpath, d))
                )
                for name in sorted(filenames):
                    full = os.path.join(dirpath, name)
                    if not name.endswith(SOURCE_SUFFIXES) or not _regular_file(full):
                        continue
                    if _excluded(_rel(full, base), patterns) or full in seen:
                        continue
                    seen.add(full)
                    yield os.path.normpath(full)
        elif given not in seen:
            seen.add(given)
            yield given


def _regular_file(path: str) -> bool:
    """Only plain files are sources: a symlink is not followed, and reading a FIFO would block forever."""
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def _rel(path: str, base: str) -> str:
    return os.path.relpath(path, base).replace(os.sep, "/")
