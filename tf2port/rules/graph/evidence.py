"""Facts about a whole module that rules with context-dependent findings share.

Why: several TF1 patterns share their spelling with valid TF2 or non-TF code
(``df.eval(...)`` in pandas, ``tf.summary.scalar(name, data, step=...)`` in TF2,
``tf.gradients`` inside a ``tf.function``). Those rules fire only when the module
shows it is TF1 graph code. Each fact is computed once per module (cached on the
parsed tree) so a rule asking per reference stays linear::

    >>> is_tf1_module(info)  # a bare TF1-only name, or tensorflow.compat.v1 imported
    True
"""
from __future__ import annotations

import ast
import weakref
from collections.abc import Callable
from dataclasses import dataclass

from tf2port.analysis.names import ModuleInfo, Reference
from tf2port.fix.api_names import Plan, is_tf1_evidence

# Names whose use means the module runs a TF1 graph in a session.
SESSION_NAMES = frozenset({
    "tf.Session", "tf.InteractiveSession", "tf.get_default_session",
    "tf.train.MonitoredSession", "tf.train.MonitoredTrainingSession", "tf.train.SingularMonitoredSession",
})


@dataclass(frozen=True)
class ModuleFacts:
    """What a module's references say about it as a whole."""

    tf1: bool  # some reference is TF1-only (see tf2port.fix.api_names.is_tf1_evidence)
    session: bool  # the module creates or fetches a TF1 session
    names: frozenset[str]  # every qualified TF name referenced
    tf_function_lines: tuple[tuple[int, int], ...]  # line ranges of @tf.function bodies


_CACHE: weakref.WeakKeyDictionary[ast.Module, ModuleFacts] = weakref.WeakKeyDictionary()


def facts(info: ModuleInfo) -> ModuleFacts:
    """The module's facts, computed on first use."""
    found = _CACHE.get(info.tree)
    if found is None:
        names = frozenset(ref.name for ref in info.references)
        found = ModuleFacts(
            tf1=any(is_tf1_evidence(ref) for ref in info.references),
            session=bool(names & SESSION_NAMES),
            names=names,
            tf_function_lines=_tf_function_lines(info),
        )
        _CACHE[info.tree] = found
    return found


def is_tf1_module(info: ModuleInfo) -> bool:
    return facts(info).tf1


def spelled_v1(ref: Reference) -> bool:
    """The reference says itself that it means the TF1 object (`tf.compat.v1.x`, or via a v1 import)."""
    return "compat.v1" in ref.spelling or ref.binding.module_path.startswith("tensorflow.compat.v1")


def in_tf_function(info: ModuleInfo, node: ast.AST) -> bool:
    """Is ``node`` inside the body of a function decorated with `tf.function`?"""
    line = getattr(node, "lineno", 0)
    return any(start <= line <= end for start, end in facts(info).tf_function_lines)


def references_any(info: ModuleInfo, accept: Callable[[str], bool]) -> bool:
    return any(accept(name) for name in facts(info).names)


def _tf_function_lines(info: ModuleInfo) -> tuple[tuple[int, int], ...]:
    decorators = {id(ref.node) for ref in info.references if ref.name == "tf.function"}
    if not decorators:
        return ()
    ranges: list[tuple[int, int]] = []
    for node in ast.walk(info.tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for dec in node.decorator_list:
                target = dec.func if isinstance(dec, ast.Call) else dec
                if id(target) in decorators and node.end_lineno is not None:
                    ranges.append((node.lineno, node.end_lineno))
    return tuple(ranges)


GENERIC_ADVICE = "No TF2-native equivalent"


def table_advice(plan: Plan) -> str:
    """The API table's advice for a planned reference when it says something specific, else ""."""
    advice = plan.entry.advice if plan.entry is not None else ""
    return "" if not advice or advice.startswith(GENERIC_ADVICE) else advice

