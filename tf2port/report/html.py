"""``tf2port report PATH --out report.html``: one self-contained page about a codebase.

The page shows findings by rule and by file, the diff ``fix`` would apply, what
would stay unconverted and why, and (with ``--verify`` / ``--verify-json``)
verify's verdicts with their loss curves as inline PNGs. Everything is inline
(CSS, JS, images) and a Content-Security-Policy forbids any network load, so
the file can be mailed or attached to a CI run and opened anywhere.

Collection (``collect``) runs the engine; rendering (``render_html``) is a pure
function of frozen data and escapes every string that came from the outside.
Example::

    data = collect(["src/"], Config())
    Path("report.html").write_text(render_html(data), encoding="utf-8")
"""
from __future__ import annotations

import base64
import difflib
import json
import os
import re
import sys
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

import click

from tf2port.diagnostics import Diagnostic, FileResult

STATUS_ORDER = ("equivalent", "mismatch", "not-comparable", "error")


@dataclass(frozen=True)
class FileEntry:
    """What the report knows about one file: lint findings, and the dry-run fix outcome."""

    path: str
    findings: tuple[Diagnostic, ...] = ()  # lint: every TF1 construct found
    errors: tuple[Diagnostic, ...] = ()  # TF0xx: the file could not be checked or fixed
    remaining: tuple[Diagnostic, ...] = ()  # after fix: what it could not convert
    applied: tuple[Diagnostic, ...] = ()  # fixes fix would apply
    diff: str = ""  # unified diff of what fix would change; "" when nothing

    @property
    def interesting(self) -> bool:
        return bool(self.findings or self.errors or self.remaining or self.diff)


@dataclass(frozen=True)
class VerifyEntry:
    """One verdict (as ``Verdict.to_json`` data) and its loss-curve plot as base64 PNG."""

    verdict: dict[str, Any]
    plot_png: str = ""


@dataclass(frozen=True)
class ReportData:
    title: str
    files: tuple[FileEntry, ...]
    verify: tuple[VerifyEntry, ...] = ()
    verify_ran: bool = False
    notes: tuple[str, ...] = ()  # shown at the top (e.g. "plots need matplotlib")
    version: str = ""


# ---------------------------------------------------------------- collection


def _diff(result: FileResult, name: str) -> str:
    if not result.changed:
        return ""
    return "".join(difflib.unified_diff(
        (result.old_text or "").splitlines(keepends=True), (result.new_text or "").splitlines(keepends=True),
        fromfile=f"a/{name}", tofile=f"b/{name}"))


def display_base(paths: Sequence[str]) -> str:
    """The folder file names are shown relative to: the common folder of ``paths``."""
    folders = [os.path.abspath(p if os.path.isdir(p) else os.path.dirname(p) or ".") for p in paths]
    try:
        return os.path.commonpath(folders) if folders else os.getcwd()
    except ValueError:  # different drives
        return ""


def _shown(path: str, base: str) -> str:
    if not base:
        return path
    rel = os.path.relpath(os.path.abspath(path), base)
    return path if rel.startswith("..") else rel.replace(os.sep, "/")


def merge(lint: Sequence[FileResult], fix: Sequence[FileResult], base: str = "") -> tuple[FileEntry, ...]:
    """Pair the lint and the dry-run fix result of each file; names are shown relative to ``base``."""
    fixed = {r.path: r for r in fix}
    entries = []
    for r in lint:
        f = fixed.get(r.path, FileResult(r.path))
        errors = tuple(dict.fromkeys((*r.errors, *f.errors)))
        name = _shown(r.path, base)
        entries.append(FileEntry(name, tuple(r.diagnostics), errors, tuple(f.diagnostics),
                                 tuple(f.applied), _diff(f, name)))
    return tuple(entries)


def collect(paths: Sequence[str], config: Any, jobs: int | None = None, safe_only: bool = False,
            show_progress: bool = True) -> tuple[FileEntry, ...]:
    """Lint and dry-run fix every source file under ``paths``; nothing is written."""
    from tf2port import engine
    from tf2port.files import discover
    from tf2port.progress import progress

    files = list(discover(paths, config.exclude, config.root))
    results: dict[str, list[FileResult]] = {"lint": [], "fix": []}
    for mode in ("lint", "fix"):
        options = engine.Options(mode=mode, config=config, safe_only=safe_only, write=False)
        with progress(len(files) if show_progress else 0, f"report: {mode}") as bar:
            for result in engine.run(files, options, jobs):
                results[mode].append(result)
                bar.advance(result.path)
    return merge(results["lint"], results["fix"], display_base(paths))


def verdicts_from_json(text: str) -> list[dict[str, Any]]:
    """Verdicts from ``tf2port verify --format json`` output (or a bare list / one verdict)."""
    data = json.loads(text)
    items = data.get("verdicts", [data]) if isinstance(data, dict) else data
    if not isinstance(items, list) or not all(isinstance(v, dict) and "status" in v for v in items):
        raise ValueError("expected the JSON written by `tf2port verify --format json`")
    return items


def _plot_png(verdict: dict[str, Any]) -> str:
    """Base64 PNG of both runs' losses via verify's own plot renderer; "" when no losses."""
    if not verdict.get("original_losses") and not verdict.get("converted_losses"):
        return ""
    from tf2port.verify import render
    from tf2port.verify.verdict import Compared, Divergence, Verdict

    fields = {k: v for k, v in verdict.items() if k in Verdict.__dataclass_fields__}
    div: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v
                           for k, v in (fields.get("divergence") or {}).items()}
    fields["divergence"] = Divergence(**div) if div else None
    fields["compared"] = Compared(**(fields.get("compared") or {}))
    for key in ("notes", "original_losses", "converted_losses", "seconds"):
        if key in fields:
            fields[key] = tuple(fields[key])
    with tempfile.TemporaryDirectory(prefix="tf2port-report-") as tmp:
        png = Path(tmp) / "plot.png"
        render.plot([Verdict(**fields)], png)
        return base64.b64encode(png.read_bytes()).decode("ascii")


def attach_plots(verdicts: Iterable[dict[str, Any]]) -> tuple[tuple[VerifyEntry, ...], tuple[str, ...]]:
    """Plot each verdict; without matplotlib the verdicts are shown without plots, and said so."""
    entries, notes = [], []
    for v in verdicts:
        try:
            png = _plot_png(v)
        except ImportError:
            notes.append("loss curves are not shown: matplotlib is not installed "
                         "(pip install 'tf2port[plot]')")
            png = ""
        entries.append(VerifyEntry(v, png))
    return tuple(entries), tuple(dict.fromkeys(notes))


def run_verify(original_dir: Path, converted_dir: Path, timeout: float,
               jobs: int) -> list[dict[str, Any]]:
    """Verify each runnable script pair of the two mirrored folders (needs TensorFlow)."""
    from concurrent.futures import ThreadPoolExecutor

    from tf2port.verify.api import verify_pair
    from tf2port.verify.pairs import find_pairs

    pairs = find_pairs(original_dir, converted_dir)
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        verdicts = list(pool.map(lambda p: verify_pair(p[0], p[1], timeout=timeout), pairs))
    return [v.to_json() for v in verdicts]


# ---------------------------------------------------------------- rendering


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _prose(value: object) -> str:
    """Escape a message, then show its `backticked` names as code (safe: applied after escaping)."""
    return re.sub(r"`([^`<>]+)`", r"<code>\1</code>", _e(value))


def _slug(prefix: str, index: int) -> str:
    return f"{prefix}-{index}"


def _where(d: Diagnostic) -> str:
    cell = f"cell {d.cell}, " if d.cell is not None else ""
    return f"{cell}line {d.span.line}:{d.span.col}"


def _fixable(d: Diagnostic) -> bool:
    return bool(d.edits or d.fix_message)


def _rule_info() -> dict[str, tuple[str, str, str]]:
    from tf2port.report import rule_url
    from tf2port.rules import ALL_RULES

    return {r.CODE: (r.NAME, r.summary(), rule_url(r.CODE)) for r in ALL_RULES}


def counts(data: ReportData) -> dict[str, int]:
    """The headline numbers; the page shows each under ``id="count-<key>"``."""
    findings = [d for f in data.files for d in f.findings]
    statuses = Counter(v.verdict.get("status", "error") for v in data.verify)
    out = {
        "files": len(data.files),
        "files-with-findings": sum(1 for f in data.files if f.findings),
        "findings": len(findings),
        "fixable": sum(1 for d in findings if _fixable(d)),
        "rules": len({d.code for d in findings}),
        "changed": sum(1 for f in data.files if f.diff),
        "remaining": sum(len(f.remaining) for f in data.files),
        "errors": sum(len(f.errors) for f in data.files),
        "verdicts": len(data.verify),
    }
    out.update({s: statuses.get(s, 0) for s in STATUS_ORDER})
    return out


def _card(key: str, label: str, value: int, tone: str = "") -> str:
    return (f'<div class="card {tone}"><div class="num" id="count-{key}">{value}</div>'
            f'<div class="lbl">{_e(label)}</div></div>')


def _badge(text: str, kind: str) -> str:
    return f'<span class="badge b-{_e(kind)}">{_e(text)}</span>'


def _rules_section(data: ReportData, file_ids: dict[str, str]) -> str:
    info = _rule_info()
    by_rule: dict[str, list[tuple[str, Diagnostic]]] = defaultdict(list)
    for f in data.files:
        for d in f.findings:
            by_rule[d.code].append((f.path, d))
    if not by_rule:
        return '<p class="empty" id="rules-empty">No TensorFlow 1.x constructs found.</p>'
    rows = []
    for code, items in sorted(by_rule.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        name, summary, url = info.get(code, (items[0][1].name, "", ""))
        fix = items[0][1].fix_class.value
        nfiles = len({p for p, _ in items})
        fixable = sum(1 for _, d in items if _fixable(d))
        link = f'<a href="{_e(url)}">{_e(code)}</a>' if url else _e(code)
        rows.append(
            f'<tr id="rule-{_e(code)}" data-count="{len(items)}">'
            f'<td class="code">{link}</td><td><span class="mono">{_e(name)}</span>'
            f'<div class="sub">{_prose(summary)}</div></td><td>{_badge(fix, fix)}</td>'
            f'<td class="n">{len(items)}</td><td class="n">{fixable}</td><td class="n">{nfiles}</td>'
            f'<td>{_bar(len(items), max(len(v) for v in by_rule.values()))}</td></tr>')
    return ('<input class="filter" type="search" placeholder="Filter rules" data-filter="rules-table">'
            '<table id="rules-table"><thead><tr><th>Rule</th><th>Pattern</th><th>Fix</th>'
            '<th class="n">Findings</th><th class="n">Fixable</th><th class="n">Files</th><th></th>'
            f'</tr></thead><tbody>{"".join(rows)}</tbody></table>')


def _bar(value: int, top: int) -> str:
    width = 100 * value // max(top, 1)
    return f'<div class="hbar"><div style="width:{width}%"></div></div>'


def _files_section(data: ReportData, file_ids: dict[str, str]) -> str:
    shown = [f for f in data.files if f.interesting]
    hidden = len(data.files) - len(shown)
    note = (f'<p class="sub" id="files-clean">{hidden} scanned file{"s" * (hidden != 1)} '
            'with nothing to report are not listed.</p>') if hidden else ""
    if not shown:
        return note or '<p class="empty">No source files found.</p>'
    rows = []
    for f in sorted(shown, key=_file_order):
        status = (_badge("error", "error") if f.errors else _badge("would change", "change") if f.diff
                  else _badge("no automatic fix", "none"))
        rows.append(
            f'<tr class="file-row" data-path="{_e(f.path)}" data-count="{len(f.findings)}">'
            f'<td><a class="mono" href="#{file_ids[f.path]}">{_e(f.path)}</a></td>'
            f'<td class="n">{len(f.findings)}</td><td class="n">{sum(map(_fixable, f.findings))}</td>'
            f'<td class="n">{len(f.remaining)}</td><td>{status}</td></tr>')
    return ('<input class="filter" type="search" placeholder="Filter files" data-filter="files-table">'
            '<table id="files-table"><thead><tr><th>File</th><th class="n">Findings</th>'
            '<th class="n">Fixable</th><th class="n">Left after fix</th><th>Fix</th></tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>{note}')


def _file_order(f: FileEntry) -> tuple[int, str]:
    """Most to do first; the table and the detail sections share this order."""
    return (-len(f.findings) - len(f.errors), f.path)


def _diff_html(diff: str) -> str:
    lines = []
    for line in diff.splitlines():
        kind = ("meta" if line.startswith(("---", "+++")) else "hunk" if line.startswith("@@")
                else "add" if line.startswith("+") else "del" if line.startswith("-") else "ctx")
        lines.append(f'<span class="d-{kind}">{_e(line) or " "}</span>')
    return '<pre class="diff">' + "".join(lines) + "</pre>"  # spans are blocks: no newlines


def _diag_list(items: Sequence[Diagnostic], info: dict[str, tuple[str, str, str]]) -> str:
    out = []
    for d in items:
        url = info.get(d.code, ("", "", ""))[2]
        code = f'<a href="{_e(url)}">{_e(d.code)}</a>' if url else _e(d.code)
        mark = ' <span class="fixmark" title="fix has an automatic fix">[*]</span>' if _fixable(d) else ""
        out.append(f'<li><span class="where">{_e(_where(d))}</span> <span class="code">{code}</span>'
                   f'{mark} {_prose(d.message)}</li>')
    return f'<ul class="diags">{"".join(out)}</ul>'


def _file_details(data: ReportData, file_ids: dict[str, str]) -> str:
    info = _rule_info()
    blocks = []
    for f in sorted((f for f in data.files if f.interesting), key=_file_order):
        parts = [f'<h3 class="mono">{_e(f.path)}</h3>']
        if f.errors:
            parts.append('<h4>Could not be processed</h4>' + _diag_list(f.errors, info))
        if f.findings:
            parts.append(f'<h4>Findings ({len(f.findings)})</h4>' + _diag_list(f.findings, info))
        if f.diff:
            added = sum(1 for ln in f.diff.splitlines() if ln.startswith("+") and not ln.startswith("+++"))
            removed = sum(1 for ln in f.diff.splitlines() if ln.startswith("-") and not ln.startswith("---"))
            parts.append(f'<details class="diffbox"><summary>What <code>tf2port fix</code> would change '
                         f'<span class="plus">+{added}</span> <span class="minus">&minus;{removed}</span>'
                         f'</summary>{_diff_html(f.diff)}</details>')
        blocks.append(f'<section class="file" id="{file_ids[f.path]}">{"".join(parts)}</section>')
    return "".join(blocks) or '<p class="empty">Nothing to show.</p>'


def _unconverted_section(data: ReportData) -> str:
    info = _rule_info()
    by_rule: dict[str, list[tuple[str, Diagnostic]]] = defaultdict(list)
    for f in data.files:
        for d in f.remaining:
            by_rule[d.code].append((f.path, d))
    errors = [(f.path, d) for f in data.files for d in f.errors]
    if not by_rule and not errors:
        return '<p class="empty" id="unconverted-empty">Everything found can be converted by <code>tf2port fix</code>.</p>'
    parts = []
    if errors:
        listed = "".join(f'<li><span class="mono">{_e(p)}</span> <span class="where">{_e(_where(d))}</span> '
                         f'<span class="code">{_e(d.code)}</span> {_e(d.name)}: {_e(d.message)}</li>'
                         for p, d in errors)
        parts.append(f'<div class="callout err"><h3>Files tf2port could not process '
                     f'({len(errors)})</h3><ul class="diags">{listed}</ul></div>')
    for code, items in sorted(by_rule.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        name, summary, url = info.get(code, (items[0][1].name, "", ""))
        rows = "".join(f'<li><span class="mono">{_e(p)}</span> <span class="where">{_e(_where(d))}</span> '
                       f'{_prose(d.message)}</li>' for p, d in items)
        link = f'<a href="{_e(url)}">{_e(code)}</a>' if url else _e(code)
        parts.append(f'<details class="left" id="left-{_e(code)}" data-count="{len(items)}"><summary>'
                     f'<span class="code">{link}</span> <span class="mono">{_e(name)}</span> '
                     f'<span class="pill">{len(items)}</span><div class="sub">{_prose(summary)}</div>'
                     f'</summary><ul class="diags">{rows}</ul></details>')
    return "".join(parts)


def _fmt_num(value: object) -> str:
    return f"{value:.6g}" if isinstance(value, float) else _e(value)


def _verify_section(data: ReportData) -> str:
    if not data.verify:
        msg = ("verify found no runnable script pairs." if data.verify_ran else
               "verify was not run. Add <code>--verify CONVERTED_DIR</code> or "
               "<code>--verify-json FILE</code> to include its verdicts.")
        return f'<p class="empty" id="verify-empty">{msg}</p>'
    cards = []
    for i, entry in enumerate(data.verify):
        v = entry.verdict
        status = str(v.get("status", "error"))
        c = v.get("compared") or {}
        lines = [f'<div class="vhead">{_badge(status, status)} <span class="mono">{_e(v.get("original", ""))}'
                 f'</span> &rarr; <span class="mono">{_e(v.get("converted", ""))}</span></div>']
        if status != "error":
            lines.append(f'<p class="sub">compared {_e(c.get("steps", 0))} steps ({_e(c.get("values", 0))} '
                         f'values), {_e(c.get("printed", 0))} printed numbers, {_e(c.get("variables", 0))} '
                         f'final variables; rtol={_fmt_num(v.get("rtol", 0.0))} '
                         f'atol={_fmt_num(v.get("atol", 0.0))}</p>')
        d = v.get("divergence")
        if d:
            detail = f'First divergence ({_e(d.get("kind", ""))} {_e(d.get("index", ""))}): {_e(d.get("message", ""))}'
            if d.get("abs_error") is not None:
                detail += (f' &mdash; abs error {_fmt_num(d.get("abs_error"))}, '
                           f'rel error {_fmt_num(d.get("rel_error"))}')
            lines.append(f'<p class="why">{detail}</p>')
        elif v.get("reason"):
            lines.append(f'<p class="why">{_e(v["reason"])}</p>')
        for note in v.get("notes") or ():
            lines.append(f'<p class="sub">note: {_e(note)}</p>')
        if v.get("stderr_tail"):
            lines.append(f'<details><summary>{_e(v.get("failed_side", ""))} stderr (tail)</summary>'
                         f'<pre class="log">{_e(v["stderr_tail"])}</pre></details>')
        if entry.plot_png:
            alt = f"loss curves of {v.get('converted', '')}"
            lines.append(f'<img class="plot" alt="{_e(alt)}" src="data:image/png;base64,{entry.plot_png}">')
        cards.append(f'<div class="verdict v-{_e(status)}" id="{_slug("verdict", i)}" '
                     f'data-status="{_e(status)}">{"".join(lines)}</div>')
    return "".join(cards)


CSS = """
:root{--fg:#1f2328;--mut:#656d76;--bd:#d0d7de;--bg:#f6f8fa;--acc:#0969da;--ok:#1a7f37;--bad:#cf222e;--warn:#9a6700}
*{box-sizing:border-box}
body{margin:0;font:14px/1.5 -apple-system,BlinkMacSystemFont,"Segoe UI",Helvetica,Arial,sans-serif;color:var(--fg);background:#fff}
header{background:#24292f;color:#fff;padding:18px 32px}
header h1{margin:0;font-size:20px;font-weight:600}
header .meta{color:#b6bec8;font-size:12px;margin-top:2px}
nav{position:sticky;top:0;z-index:2;background:#fff;border-bottom:1px solid var(--bd);padding:8px 32px}
nav a{margin-right:18px;color:var(--acc);text-decoration:none;font-weight:500}
main{max-width:1180px;margin:0 auto;padding:8px 32px 48px}
h2{font-size:17px;margin:30px 0 10px;padding-bottom:6px;border-bottom:1px solid var(--bd)}
h3{font-size:14px;margin:0 0 8px}
h4{font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:var(--mut);margin:12px 0 4px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(110px,1fr));gap:10px;margin:18px 0 4px}
.card{border:1px solid var(--bd);border-radius:8px;padding:12px 14px;background:var(--bg)}
.card .num{font-size:26px;font-weight:600;line-height:1.1}
.card .lbl{color:var(--mut);font-size:12px}
.card.good .num{color:var(--ok)} .card.bad .num{color:var(--bad)} .card.warn .num{color:var(--warn)}
.notes{background:#fff8c5;border:1px solid #d4a72c;border-radius:6px;padding:8px 12px;margin-top:12px}
table{width:100%;border-collapse:collapse;margin:6px 0}
th{text-align:left;font-size:12px;color:var(--mut);font-weight:600;border-bottom:1px solid var(--bd);padding:6px 8px}
td{border-bottom:1px solid #eaeef2;padding:6px 8px;vertical-align:top}
tbody tr:hover{background:#f6f8fa}
.n{text-align:right;font-variant-numeric:tabular-nums;width:90px}
.mono,code,.code,.where{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
.code a,.code{font-weight:600}
a{color:var(--acc)}
.sub{color:var(--mut);font-size:12px}
.where{color:var(--mut)}
.badge{display:inline-block;border-radius:999px;padding:0 8px;font-size:11.5px;font-weight:600;border:1px solid transparent;white-space:nowrap}
.b-safe,.b-equivalent{background:#dafbe1;color:#116329;border-color:#aceebb}
.b-structural,.b-change{background:#ddf4ff;color:#0550ae;border-color:#b6e3ff}
.b-none,.b-not-comparable{background:#fff8c5;color:#7d4e00;border-color:#f2cc60}
.b-error,.b-mismatch{background:#ffebe9;color:#a40e26;border-color:#ffcecb}
.hbar{background:#eaeef2;border-radius:4px;height:8px;width:120px;margin-top:6px}
.hbar div{background:var(--acc);height:8px;border-radius:4px}
button{font:inherit;font-size:12px;font-weight:500;margin-left:10px;padding:2px 10px;border:1px solid var(--bd);border-radius:6px;background:var(--bg);color:var(--fg);cursor:pointer;vertical-align:middle}
button:hover{background:#eaeef2}
.filter{margin:4px 0 6px;padding:5px 9px;border:1px solid var(--bd);border-radius:6px;width:260px;font:inherit}
.file{border:1px solid var(--bd);border-radius:8px;padding:12px 16px;margin:12px 0}
.diags{margin:0;padding-left:18px}
.diags li{margin:2px 0}
.fixmark{color:var(--ok);font-weight:600}
details>summary{cursor:pointer}
.diffbox{margin-top:10px}
.diffbox summary{font-weight:500}
.plus{color:var(--ok);font-weight:600}.minus{color:var(--bad);font-weight:600}
pre.diff,pre.log{background:#f6f8fa;border:1px solid var(--bd);border-radius:6px;padding:8px 0;overflow:auto;font-size:12px;line-height:1.45}
pre.diff span{display:block;padding:0 12px;white-space:pre}
pre.log{padding:8px 12px}
.d-add{background:#e6ffec}.d-del{background:#ffebe9}.d-hunk{background:#ddf4ff;color:#57606a}.d-meta{color:#57606a;font-weight:600}
.left{border:1px solid var(--bd);border-radius:8px;padding:8px 14px;margin:8px 0}
.pill{background:#eaeef2;border-radius:999px;padding:0 8px;font-size:12px;font-weight:600}
.callout{border-radius:8px;padding:10px 14px;margin:8px 0}
.callout.err{background:#ffebe9;border:1px solid #ffcecb}
.verdict{border:1px solid var(--bd);border-left-width:5px;border-radius:8px;padding:12px 16px;margin:12px 0}
.v-equivalent{border-left-color:var(--ok)}.v-mismatch,.v-error{border-left-color:var(--bad)}.v-not-comparable{border-left-color:#d4a72c}
.vhead{font-weight:500}
.why{margin:6px 0}
.plot{max-width:100%;height:auto;border:1px solid #eaeef2;border-radius:6px;margin-top:8px}
.empty{color:var(--mut);font-style:italic}
footer{color:var(--mut);font-size:12px;text-align:center;padding:24px}
"""

JS = """
(function () {
  "use strict";
  document.querySelectorAll("input.filter").forEach(function (box) {
    var table = document.getElementById(box.getAttribute("data-filter"));
    if (!table) { return; }
    box.addEventListener("input", function () {
      var needle = box.value.toLowerCase();
      table.querySelectorAll("tbody tr").forEach(function (row) {
        row.style.display = row.textContent.toLowerCase().indexOf(needle) === -1 ? "none" : "";
      });
    });
  });
  var toggle = document.getElementById("toggle-diffs");
  if (toggle) {
    toggle.addEventListener("click", function () {
      var boxes = document.querySelectorAll("details.diffbox");
      var open = Array.prototype.some.call(boxes, function (d) { return !d.open; });
      boxes.forEach(function (d) { d.open = open; });
      toggle.textContent = open ? "Collapse all diffs" : "Expand all diffs";
    });
  }
  document.body.setAttribute("data-ready", "1");
})();
"""

CSP = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
       "base-uri 'none'; form-action 'none'")


def render_html(data: ReportData) -> str:
    """The whole page as one string; every outside string is escaped."""
    n = counts(data)
    file_ids = {f.path: _slug("file", i) for i, f in enumerate(data.files)}
    cards = [
        _card("files", "files scanned", n["files"]),
        _card("files-with-findings", "files with TF1 code", n["files-with-findings"]),
        _card("findings", "findings", n["findings"], "warn" if n["findings"] else "good"),
        _card("fixable", "with an automatic fix", n["fixable"]),
        _card("changed", "files fix would change", n["changed"]),
        _card("remaining", "left after fix", n["remaining"], "warn" if n["remaining"] else "good"),
        _card("errors", "files not processed", n["errors"], "bad" if n["errors"] else ""),
    ]
    if data.verify or data.verify_ran:
        cards.append(_card("equivalent", "verified equivalent", n["equivalent"], "good"))
        cards.append(_card("mismatch", "verify mismatches", n["mismatch"],
                           "bad" if n["mismatch"] else ""))
    hidden = {"verdicts": n["verdicts"], "not-comparable": n["not-comparable"],
              "verify-error": n["error"], "rules": n["rules"]}
    if not (data.verify or data.verify_ran):
        hidden.update({"equivalent": n["equivalent"], "mismatch": n["mismatch"]})
    hidden_spans = "".join(f'<span id="count-{k}">{v}</span>' for k, v in hidden.items())
    notes = "".join(f"<div>{_e(x)}</div>" for x in data.notes)
    any_diff = any(f.diff for f in data.files)
    toggle = '<button id="toggle-diffs" type="button">Expand all diffs</button>' if any_diff else ""
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="tf2port {_e(data.version)}">
<title>{_e(data.title)}</title>
<style>{CSS}</style>
</head>
<body>
<header><h1 id="report-title">{_e(data.title)}</h1>
<div class="meta">tf2port {_e(data.version)} migration report</div></header>
<nav><a href="#rules">By rule</a><a href="#files">By file</a><a href="#changes">Changes</a><a href="#unconverted">Not converted</a><a href="#verify">Verify</a></nav>
<main>
<div class="cards" id="summary">{"".join(cards)}</div>
<div hidden id="more-counts">{hidden_spans}</div>
{f'<div class="notes" id="notes">{notes}</div>' if notes else ""}
<h2 id="rules">Findings by rule</h2>
{_rules_section(data, file_ids)}
<h2 id="files">Findings by file</h2>
{_files_section(data, file_ids)}
<h2 id="changes">Files in detail {toggle}</h2>
{_file_details(data, file_ids)}
<h2 id="unconverted">What could not be converted, and why</h2>
{_unconverted_section(data)}
<h2 id="verify">Verify</h2>
{_verify_section(data)}
</main>
<footer>Generated by tf2port {_e(data.version)}. Self-contained: no network access is needed to view this page.</footer>
<script>{JS}</script>
</body>
</html>
"""


# ---------------------------------------------------------------- command


@click.command("report")
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option("--out", "-o", "out", type=click.Path(dir_okay=False), default="tf2port-report.html",
              show_default=True, help="Where to write the HTML page.")
@click.option("--verify", "verify_dir", type=click.Path(exists=True, file_okay=False),
              help="Verify PATH's scripts against their converted copies in this folder (needs TensorFlow).")
@click.option("--verify-json", type=click.Path(exists=True, dir_okay=False),
              help="Include verdicts from `tf2port verify --format json` output instead of running verify.")
@click.option("--timeout", type=float, default=600.0, show_default=True, help="--verify: seconds per side.")
@click.option("--title", default=None, help="Page title (default: the paths).")
@click.option("--select", multiple=True, help="Rule codes or prefixes to enable.")
@click.option("--ignore", multiple=True, help="Rule codes or prefixes to disable.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), help="A pyproject.toml to use.")
@click.option("--safe-only", is_flag=True, help="Show only the changes of fixes classed safe.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), help="Worker processes (default: all cores).")
def report_command(paths: tuple[str, ...], out: str, verify_dir: str | None, verify_json: str | None,
                   timeout: float, title: str | None, select: tuple[str, ...], ignore: tuple[str, ...],
                   config_file: str | None, safe_only: bool, jobs: int | None) -> None:
    """Write one self-contained HTML page about PATHS: findings, diffs, leftovers, verdicts.

    Nothing under PATHS is modified. Exit 0 when the page was written, 2 on usage errors.
    """
    from tf2port import __version__
    from tf2port.commands import _load_config

    paths = paths or (".",)
    if verify_dir and verify_json:
        raise click.UsageError("use either --verify or --verify-json, not both")
    if verify_dir and (len(paths) != 1 or not os.path.isdir(paths[0])):
        raise click.UsageError("--verify needs PATH to be one folder (the originals)")
    verdicts: list[dict[str, Any]] = []
    if verify_json:
        try:
            verdicts = verdicts_from_json(Path(verify_json).read_text(encoding="utf-8"))
        except (ValueError, TypeError) as exc:
            raise click.UsageError(f"--verify-json {verify_json}: {exc}") from exc
    cfg = _load_config(paths, config_file, select, ignore)
    files = collect(paths, cfg, jobs, safe_only)
    if verify_dir:
        click.echo(f"tf2port report: verifying {paths[0]} against {verify_dir} ...", err=True)
        verdicts = run_verify(Path(paths[0]), Path(verify_dir), timeout, jobs or 1)
    entries, notes = attach_plots(verdicts)
    data = ReportData(title=title or "tf2port report: " + " ".join(paths), files=files, verify=entries,
                      verify_ran=bool(verify_dir or verify_json), notes=notes, version=__version__)
    Path(out).write_text(render_html(data), encoding="utf-8")
    n = counts(data)
    summary = (f"wrote {out}: {n['findings']} findings in {n['files-with-findings']} of {n['files']} files; "
               f"fix would change {n['changed']}, {n['remaining']} left after fix")
    if n["errors"]:
        summary += f", {n['errors']} not processed"
    if data.verify:
        summary += ", verify: " + ", ".join(f"{n[s]} {s}" for s in STATUS_ORDER if n[s])
    click.echo(summary + ".", err=True)
    sys.exit(0)
