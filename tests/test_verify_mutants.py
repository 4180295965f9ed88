"""Each mutation of a converted program is a mismatch with the right first divergence.

Table: mutant file -> (original it mutates, divergence kind, index, extra check).
"""
from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Callable

import pytest

from tf2port.verify import Divergence, Verdict, verify_pair

ROOT = Path(__file__).resolve().parents[1] / "fixtures"
Check = Callable[[Divergence], bool]

EXPECTED: dict[str, tuple[str, int, Check]] = {
    # lr 0.1 -> 0.01: the step-0 loss is computed before any update, so the first
    # difference is W printed after that update (tokens: step, cost, W, b).
    "learning_rate": ("printed", 2, lambda d: d.abs_error is not None and d.abs_error > 0.01),
    # Adam eps 1e-7: only the tiny-gradient weight W_adam[2] moves differently;
    # tokens "momentum" c W0 W1 W2 "adam" c W0 W1 W2 -> W_adam[2] is token 7.
    "adam_epsilon": ("printed", 7, lambda d: d.abs_error is not None and d.abs_error > 1e-3),
    "missing_bias": ("step", 0, lambda d: d.converted_name == "train_step"),
    "sum_instead_of_mean": ("step", 0, lambda d: d.got is not None and d.expected is not None
                            and abs(d.got / d.expected - 600) < 1),  # batch of 600
    "keep_prob_as_rate": ("step", 0, lambda d: d.value_index == 0),
    "extra_step": ("count", 41, lambda d: "41" in d.message and "42" in d.message),
    "missing_step": ("count", 40, lambda d: "41" in d.message and "40" in d.message),
    # W2 is the third trainable variable (W1, b1, W2, ...).
    "different_initializer": ("init", 2, lambda d: d.original_name == "W2"),
    "bias_initializer": ("init", 1, lambda d: d.original_name == "bias" and d.got == 1.0),
}

pytestmark = [pytest.mark.tf, pytest.mark.slow]


def _target(mutant: Path) -> Path:
    topic = re.match(r'"""Mutant of (\w+)', mutant.read_text())
    assert topic is not None, mutant
    found = [ROOT / root / topic.group(1) / "original.py" for root in ("programs", "pairs")]
    return next(path for path in found if path.is_file())


@pytest.fixture(scope="module")
def verdicts() -> dict[str, Verdict]:
    def run(kind: str) -> Verdict:
        mutant = ROOT / "mutants" / f"{kind}.py"
        return verify_pair(_target(mutant), mutant, timeout=300)

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(EXPECTED, pool.map(run, EXPECTED)))


def test_every_mutant_file_is_in_the_table() -> None:
    assert sorted(p.stem for p in (ROOT / "mutants").glob("*.py")) == sorted(EXPECTED)


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_mutant_is_a_mismatch_at_the_right_place(verdicts: dict[str, Verdict], kind: str) -> None:
    verdict = verdicts[kind]
    div_kind, index, check = EXPECTED[kind]
    assert verdict.status == "mismatch", (verdict.reason, verdict.stderr_tail)
    assert verdict.exit_code == 1
    assert verdict.divergence is not None
    assert (verdict.divergence.kind, verdict.divergence.index) == (div_kind, index), verdict.reason
    assert check(verdict.divergence), verdict.divergence


def test_missing_bias_reports_the_unmatched_variable(verdicts: dict[str, Verdict]) -> None:
    assert any("bias" in n and "not matched" in n for n in verdicts["missing_bias"].notes)
