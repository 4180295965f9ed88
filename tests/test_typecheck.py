"""The package is type-clean: STYLE.md rule 11 says type hints are checked by mypy, so mypy runs here.

mypy reads ``[tool.mypy]`` in pyproject.toml (the ``tf2port`` package, Python 3.11); only
third-party packages without type information are let through unchecked there.
"""
from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_mypy_reports_no_errors():
    result = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"mypy found errors:\n{result.stdout}{result.stderr}"
    assert "Success: no issues found" in result.stdout


def test_mypy_config_checks_the_package_and_silences_only_untyped_third_party_imports():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mypy"]
    assert config["files"] == ["tf2port"]
    for override in config.get("overrides", []):
        assert set(override) == {"module", "ignore_missing_imports"}
        assert not any(module.split(".")[0] == "tf2port" for module in override["module"])
    assert "ignore_errors" not in config and "disable_error_code" not in config
