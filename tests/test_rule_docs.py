"""Rule pages are generated from the rules, and the committed ones are current (issue 7 item 2)."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tf2port.diagnostics import FixClass
from tf2port.rules import ALL_RULES
from tf2port.rules.base import DOC_SECTIONS
from tf2port.rules.docs import index, page, pages

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = ROOT / "scripts" / "gen_rule_docs.py"
DOCS = ROOT / "docs" / "rules"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=120)


def test_committed_docs_are_current():
    proc = _run("--check")
    assert proc.returncode == 0, f"docs/rules is stale; run `python scripts/gen_rule_docs.py`\n{proc.stderr}"


def test_check_fails_on_a_stale_page_and_names_it(tmp_path):
    out = tmp_path / "rules"
    shutil.copytree(DOCS, out)
    page_path = out / "TF201.md"
    page_path.write_text(page_path.read_text(encoding="utf-8").replace("sessions", "sesions"), encoding="utf-8")
    proc = _run("--check", "--out", str(out))
    assert proc.returncode == 1
    assert "TF201.md" in proc.stderr and "TF202.md" not in proc.stderr
    assert "sesions" in page_path.read_text(encoding="utf-8")  # --check writes nothing


def test_check_passes_on_an_unchanged_copy(tmp_path):
    out = tmp_path / "rules"
    shutil.copytree(DOCS, out)
    assert _run("--check", "--out", str(out)).returncode == 0


def test_generate_writes_every_page_and_removes_pages_of_unknown_rules(tmp_path):
    out = tmp_path / "rules"
    out.mkdir()
    (out / "TF999.md").write_text("# gone\n", encoding="utf-8")
    (out / "notes.md").write_text("kept\n", encoding="utf-8")  # not a generated page
    assert _run("--out", str(out)).returncode == 0
    assert sorted(p.name for p in out.glob("*.md")) == sorted([*pages(), "notes.md"])
    assert _run("--check", "--out", str(out)).returncode == 0


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.CODE)
def test_page_shows_docstring_sections_and_every_example(rule):
    text = page(rule)
    assert text.startswith(f"# {rule.CODE} `{rule.NAME}`\n")
    assert rule.FIX.value in text.split("\n## ")[0]
    positions = [text.index(f"## {section}") for section in DOC_SECTIONS]
    assert positions == sorted(positions)
    fire = text.index("## Examples that fire")
    silent = text.index("## Examples that do not fire")
    assert positions[-1] < fire < silent
    for example in rule.INVALID:
        at = text.index(example.code.rstrip(), fire)
        assert at < silent
        if example.fixed is not None:
            assert text.index(example.fixed.rstrip(), at) < silent
    for code in rule.VALID:
        assert text.index(code.rstrip(), silent) > silent


def test_page_says_when_a_fixable_rule_leaves_an_example_alone():
    rule = next(r for r in ALL_RULES if r.FIX is not FixClass.NONE
                and any(e.fixed is None for e in r.INVALID))
    assert "leaves this one as it is" in page(rule)
    unfixable = next(r for r in ALL_RULES if r.FIX is FixClass.NONE)
    assert "After `tf2port fix`" not in page(unfixable)
    assert "leaves this one as it is" not in page(unfixable)


def test_index_links_every_rule_once_under_its_family():
    text = index()
    for rule in ALL_RULES:
        assert len(re.findall(rf"\[{rule.CODE}\]\({rule.CODE}\.md\)", text)) == 1
        family = text.index(f"## {rule.CODE[:3]}xx")
        next_family = text.find("\n## ", family + 1)
        row = text.index(f"[{rule.CODE}]")
        assert family < row and (next_family == -1 or row < next_family)
