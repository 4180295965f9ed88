"""Progress on stderr for long runs, and the summary table printed at the end.

A bar is drawn only when the stream is a terminal: piped or redirected stderr
(CI logs, pre-commit, editors) stays byte-for-byte what it was without it.
Stdout is never touched, so data output (json, sarif, diffs) is unaffected.

Example::

    with progress(len(files), "lint") as bar:
        for result in engine.run(files, options):
            bar.advance(result.path)
"""
from __future__ import annotations

import os
import shutil
import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TextIO

from tf2port.diagnostics import Diagnostic

# Redraw at most this often (seconds); the last state is always drawn on close.
MIN_INTERVAL = 0.08
BAR_WIDTH = 24
DISABLE_ENV = "TF2PORT_NO_PROGRESS"  # any non-empty value turns the bar off


def _is_terminal(stream: TextIO) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):  # closed or not a real stream
        return False


def enabled(stream: TextIO) -> bool:
    """Whether a bar would be drawn on ``stream``: a terminal that is not ``dumb``, not disabled."""
    if os.environ.get(DISABLE_ENV) or os.environ.get("TERM") == "dumb":
        return False
    return _is_terminal(stream)


def _width(stream: TextIO) -> int:
    try:
        columns = os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, ValueError, OSError):
        columns = 0
    return columns if columns > 0 else shutil.get_terminal_size().columns


@dataclass
class Progress:
    """A bar over ``total`` items; ``advance`` is cheap when nothing is drawn."""

    total: int
    label: str
    stream: TextIO
    active: bool
    done: int = 0
    _last_draw: float = field(default=-1.0, repr=False)
    _drawn: int = field(default=0, repr=False)  # visible characters of the last line drawn

    def advance(self, item: str = "", count: int = 1) -> None:
        """Count ``count`` more items done; ``item`` (a path) is shown beside the bar."""
        self.done = min(self.total, self.done + count) if self.total else self.done + count
        if not self.active:
            return
        now = time.monotonic()
        if self.done < self.total and now - self._last_draw < MIN_INTERVAL:
            return
        self._last_draw = now
        self._draw(item)

    def line(self, item: str = "") -> str:
        """The text of the bar for the current state, fitted to the terminal width."""
        total = max(self.total, 1)
        filled = BAR_WIDTH * min(self.done, total) // total
        percent = 100 * min(self.done, total) // total
        digits = len(str(self.total))
        text = (f"{self.label} [{'#' * filled}{'-' * (BAR_WIDTH - filled)}] "
                f"{self.done:>{digits}}/{self.total} {percent:3d}%")
        room = _width(self.stream) - 1 - len(text) - 2
        if item and room > 8:
            if len(item) > room:
                item = "..." + item[-(room - 3):]
            text += "  " + item
        return text

    def _draw(self, item: str) -> None:
        text = self.line(item)
        pad = max(0, self._drawn - len(text))
        self.stream.write("\r" + text + " " * pad)
        self.stream.flush()
        self._drawn = len(text)

    def clear(self) -> None:
        """Erase the bar so what is printed next starts on a clean line."""
        if self.active and self._drawn:
            self.stream.write("\r" + " " * self._drawn + "\r")
            self.stream.flush()
            self._drawn = 0


@contextmanager
def progress(total: int, label: str, stream: TextIO | None = None) -> Iterator[Progress]:
    """Yield a ``Progress``; it draws on ``stream`` (default stderr) only if that is a terminal.

    The bar is erased on exit, also when the body raises, so a summary or a
    traceback printed afterwards is not glued to it. Fewer than two items draw
    nothing: a bar for one file is noise (pre-commit passes files one batch at a time).
    """
    out = stream if stream is not None else sys.stderr
    bar = Progress(total, label, out, active=total >= 2 and enabled(out))
    try:
        yield bar
    finally:
        bar.clear()


def table(headers: Sequence[str], rows: Iterable[Sequence[object]],
          numeric: Sequence[bool] | None = None) -> str:
    """Plain-text table with aligned columns; numeric columns are right-aligned."""
    body = [[str(cell) for cell in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in body]) for i, h in enumerate(headers)]
    right = list(numeric) if numeric is not None else [False] * len(headers)

    def fmt(cells: Sequence[str]) -> str:
        parts = [c.rjust(w) if r else c.ljust(w) for c, w, r in zip(cells, widths, right)]
        return "  ".join(parts).rstrip()

    lines = [fmt(list(headers)), "  ".join("-" * w for w in widths)]
    lines.extend(fmt(r) for r in body)
    return "\n".join(lines) + "\n"


def rule_summary(remaining: Iterable[Diagnostic], applied: Iterable[Diagnostic] = ()) -> str:
    """The end-of-run table: per rule, findings left and fixes applied; errors (TF0xx) last.

    Returns "" when there is nothing to report, so callers can print it unconditionally.
    """
    left: Counter[str] = Counter()
    fixed: Counter[str] = Counter()
    fixable: Counter[str] = Counter()
    names: dict[str, str] = {}
    for d in remaining:
        left[d.code] += 1
        names[d.code] = d.name
        if d.edits or d.fix_message:
            fixable[d.code] += 1
    for d in applied:
        fixed[d.code] += 1
        names[d.code] = d.name
    if not names:
        return ""
    codes = sorted(names, key=lambda c: (c.startswith("TF0"), c))
    rows = [(c, names[c], left[c], fixable[c], fixed[c]) for c in codes]
    totals = ("", "total", sum(left.values()), sum(fixable.values()), sum(fixed.values()))
    return table(("code", "name", "findings", "fixable", "fixed"), [*rows, totals],
                 numeric=(False, False, True, True, True))
