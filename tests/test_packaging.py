"""The built wheel carries every subpackage and the generated data (a regular, non-editable install works)."""
from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT


@pytest.mark.slow
def test_wheel_contains_every_package_and_the_api_tables(tmp_path: Path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                    str(tmp_path), str(ROOT)], check=True, capture_output=True, timeout=600)
    (wheel,) = tmp_path.glob("tf2port-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    packages = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "tf2port").rglob("*.py")
                      if "__pycache__" not in p.parts)
    missing = [p for p in packages if p not in names]
    assert not missing, f"modules left out of the wheel: {missing}"
    assert "tf2port/data/api_v1.json" in names
