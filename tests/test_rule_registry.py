"""Registry invariants (STYLE.md 3) and every rule's VALID/INVALID examples as tests."""
from __future__ import annotations

import re

import pytest

from tf2port.diagnostics import FixClass
from tf2port.fix.pipeline import fix_text, lint_text
from tf2port.rules import ALL_RULES, FAMILIES
from tf2port.rules.base import DOC_SECTIONS

ALWAYS = lambda code, line: True  # noqa: E731


def test_codes_are_unique_and_well_formed():
    codes = [r.CODE for r in ALL_RULES]
    assert len(codes) == len(set(codes))
    names = [r.NAME for r in ALL_RULES]
    assert len(names) == len(set(names))
    for rule in ALL_RULES:
        assert re.fullmatch(r"TF[1-6]\d\d", rule.CODE), rule.CODE
        assert rule.CODE[:3] in FAMILIES
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.NAME), rule.NAME
        # names describe the TF1 pattern, never the remedy
        assert not rule.NAME.startswith(("use-", "avoid-", "prefer-", "no-")), rule.NAME


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.CODE)
def test_rule_docs_have_every_section(rule):
    doc = rule.__doc__ or ""
    for section in DOC_SECTIONS:
        assert f"## {section}" in doc, f"{rule.CODE} lacks '## {section}'"
    assert rule.summary() and not rule.summary().startswith("#")


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.CODE)
def test_rule_has_examples_and_fix_examples_exactly_when_fixable(rule):
    assert rule.VALID, f"{rule.CODE} has no VALID example"
    assert rule.INVALID, f"{rule.CODE} has no INVALID example"
    has_fixed = any(example.fixed is not None for example in rule.INVALID)
    assert has_fixed == (rule.FIX is not FixClass.NONE), rule.CODE


def _cases(kind):
    for rule in ALL_RULES:
        examples = rule.VALID if kind == "valid" else rule.INVALID
        for i, example in enumerate(examples):
            yield pytest.param(rule, example, id=f"{rule.CODE}-{kind}-{i}")


@pytest.mark.parametrize(("rule", "example"), list(_cases("valid")))
def test_valid_examples_are_silent(rule, example):
    codes = [d.code for d in lint_text(example, "example.py", ALWAYS)]
    assert rule.CODE not in codes


@pytest.mark.parametrize(("rule", "example"), list(_cases("invalid")))
def test_invalid_examples_fire_and_fix_exactly(rule, example):
    diagnostics = lint_text(example.code, "example.py", ALWAYS)
    assert rule.CODE in [d.code for d in diagnostics]
    outcome = fix_text(example.code, "example.py", ALWAYS)
    if example.fixed is not None:
        assert outcome.text == example.fixed
        assert rule.CODE in [d.code for d in outcome.applied]
    else:
        assert rule.CODE not in [d.code for d in outcome.applied]


def test_family_prefix_selects_its_rules():
    from tf2port.config import Config

    cfg = Config(select=("TF2",))
    assert cfg.enabled("TF201") and cfg.enabled("TF203")
    assert not cfg.enabled("TF101")
    cfg = Config(select=("TF",), ignore=("TF2",))
    assert cfg.enabled("TF101") and not cfg.enabled("TF202")
    cfg = Config(select=("TF",), ignore=("TF2",)).with_overrides(select=("TF202",))
    assert cfg.enabled("TF202")
