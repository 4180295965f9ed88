"""The structural analyses read libcst trees with a field walk (libcst's visitors rebuild every node).

Reference: libcst's own visitor traversal. The walk must give the same calls, in the same order,
and the same names, on every node of real programs.
"""
from __future__ import annotations

from pathlib import Path

import libcst as cst
import pytest

from tf2port.analysis.graph import _calls, _name_uses, calls_in, names_used

ROOT = Path(__file__).resolve().parent.parent
PROGRAMS = sorted(p for p in (ROOT / "fixtures").rglob("*.py") if p.parent.name != "bad")[::3] + [ROOT / "tf2port" / "fix" / "graph_to_eager.py"]


class _ReferenceNames(cst.CSTVisitor):
    def __init__(self) -> None:
        self.names: set[str] = set()

    def visit_Name(self, node: cst.Name) -> None:
        self.names.add(node.value)

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        node.value.visit(self)
        return False

    def visit_Arg(self, node: cst.Arg) -> bool:
        node.value.visit(self)
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False


class _ReferenceSizing(_ReferenceNames):
    """Sizing reads: `x.shape`/`x.get_shape`/`x.dtype` of a bare name are not uses; lambdas are entered."""

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        if node.attr.value in ("shape", "get_shape", "dtype") and isinstance(node.value, cst.Name):
            return False
        node.value.visit(self)
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return True


class _ReferenceCalls(cst.CSTVisitor):
    def __init__(self, evaluation_order: bool) -> None:
        self.calls: list[cst.Call] = []
        self.evaluation_order = evaluation_order

    def visit_Call(self, node: cst.Call) -> None:
        if not self.evaluation_order:
            self.calls.append(node)

    def leave_Call(self, original_node: cst.Call) -> None:
        if self.evaluation_order:
            self.calls.append(original_node)


class _Every(cst.CSTVisitor):
    def __init__(self) -> None:
        self.nodes: list[cst.CSTNode] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.nodes.append(node)
        return True


@pytest.mark.parametrize("path", PROGRAMS, ids=lambda p: str(p.relative_to(ROOT)))
def test_field_walk_matches_libcst_traversal(path):
    every = _Every()
    cst.parse_module(path.read_text()).visit(every)
    assert len(every.nodes) > 50
    for node in every.nodes[::5]:
        names = _ReferenceNames()
        node.visit(names)
        assert _name_uses(node) == names.names, cst.Module([]).code_for_node(node)[:200]
        sizing = _ReferenceSizing()
        node.visit(sizing)
        assert _name_uses(node, except_shape_reads=True, into_lambdas=True) == sizing.names
        for order in (False, True):
            calls = _ReferenceCalls(order)
            node.visit(calls)
            assert [id(c) for c in _calls(node, order)] == [id(c) for c in calls.calls]


def test_source_and_evaluation_order_differ_where_python_runs_arguments_first():
    statement = cst.parse_statement("@deco(a())\ndef f(x=d()):\n    return outer(inner(y) if cond() else other())\n")
    source = [cst.Module([]).code_for_node(c.func) for c in calls_in(statement)]
    evaluation = [cst.Module([]).code_for_node(c.func) for c in calls_in(statement, evaluation_order=True)]
    assert source == ["deco", "a", "d", "outer", "inner", "cond", "other"]
    assert evaluation == ["a", "deco", "d", "inner", "cond", "other", "outer"]
    assert names_used(statement) == {"deco", "a", "f", "x", "d", "outer", "inner", "y", "cond", "other"}
