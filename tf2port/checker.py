"""Run every rule over one analysed module and produce diagnostics with planned edits.

This is the one place where analysis meets the rule registry; lint renders what it
returns, fix applies the edits of the diagnostics it keeps.
"""
from __future__ import annotations

import ast
from collections.abc import Callable

from tf2port.analysis.names import ModuleInfo
from tf2port.diagnostics import Diagnostic, Edit, FixClass
from tf2port.fix.api_names import OVERRIDING_KINDS, ROOT_MODULES, is_tf1_evidence, plan_reference
from tf2port.fix.edits import LineIndex
from tf2port.rules import Rule, dispatch

# (code, first line) -> is this finding wanted here (selection, per-file ignores, noqa)?
Active = Callable[[str, int], bool]


def _diagnostic(rule: Rule, message: str, path: str, node: ast.AST, index: LineIndex,
                edits: tuple[Edit, ...] = (), fix_message: str = "") -> Diagnostic:
    fix_class = rule.FIX if edits else FixClass.NONE
    return Diagnostic(rule.CODE, rule.NAME, message, path, index.span(node), fix_class,
                      fix_message if edits else "", edits)


def check_module(info: ModuleInfo, index: LineIndex, path: str, active: Active,
                 fixable: Callable[[FixClass], bool] = lambda _: True, tf1: bool | None = None) -> list[Diagnostic]:
    """All diagnostics for a module, in source order, each with the edits that fix it.

    ``tf1`` overrides the module's own evidence of being TF1 code (the graph-to-eager
    rewrite removes that evidence while the module is still TF1 code).
    """
    table = dispatch()
    out: list[Diagnostic] = []
    rewritten_imports: set[int] = set()  # id() of import statements whose fix will be applied

    for node, module_path in info.tf_imports:
        for rule in table.import_rules(module_path):
            message = rule.check_import(node, module_path, info)
            if message is None or not active(rule.CODE, node.lineno):
                continue
            edits = rule.plan_import(node, module_path, index)
            if edits and fixable(rule.FIX):
                rewritten_imports.add(id(node))
            out.append(_diagnostic(rule, message, path, node, index, edits,
                                   "import `tensorflow` and rename what it is used for"))

    if tf1 is None:
        tf1 = any(is_tf1_evidence(ref) for ref in info.references)
    for ref in info.references:
        binding = ref.binding
        root_alias = binding.module_path in ROOT_MODULES and ref.spelling.split(".")[0] == binding.local
        editable = root_alias and (binding.module_path == "tensorflow" or id(binding.node) in rewritten_imports)
        plan = plan_reference(ref, index, editable, tf1)
        if plan.kind in OVERRIDING_KINDS:
            ref_rule = table.kinds.get(plan.kind)
        else:
            ref_rule = table.claim(ref.name) or table.kinds.get(plan.kind)
        if ref_rule is None:
            continue
        message = ref_rule.check_reference(ref, info, plan)
        if message is None or not active(ref_rule.CODE, ref.node.lineno):
            continue
        fix_message = f"use `{plan.target}`" if plan.target else ""
        if plan.edits and not editable:
            fix_message = ""
        out.append(_diagnostic(ref_rule, message, path, ref.node, index, plan.edits, fix_message))

    for call in info.method_calls:
        for rule in table.methods.get(call.method, ()):
            message = rule.check_method(call, info)
            if message is not None and active(rule.CODE, call.call.lineno):
                out.append(_diagnostic(rule, message, path, call.call, index))

    for keyword, calls in info.calls_with_keyword.items():
        for rule in table.keywords.get(keyword, ()):
            for keyword_call in calls:
                message = rule.check_keyword(keyword_call, keyword, info)
                if message is not None and active(rule.CODE, keyword_call.lineno):
                    kw = next(k for k in keyword_call.keywords if k.arg == keyword)
                    out.append(_diagnostic(rule, message, path, kw, index))
    # the order of (d.span, d.code), without comparing Span objects field by field in Python
    out.sort(key=lambda d: (d.span.line, d.span.col, d.span.end_line, d.span.end_col, d.code))
    return out
