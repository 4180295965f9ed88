"""Fix one module's text: apply the planned edits of active diagnostics, then check.

Graph-mode fallbacks get ``disable_eager_execution()`` so the result still runs. The
output must compile and a second run must change nothing (idempotence); otherwise
the caller leaves the file untouched.
"""
from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass

from tf2port.analysis.names import ModuleInfo, analyse
from tf2port.checker import Active, check_module
from tf2port.diagnostics import Diagnostic, Edit, FixClass
from tf2port.fix.edits import LineIndex, apply_edits, compatible

# TF1 APIs that only work with eager execution disabled (kept as tf.compat.v1.* fallbacks).
GRAPH_ONLY = frozenset({
    "tf.placeholder", "tf.placeholder_with_default", "tf.sparse_placeholder", "tf.sparse.placeholder",
    "tf.Session", "tf.InteractiveSession",
})
EAGER_SWITCHES = frozenset({"tf.disable_eager_execution", "tf.disable_v2_behavior"})
GRAPH_RULES = ("TF201", "TF202")


class FixFailed(Exception):
    """The rewrite produced code that does not compile or is not stable; nothing is written."""


@dataclass(frozen=True)
class FixOutcome:
    text: str
    applied: tuple[Diagnostic, ...]
    remaining: tuple[Diagnostic, ...]


def parse(text: str, path: str) -> ast.Module:
    """Parse with the stdlib; RecursionError (absurd nesting) becomes a SyntaxError."""
    try:
        return ast.parse(text, filename=path)
    except RecursionError as exc:
        raise SyntaxError("expression too deeply nested to parse") from exc
    except (ValueError, MemoryError) as exc:  # e.g. source containing NUL bytes
        raise SyntaxError(str(exc)) from exc


def lint_text(text: str, path: str, active: Active) -> list[Diagnostic]:
    tree = parse(text, path)
    return check_module(analyse(tree), LineIndex(text), path, active)


def _allowed(safe_only: bool) -> Callable[[FixClass], bool]:
    if safe_only:
        return lambda fix_class: fix_class is FixClass.SAFE
    return lambda fix_class: fix_class is not FixClass.NONE


def _one_round(text: str, path: str, active: Active, allowed: Callable[[FixClass], bool]
               ) -> tuple[list[Edit], list[Diagnostic], list[Diagnostic], ModuleInfo, LineIndex]:
    tree = parse(text, path)
    info, index = analyse(tree), LineIndex(text)
    diagnostics = check_module(info, index, path, active, allowed)
    accepted: list[Edit] = []
    applied: list[Diagnostic] = []
    for diag in diagnostics:
        if diag.edits and allowed(diag.fix_class) and compatible(accepted, list(diag.edits)):
            accepted.extend(diag.edits)
            applied.append(diag)
    return accepted, applied, diagnostics, info, index


def _eager_switch(info: ModuleInfo, index: LineIndex, diagnostics: list[Diagnostic]) -> list[Edit]:
    """Insert ``<tf>.compat.v1.disable_eager_execution()`` after the TF import when graph code stays."""
    if not any(d.code in GRAPH_RULES for d in diagnostics):
        return []
    names = {ref.name for ref in info.references}
    if not names & GRAPH_ONLY or names & EAGER_SWITCHES:
        return []
    anchor = None
    for stmt in info.tree.body:
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                if alias.name == "tensorflow" and not any(
                        b.node is stmt and b.module_path != "tensorflow" for b in info.bindings):
                    anchor = (stmt, alias.asname or "tensorflow")
    if anchor is None:
        return []
    stmt, alias = anchor
    text = index.text
    end = index.end_of(stmt)
    newline_at = text.find("\n", end)
    newline = "\r\n" if newline_at > 0 and text[newline_at - 1] == "\r" else "\n"
    line = f"{alias}.compat.v1.disable_eager_execution()"
    if newline_at == -1:
        return [Edit(len(text), len(text), newline + line)]
    return [Edit(newline_at + 1, newline_at + 1, line + newline)]


def fix_text(text: str, path: str, active: Active, safe_only: bool = False) -> FixOutcome:
    """Rewrite ``text`` as far as the active rules allow. Raises SyntaxError for unparsable input.

    One round of edits planned on the original text (edits of one run never overlap in
    practice; one that would is left for the next run and reported), then the graph-mode
    switch, then the checks: the result compiles and a second run changes nothing.
    """
    allowed = _allowed(safe_only)
    edits, applied, diagnostics, info, index = _one_round(text, path, active, allowed)
    current = _checked(apply_edits(text, edits), path) if edits else text
    if edits:
        _, _, diagnostics, info, index = _one_round(current, path, active, allowed)
    switch = _eager_switch(info, index, diagnostics)
    if switch:
        current = _checked(apply_edits(current, switch), path)
    if current != text:
        again, _, diagnostics, _, _ = _one_round(current, path, active, allowed)
        if again or _eager_switch(*_one_round(current, path, active, allowed)[3:], diagnostics):
            raise FixFailed("fix is not idempotent: a second run would change the output again; "
                            "file left unchanged")
    return FixOutcome(current, tuple(applied), tuple(diagnostics))


def _checked(text: str, path: str) -> str:
    try:
        compile(text, path, "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        raise FixFailed(f"the rewritten code does not compile ({exc}); file left unchanged") from exc
    return text
