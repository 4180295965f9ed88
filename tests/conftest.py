from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"


def run_cli(*args: str, cwd: str | os.PathLike[str] | None = None, stdin: str | None = None,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run `python -m tf2port ...` as a user would: a real subprocess."""
    full_env = {**os.environ, "TF2PORT_NO_CACHE": "1", **(env or {})}
    return subprocess.run([sys.executable, "-m", "tf2port", *args], cwd=cwd, input=stdin,
                          capture_output=True, text=True, env=full_env, timeout=300)


@pytest.fixture
def cli():
    return run_cli
