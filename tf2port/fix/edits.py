"""Positions and text edits over one source text.

The stdlib ``ast`` reports columns as UTF-8 byte offsets; edits work on character
offsets. ``LineIndex`` converts once per file, and ``apply_edits`` applies a set of
non-overlapping edits from the end so earlier offsets stay valid.
"""
from __future__ import annotations

import ast
import re
from collections.abc import Iterable

from tf2port.diagnostics import Edit, Span


_NEWLINE = re.compile(r"\r\n|\r|\n")


class OverlappingEdits(Exception):
    """Two edits touch the same text; the caller drops the later one."""


class LineIndex:
    """Maps (line, byte column) pairs from ``ast`` to character offsets in ``text``."""

    def __init__(self, text: str) -> None:
        self.text = text
        # Python ends a line at \r\n, \n or a lone \r; ast's line numbers count all three
        self.starts = [0, *(m.end() for m in _NEWLINE.finditer(text))]
        self._ascii = text.isascii()

    def offset(self, line: int, byte_col: int) -> int:
        start = self.starts[line - 1]
        if self._ascii:
            return start + byte_col
        end = self.starts[line] if line < len(self.starts) else len(self.text)
        raw = self.text[start:end].encode("utf-8")
        return start + len(raw[:byte_col].decode("utf-8", errors="ignore"))

    def start_of(self, node: ast.AST) -> int:
        return self.offset(node.lineno, node.col_offset)  # type: ignore[attr-defined]

    def end_of(self, node: ast.AST) -> int:
        return self.offset(node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]

    def span(self, node: ast.AST) -> Span:
        """1-based line/column span of a node, columns in characters."""
        start, end = self.start_of(node), self.end_of(node)
        return Span(node.lineno, start - self.starts[node.lineno - 1] + 1,  # type: ignore[attr-defined]
                    node.end_lineno, end - self.starts[node.end_lineno - 1] + 1)  # type: ignore[attr-defined]

    def position(self, offset: int) -> tuple[int, int]:
        """1-based (line, column) of a character offset."""
        import bisect

        line = bisect.bisect_right(self.starts, offset)
        return line, offset - self.starts[line - 1] + 1


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """Apply edits; an edit overlapping one already accepted raises OverlappingEdits."""
    ordered = sorted(edits, key=lambda e: (e.start, e.end, e.seq))
    for prev, cur in zip(ordered, ordered[1:]):
        if cur.start < prev.end:
            raise OverlappingEdits(f"edits overlap at offset {cur.start}")
    pieces: list[str] = []
    last = 0
    for edit in ordered:
        pieces.append(text[last:edit.start])
        pieces.append(edit.text)
        last = edit.end
    pieces.append(text[last:])
    return "".join(pieces)


def compatible(accepted: list[Edit], candidate: list[Edit]) -> bool:
    """True when ``candidate`` edits overlap none of ``accepted`` (inserts may touch)."""
    for new in candidate:
        for old in accepted:
            if new.start < old.end and old.start < new.end:
                return False
            if new.start == new.end == old.start == old.end and new.seq == old.seq:
                return False
    return True
