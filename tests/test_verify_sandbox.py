"""A program that hangs, eats memory or crashes ends as exit 2, and leaves no process.

Each hostile program records the pids of itself and of a child it spawns, so
the test can check in /proc that every one of them is gone afterwards.
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tf2port.verify import verify_pair
from tf2port.verify.api import gpu_present

ROOT = Path(__file__).resolve().parents[1]
LINEAR = ROOT / "fixtures" / "programs" / "linear_regression"

pytestmark = [pytest.mark.tf, pytest.mark.slow]

SPAWN = """
import os, subprocess, sys
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
with open({pidfile!r}, "w") as fh:
    fh.write(f"{{os.getpid()}} {{child.pid}}")
"""

HOSTILE = {
    "hang": "import time\ntime.sleep(600)\n",
    "memory": "blocks = []\nwhile True:\n    blocks.append(bytearray(256 * 1024 * 1024))\n",
    "crash": "import os\nos.abort()\n",
}


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


def _write_program(tmp_path: Path, kind: str) -> tuple[Path, Path]:
    pidfile = tmp_path / f"{kind}.pids"
    program = tmp_path / f"{kind}.py"
    program.write_text("import tensorflow as tf\n" + SPAWN.format(pidfile=str(pidfile))
                       + HOSTILE[kind])
    return program, pidfile


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tf2port", "verify", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize("kind", sorted(HOSTILE))
@pytest.mark.parametrize("side", ["original", "converted"])
def test_hostile_program_exits_2_and_leaves_nothing(tmp_path: Path, kind: str, side: str) -> None:
    program, pidfile = _write_program(tmp_path, kind)
    if side == "original":
        pair = (str(program), str(LINEAR / "tf2.py"))
    else:
        pair = (str(LINEAR / "original.py"), str(program))
    result = _cli(*pair, "--timeout", "30", "--memory", "3072")
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"ERROR: {pair[0]}" in result.stdout
    expected = {"hang": "timed out", "memory": "MemoryError", "crash": "SIGABRT"}[kind]
    assert expected in result.stdout
    pids = [int(p) for p in pidfile.read_text().split()]
    assert len(pids) == 2
    assert not [pid for pid in pids if _alive(pid)], "processes left behind"


@pytest.mark.skipif(gpu_present(), reason="this machine has a GPU")
def test_gpu_without_gpu_exits_2_with_a_clear_message() -> None:
    result = _cli(str(LINEAR / "original.py"), str(LINEAR / "tf2.py"), "--device", "gpu")
    assert result.returncode == 2
    assert "no GPU" in result.stdout
    assert "not falling back to the CPU" in result.stdout


@pytest.mark.skipif(gpu_present(), reason="this machine has a GPU")
def test_auto_device_runs_on_the_cpu_and_says_so() -> None:
    verdict = verify_pair(LINEAR / "original.py", LINEAR / "tf2.py", device="auto")
    assert verdict.status == "equivalent"
    assert verdict.device.endswith("CPU:0")
    assert (verdict.rtol, verdict.atol) == (1e-6, 1e-5)


def test_arguments_after_double_dash_reach_both_programs(tmp_path: Path) -> None:
    """Scripts see the same argv; a program printing it compares equal."""
    body = textwrap.dedent("""
        import sys
        import tensorflow as tf
        print("args", sys.argv[1:], len(sys.argv))
    """)
    (tmp_path / "a.py").write_text(body)
    (tmp_path / "b.py").write_text(body)
    result = _cli(str(tmp_path / "a.py"), str(tmp_path / "b.py"), "--format", "json", "--",
                  "--steps", "7")
    assert result.returncode == 0, result.stdout + result.stderr
    assert '"printed": 2' in result.stdout  # 7 and len(argv)=3
    assert os.path.exists(tmp_path / "a.py")
