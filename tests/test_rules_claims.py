"""Rule matchers are real TF1 names, and each reference is claimed by exactly the rule that lists it.

Why: the dispatch gives a reference to one rule (exact name before longest prefix); a name
listed by two rules, or a prefix that swallows another rule's names, would silently move
findings between rules. Matchers must also be names the generated API table knows, so a
typo cannot make a rule dead.
"""
from __future__ import annotations

import re

import pytest

from tf2port import apidata
from tf2port.rules import ALL_RULES, dispatch
from tf2port.rules.training.v1_optimizer import V1Optimizer

CLAIMING = [rule for rule in ALL_RULES if rule.names or rule.prefixes]


@pytest.mark.parametrize("rule", CLAIMING, ids=lambda r: r.CODE)
def test_every_listed_name_and_prefix_is_claimed_by_its_own_rule(rule):
    table = dispatch()
    for name in rule.names:
        assert type(table.claim(name)) is rule, f"{name} is claimed by {table.claim(name)}"
    for prefix in rule.prefixes:
        member = prefix + "SomeMember"
        assert type(table.claim(member)) is rule, f"{member} is claimed by {table.claim(member)}"


def test_no_name_is_listed_by_two_rules():
    seen: dict[str, str] = {}
    for rule in ALL_RULES:
        for name in rule.names:
            assert name not in seen, f"{name} is listed by {seen[name]} and {rule.CODE}"
            seen[name] = rule.CODE


@pytest.mark.parametrize("rule", CLAIMING, ids=lambda r: r.CODE)
def test_matchers_are_names_the_api_table_knows(rule):
    for name in [*rule.names, *(p.rstrip(".") for p in rule.prefixes)]:
        assert apidata.lookup(name) is not None or apidata.removed_prefix(name) is not None, name


def test_every_tf1_optimizer_in_the_table_is_claimed_by_v1_optimizer():
    in_table = {n for n in apidata.names() if re.fullmatch(r"tf\.train\.\w*Optimizer", n)}
    assert in_table  # the table is not empty
    assert in_table == set(V1Optimizer.names)


def test_rules_claim_names_before_the_generic_api_rules():
    """A compat-only name a specific rule lists is reported by that rule, not TF102."""
    from tf2port.fix.pipeline import lint_text

    source = "import tensorflow as tf\nsaver = tf.train.Saver()\nx = tf.assign(v, 1.0)\n"
    codes = [d.code for d in lint_text(source, "snippet.py", lambda code, line: True)]
    assert codes == ["TF503", "TF102"]
