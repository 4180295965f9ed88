"""``tf2port verify`` end to end on mirrored folders: pairs, shards, junit, plot."""
from __future__ import annotations

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tf2port.verify.pairs import shard_of

ROOT = Path(__file__).resolve().parents[1]
PROGRAMS = ROOT / "fixtures" / "programs"

pytestmark = [pytest.mark.tf, pytest.mark.slow]


def test_folders_sharded_to_junit_and_png(tmp_path: Path) -> None:
    tf1, tf2 = tmp_path / "legacy", tmp_path / "src"
    for topic, converted in (("linear_regression", "tf2.py"),
                             ("tf_data_pipeline", "tf2.py"),
                             ("learning_rate", None)):
        for side in (tf1, tf2):
            (side / "jobs").mkdir(parents=True, exist_ok=True)
        if converted is None:  # a mutant pair: a mismatch in the same run
            shutil.copy(PROGRAMS / "linear_regression" / "original.py", tf1 / "jobs" / f"{topic}.py")
            shutil.copy(ROOT / "fixtures" / "mutants" / f"{topic}.py", tf2 / "jobs" / f"{topic}.py")
        else:
            shutil.copy(PROGRAMS / topic / "original.py", tf1 / "jobs" / f"{topic}.py")
            shutil.copy(PROGRAMS / topic / converted, tf2 / "jobs" / f"{topic}.py")
    (tf1 / "helpers.py").write_text("def unused():\n    return 1\n")
    (tf2 / "helpers.py").write_text("def unused():\n    return 1\n")
    names = ["jobs/linear_regression.py", "jobs/tf_data_pipeline.py", "jobs/learning_rate.py"]
    shard = shard_of("jobs/learning_rate.py", 2)
    expected = sorted(n for n in names if shard_of(n, 2) == shard)
    report, png = tmp_path / "verify.xml", tmp_path / "verify.png"
    result = subprocess.run(
        [sys.executable, "-m", "tf2port", "verify", str(tf1), str(tf2), "--shard", f"{shard}/2",
         "--jobs", "2", "--format", "junit", "--output", str(report), "--plot", str(png)],
        cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert result.returncode == 1, result.stdout + result.stderr  # the mutant is in this shard
    suite = ET.fromstring(report.read_text())
    cases = sorted(Path(c.get("name", "")).relative_to(tf2).as_posix()
                   for c in suite.findall("testcase"))
    assert cases == expected
    assert suite.get("failures") == "1" and suite.get("errors") == "0"
    assert png.read_bytes()[:4] == b"\x89PNG"
    assert "MISMATCH" in result.stderr  # the human summary goes to stderr
