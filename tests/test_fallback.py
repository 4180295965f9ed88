"""Programs the graph-to-eager rewrite does not support: the fallback runs, and says why.

For each `fixtures/fallback/*.py` and each original of a hand-written verify pair in
`fixtures/pairs` (graph builders in functions): `fix` leaves a finding that names the blocking
construct at its line, and the fixed program (the `tf.compat.v1` form) runs on TF 2.21 defaults.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tf2port.fix.pipeline import fix_text

ROOT = Path(__file__).resolve().parent.parent
FALLBACK = sorted((ROOT / "fixtures" / "fallback").glob("*.py")) + sorted(
    (ROOT / "fixtures" / "pairs").glob("*/original.py"))
ALL = lambda code, line: True  # noqa: E731


def test_there_are_fallback_programs():
    assert len(FALLBACK) >= 5


@pytest.mark.parametrize("path", FALLBACK, ids=lambda p: p.parent.name if p.stem == "original" else p.stem)
def test_blocking_construct_is_reported_at_its_line(path):
    source = path.read_text()
    outcome = fix_text(source, str(path), ALL)
    declined = [d for d in outcome.remaining if "graph-to-eager rewrite declined" in d.message]
    assert declined, [d.message for d in outcome.remaining]
    lines = source.splitlines()
    for diag in declined:
        construct = diag.message.rsplit("(`", 1)[1].rstrip("`)")
        short = construct.rsplit(".", 1)[-1]
        assert short in lines[diag.span.line - 1] or construct == "graph-to-eager", (diag, lines[diag.span.line - 1])
    assert "internal error" not in " ".join(d.message for d in declined)


@pytest.mark.tf
@pytest.mark.slow
@pytest.mark.parametrize("path", FALLBACK, ids=lambda p: p.parent.name if p.stem == "original" else p.stem)
def test_fallback_output_runs_on_tf2(path, tmp_path):
    fixed = fix_text(path.read_text(), str(path), ALL).text
    script = tmp_path / path.name
    script.write_text(fixed)
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    env.pop("TF_USE_LEGACY_KERAS", None)
    proc = subprocess.run([sys.executable, script.name], cwd=tmp_path, capture_output=True, text=True,
                          timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
