"""Rule documentation rendered from the rules themselves: one Markdown page per rule, and an index.

Why: a rule's docstring and its VALID/INVALID examples are already its specification and its
tests (STYLE.md 1); rendering the pages from them means the docs cannot drift from what the
rule does. ``scripts/gen_rule_docs.py`` writes the pages to ``docs/rules/``, a test checks
that the committed pages are current, and ``tf2port explain CODE`` prints the same text::

    >>> print(page(by_code()["TF201"]))  # doctest: +SKIP
    # TF201 `session`
    ...

Pure functions over the rule classes: no I/O here.
"""
from __future__ import annotations

import textwrap

from tf2port.diagnostics import FixClass
from tf2port.rules import ALL_RULES, FAMILIES, Rule

FIX_LABELS = {
    FixClass.SAFE: "safe: `tf2port fix` applies it; the result is the same program",
    FixClass.STRUCTURAL: "structural: `tf2port fix` rewrites the program; `tf2port verify` proves it",
    FixClass.NONE: "none: a diagnostic with advice",
}


def _docstring(rule: type[Rule]) -> tuple[str, str]:
    """(summary line, the rest) of a rule's docstring, dedented."""
    text = (rule.__doc__ or "").strip("\n")
    first, _, rest = text.partition("\n")
    return first.strip(), textwrap.dedent(rest).strip()


def _code_block(code: str) -> str:
    fence = "````" if "```" in code else "```"
    return f"{fence}python\n{code.rstrip()}\n{fence}"


def page(rule: type[Rule]) -> str:
    """The rule's Markdown page: header, docstring sections, then its examples."""
    summary, body = _docstring(rule)
    out = [
        f"# {rule.CODE} `{rule.NAME}`",
        "",
        summary,
        "",
        "| code | name | family | fix |",
        "|---|---|---|---|",
        f"| `{rule.CODE}` | `{rule.NAME}` | {rule.CODE[:3]}xx {FAMILIES.get(rule.CODE[:3], '')} "
        f"| {FIX_LABELS[rule.FIX]} |",
        "",
        body,
        "",
        "## Examples that fire",
        "",
    ]
    for i, example in enumerate(rule.INVALID, start=1):
        out += [f"**{i}.** Reported:", "", _code_block(example.code), ""]
        if example.fixed is not None:
            out += ["After `tf2port fix`:", "", _code_block(example.fixed), ""]
        elif rule.FIX is not FixClass.NONE:
            out += ["`tf2port fix` leaves this one as it is (the finding stays).", ""]
    out += ["## Examples that do not fire", ""]
    for code in rule.VALID:
        out += [_code_block(code), ""]
    out += [f"Suppress one finding with `# noqa: {rule.CODE}`; see the [rule index](README.md)."]
    return "\n".join(out).rstrip() + "\n"


def index() -> str:
    """All rules by family, with links to their pages."""
    out = [
        "# tf2port rules",
        "",
        "Generated from the rule classes by `scripts/gen_rule_docs.py`; do not edit by hand.",
        "Select or ignore rules by code or prefix (`--select TF5`, `--ignore TF206`).",
        "",
        "Fix: **safe** — `tf2port fix` applies it and the program is unchanged;"
        " **structural** — rewritten, proven by `tf2port verify`; **none** — advice only.",
    ]
    for family, title in FAMILIES.items():
        rules = sorted((r for r in ALL_RULES if r.CODE.startswith(family)), key=lambda r: r.CODE)
        if not rules:
            continue
        out += ["", f"## {family}xx: {title}", "", "| code | name | fix | what it finds |", "|---|---|---|---|"]
        for rule in rules:
            summary = _docstring(rule)[0].replace("|", "\\|")
            out.append(f"| [{rule.CODE}]({rule.CODE}.md) | `{rule.NAME}` | {rule.FIX.value} | {summary} |")
    return "\n".join(out) + "\n"


def pages() -> dict[str, str]:
    """Every generated file under ``docs/rules/``: file name → content."""
    files = {f"{rule.CODE}.md": page(rule) for rule in ALL_RULES}
    files["README.md"] = index()
    return files
