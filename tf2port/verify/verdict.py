"""Verdicts: what verify concluded about one pair, as frozen data.

Renderers (text, json, junit, plot) read these; nothing here computes them.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

STATUSES = ("equivalent", "mismatch", "not-comparable", "error")
EXIT_CODES = {"equivalent": 0, "mismatch": 1, "not-comparable": 2, "error": 2}


@dataclass(frozen=True)
class Divergence:
    """The first place the two programs disagree.

    ``kind`` is ``init`` (the converted initialiser differs from the original's,
    seen before verify substitutes the recorded value), ``step`` (a ``sess.run``
    / step-function value), ``printed`` (a number on stdout), ``final`` (a
    variable after the run) or ``count`` (one side produced more steps or
    printed numbers). ``index`` counts from 0 within its kind (for ``init`` and
    ``final`` it is the variable's place in the original's creation order).
    """

    kind: str
    index: int
    message: str
    original_name: str = ""
    converted_name: str = ""
    value_index: int = 0
    element: tuple[int, ...] = ()
    expected: float | None = None
    got: float | None = None
    abs_error: float | None = None
    rel_error: float | None = None


@dataclass(frozen=True)
class Compared:
    """How much was compared; an all-zero count means nothing was proven."""

    steps: int = 0
    values: int = 0
    printed: int = 0
    variables: int = 0


@dataclass(frozen=True)
class Verdict:
    """Result of ``verify_pair``; ``exit_code`` follows the CLI contract."""

    status: str
    original: str
    converted: str
    reason: str = ""
    divergence: Divergence | None = None
    compared: Compared = field(default_factory=Compared)
    notes: tuple[str, ...] = ()
    original_losses: tuple[float, ...] = ()
    converted_losses: tuple[float, ...] = ()
    device: str = ""
    rtol: float = 0.0
    atol: float = 0.0
    failed_side: str = ""
    stderr_tail: str = ""
    seconds: tuple[float, float] = (0.0, 0.0)

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.status]

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["exit_code"] = self.exit_code
        return data
