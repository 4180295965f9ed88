"""Frozen records that flow from rules to reports.

Rules and passes produce these; renderers only read them. Lines are 1-based,
columns 1-based (as editors and ruff show them).
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field


class FixClass(str, enum.Enum):
    """How far a rule's fix can be trusted (DESIGN section 3)."""

    SAFE = "safe"  # same program: rename to the identical object, keyword rename
    STRUCTURAL = "structural"  # program rewritten; proven by `verify`
    NONE = "none"  # diagnostic only, with advice


@dataclass(frozen=True, order=True)
class Span:
    line: int
    col: int
    end_line: int
    end_col: int


@dataclass(frozen=True, order=True)
class Edit:
    """Replace text[start:end] (character offsets) with ``text``; an insert has start == end."""

    start: int
    end: int
    text: str
    seq: int = 0  # orders inserts at one position: lower seq lands first in the output


@dataclass(frozen=True)
class Diagnostic:
    """One finding: a rule code at a place, with a message and how it is fixed."""

    code: str
    name: str
    message: str
    path: str
    span: Span
    fix_class: FixClass = FixClass.NONE
    fix_message: str = ""
    edits: tuple[Edit, ...] = ()
    cell: int | None = None  # notebook cell number (0-based); span lines are then cell lines

    @property
    def is_error(self) -> bool:
        """Errors (TF0xx) are about the tool or the input, not TF1 findings."""
        return self.code.startswith("TF0")

    def sort_key(self) -> tuple[str, Span, str]:
        return (self.path, self.span, self.code)


@dataclass(frozen=True)
class FileResult:
    """What the engine learned about one file. ``new_text`` is set only when fix changed it."""

    path: str
    diagnostics: tuple[Diagnostic, ...] = ()
    errors: tuple[Diagnostic, ...] = ()
    old_text: str | None = None
    new_text: str | None = None
    applied: tuple[Diagnostic, ...] = field(default=())  # diagnostics whose fix was applied

    @property
    def changed(self) -> bool:
        return self.new_text is not None and self.new_text != self.old_text


# Error codes: not rules, but part of the same stable code space.
PARSE_ERROR = ("TF001", "syntax-error")
DECODE_ERROR = ("TF002", "io-error")
INTERNAL_ERROR = ("TF003", "internal-error")


def error(kind: tuple[str, str], path: str, message: str, line: int = 1, col: int = 1) -> Diagnostic:
    """Build an error diagnostic (TF0xx) for a file the tool could not handle."""
    code, name = kind
    return Diagnostic(code, name, message, path, Span(line, col, line, col))

