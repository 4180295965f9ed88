"""Every hand-written TF2 fixture verifies as equivalent to its TF1 original.

The pairs run two at a time (one per core) in a module fixture; each test then
checks one verdict, so a failure names its pair.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tf2port.verify import Verdict, verify_pair

# hand-written pairs: next to the rewrite's goldens, and in `pairs` where the rewrite declines the original
FOLDERS = {p.name: p for root in ("programs", "pairs")
           for p in (Path(__file__).resolve().parents[1] / "fixtures" / root).iterdir()
           if (p / "original.py").is_file() and (p / "tf2.py").is_file()}
TOPICS = sorted(FOLDERS)

pytestmark = [pytest.mark.tf, pytest.mark.slow]

# TF1's fused Adam kernel and Keras 3's Adam round differently (see
# TF1_SEMANTICS.md); through a CNN the losses drift chaotically, 2e-6..4e-4
# relative by step 10 depending on the initial draw (the same pair with Momentum
# agrees to 1e-7). This pair is therefore held to a drift bound instead of
# equivalence: see test_cnn_adam_drift_is_bounded.
DRIFTING = {"cnn_layers"}
# Adam-trained originals get verify's own documented Adam bound (tf2port.verify.api.ADAM_TOLERANCE):
# deep_mlp_xavier drifted by 3e-4 at step 10 in one run and 5e-5 at step 5 in another (typically 3e-6).
# A pair needing another bound is listed here with why.
TOLERANCE: dict[str, dict[str, float]] = {}


@pytest.fixture(scope="module")
def verdicts() -> dict[str, Verdict]:
    def run(topic: str) -> Verdict:
        return verify_pair(FOLDERS[topic] / "original.py", FOLDERS[topic] / "tf2.py",
                           timeout=300, **TOLERANCE.get(topic, {}))

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(TOPICS, pool.map(run, TOPICS)))


def test_at_least_twelve_pairs_at_default_tolerance() -> None:
    assert len(set(TOPICS) - DRIFTING - set(TOLERANCE)) >= 12


def test_cnn_adam_drift_is_bounded(verdicts: dict[str, Verdict]) -> None:
    """First two steps agree at the defaults; the drift stays under 1 % after that."""
    verdict = verdicts["cnn_layers"]
    assert verdict.status in ("equivalent", "mismatch"), (verdict.reason, verdict.stderr_tail)
    if verdict.divergence is not None:  # the drift shows in a later step or only in the final weights
        assert verdict.divergence.kind in ("step", "final"), verdict.divergence
        assert verdict.divergence.kind == "final" or verdict.divergence.index >= 2
    a, b = verdict.original_losses, verdict.converted_losses
    assert len(a) == len(b) == 13
    for x, y in zip(a, b):
        assert abs(x - y) <= 1e-2 * abs(x)


@pytest.mark.parametrize("topic", [t for t in TOPICS if t not in DRIFTING])
def test_pair_is_equivalent(verdicts: dict[str, Verdict], topic: str) -> None:
    verdict = verdicts[topic]
    assert verdict.status == "equivalent", (verdict.reason, verdict.stderr_tail)
    assert verdict.exit_code == 0
    # Something was actually compared: steps and every trainable variable.
    assert verdict.compared.values > 0
    assert verdict.compared.variables > 0
    assert not [n for n in verdict.notes if "no counterpart" in n or "not matched" in n]
    assert "CPU" in verdict.device


@pytest.mark.parametrize("topic", ["deep_mlp_xavier"])
def test_dropout_masks_are_aligned_and_said(verdicts: dict[str, Verdict], topic: str) -> None:
    assert any(n.startswith("dropout masks aligned") for n in verdicts[topic].notes)


def test_converted_programs_have_no_verify_lines() -> None:
    for topic in TOPICS:
        text = (FOLDERS[topic] / "tf2.py").read_text()
        assert "tf2port" not in text and "verify" not in text, topic
        for graph_mode in ("compat.v1", "Session(", "placeholder(", "feed_dict"):
            assert graph_mode not in text, (topic, graph_mode)
