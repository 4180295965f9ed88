"""Renderers: pure functions from results to text. Data goes to stdout, summaries to stderr.

Formats: text (people), json (ruff's field names), sarif (code scanning), github
(workflow annotations), junit (CI test reports).
"""
from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Sequence

from tf2port.diagnostics import Diagnostic, FileResult

FORMATS = ("text", "json", "sarif", "github", "junit")
# Where rule pages live; SARIF results link here. Override for a fork or a mirror.
DOCS_URL = os.environ.get("TF2PORT_DOCS_URL", "docs/rules/")


def rule_url(code: str) -> str:
    return f"{DOCS_URL}{code}.md"


def all_diagnostics(results: Sequence[FileResult]) -> list[Diagnostic]:
    out = [d for r in results for d in (*r.errors, *r.diagnostics)]
    out.sort(key=lambda d: (d.path, d.cell if d.cell is not None else -1, d.span, d.code))
    return out


def _where(d: Diagnostic) -> str:
    cell = f"cell {d.cell}:" if d.cell is not None else ""
    return f"{d.path}:{cell}{d.span.line}:{d.span.col}"


def render(fmt: str, results: Sequence[FileResult]) -> str:
    return RENDERERS[fmt](all_diagnostics(results))


def render_text(diagnostics: list[Diagnostic]) -> str:
    lines = []
    for d in diagnostics:
        mark = " [*]" if d.edits or d.fix_message else ""
        lines.append(f"{_where(d)}: {d.code}{mark} {d.message}")
    return "\n".join(lines) + ("\n" if lines else "")


def _json_item(d: Diagnostic) -> dict:
    fix = None
    if d.fix_message:
        fix = {"applicability": d.fix_class.value, "message": d.fix_message,
               "edits": [{"start": e.start, "end": e.end, "content": e.text} for e in d.edits]}
    return {
        "code": d.code, "name": d.name, "message": d.message, "filename": d.path,
        "cell": d.cell,
        "location": {"row": d.span.line, "column": d.span.col},
        "end_location": {"row": d.span.end_line, "column": d.span.end_col},
        "fix": fix, "url": rule_url(d.code),
    }


def render_json(diagnostics: list[Diagnostic]) -> str:
    return json.dumps([_json_item(d) for d in diagnostics], indent=2) + "\n"


def render_sarif(diagnostics: list[Diagnostic]) -> str:
    from tf2port import __version__
    from tf2port.rules import ALL_RULES

    rules = [{"id": r.CODE, "name": r.NAME, "shortDescription": {"text": r.summary()},
              "helpUri": rule_url(r.CODE), "properties": {"fix": r.FIX.value}} for r in ALL_RULES]
    results = []
    for d in diagnostics:
        region = {"startLine": d.span.line, "startColumn": d.span.col,
                  "endLine": d.span.end_line, "endColumn": d.span.end_col}
        results.append({
            "ruleId": d.code, "level": "error" if d.is_error else "warning",
            "message": {"text": d.message},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": d.path.replace(os.sep, "/")},
                                                "region": region}}],
            "helpUri": rule_url(d.code),
        })
    doc = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "tf2port", "version": __version__,
                                      "informationUri": rule_url("index").replace("index.md", ""),
                                      "rules": rules}},
                  "results": results}],
    }
    return json.dumps(doc, indent=2) + "\n"


def render_github(diagnostics: list[Diagnostic]) -> str:
    def esc(value: str) -> str:
        return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")

    lines = []
    for d in diagnostics:
        level = "error" if d.is_error else "warning"
        lines.append(f"::{level} title=tf2port ({d.code}),file={esc(d.path)},line={d.span.line},"
                     f"col={d.span.col},endLine={d.span.end_line},endColumn={d.span.end_col}::"
                     f"{esc(d.code + ' ' + d.message)}")
    return "\n".join(lines) + ("\n" if lines else "")


def render_junit(diagnostics: list[Diagnostic]) -> str:
    from xml.sax.saxutils import escape, quoteattr  # imported here: it pulls in urllib

    by_file: dict[str, list[Diagnostic]] = {}
    for d in diagnostics:
        by_file.setdefault(d.path, []).append(d)
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           f'<testsuites name="tf2port" tests="{len(diagnostics)}" failures="{len(diagnostics)}">']
    for path, items in by_file.items():
        out.append(f'  <testsuite name={quoteattr(path)} tests="{len(items)}" failures="{len(items)}">')
        for d in items:
            name = quoteattr(f"{d.code} {_where(d)}")
            out.append(f'    <testcase name={name} classname={quoteattr(path)}>')
            out.append(f'      <failure message={quoteattr(d.message)} type={quoteattr(d.code)}>'
                       f'{escape(_where(d) + ": " + d.message)}</failure>')
            out.append("    </testcase>")
        out.append("  </testsuite>")
    out.append("</testsuites>")
    return "\n".join(out) + "\n"


RENDERERS = {"text": render_text, "json": render_json, "sarif": render_sarif,
             "github": render_github, "junit": render_junit}


def statistics(diagnostics: list[Diagnostic]) -> str:
    """One line per code: count, code, name, fixable count (ruff's --statistics)."""
    counts = Counter((d.code, d.name) for d in diagnostics)
    fixable = Counter(d.code for d in diagnostics if d.edits)
    rows = [f"{n:6d}\t{code}\t{name}\t{'[*] ' + str(fixable[code]) if fixable[code] else ''}".rstrip()
            for (code, name), n in counts.most_common()]
    return "\n".join(rows) + ("\n" if rows else "")
