"""``verify`` runs user code: hostile programs are stopped, reported, and leave nothing (issue 8, item 4).

Complements ``test_verify_sandbox.py`` (hang, memory bomb, crash) with: a bounded fork
bomb, a grandchild that escapes the process group with ``setsid``, a program that
writes outside its working directory, and one that closes its stdout. Every hostile
program records the pids it creates; the test checks /proc that they are gone and
kills any survivor itself (by pid) so a failure cannot leak into other tests. Temporary
folders are checked through a private ``TMPDIR``.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import FIXTURES, ROOT

pytestmark = [pytest.mark.tf, pytest.mark.slow]

LINEAR = FIXTURES / "programs" / "linear_regression"

PROGRAMS = {
    # 40 children that each sleep: all must die with the run (a real, unbounded fork bomb is
    # not run here: as root RLIMIT_NPROC does not apply, so nothing would stop it)
    "fork_bomb": """
import os, time
pids = []
for _ in range(40):
    pid = os.fork()
    if pid == 0:
        time.sleep(600)
        os._exit(0)
    pids.append(pid)
open(PIDFILE, "w").write(" ".join(map(str, pids)))
time.sleep(600)
""",
    "setsid_escape": """
import os, time
pid = os.fork()
if pid == 0:
    os.setsid()  # leaves the process group the sandbox kills
    open(PIDFILE, "w").write(str(os.getpid()))
    time.sleep(600)
    os._exit(0)
time.sleep(2)
print("parent done")
""",
    "write_outside": """
open(PIDFILE, "w").write("")
with open(OUTSIDE, "w") as fh:
    fh.write("written by the program under verification")
print("wrote outside")
""",
    "closes_stdout": """
import os
open(PIDFILE, "w").write(str(os.getpid()))
os.close(1)
print("after close")
""",
}


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


def _verify(tmp_path: Path, kind: str, timeout: int = 40) -> tuple[subprocess.CompletedProcess[str], list[int], Path, Path]:
    pidfile, outside, private_tmp = tmp_path / "pids", tmp_path / "outside.txt", tmp_path / "tmp"
    private_tmp.mkdir()
    (tmp_path / "prog").mkdir()
    program = tmp_path / "prog" / f"{kind}.py"
    program.write_text(f"import tensorflow as tf\nPIDFILE = {str(pidfile)!r}\nOUTSIDE = {str(outside)!r}\n"
                       + PROGRAMS[kind])
    env = {**os.environ, "TMPDIR": str(private_tmp)}
    proc = subprocess.run([sys.executable, "-m", "tf2port", "verify", str(program), str(LINEAR / "tf2.py"),
                           "--timeout", str(timeout), "--memory", "3072"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    pids = [int(p) for p in pidfile.read_text().split()] if pidfile.exists() else []
    return proc, pids, outside, private_tmp


def _reap(pids: list[int]) -> list[int]:
    """Kill (by pid) whatever the program left running; return those that were still alive."""
    alive = [pid for pid in pids if _alive(pid)]
    for pid in alive:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return alive


def _common(proc: subprocess.CompletedProcess[str], private_tmp: Path) -> None:
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert not list(private_tmp.iterdir()), f"temporary folders left: {list(private_tmp.iterdir())}"


def test_fork_bomb_children_are_all_killed(tmp_path: Path):
    proc, pids, _, private_tmp = _verify(tmp_path, "fork_bomb", timeout=15)  # it sleeps: always times out
    try:
        assert len(pids) == 40
        assert "timed out" in proc.stdout, proc.stdout
        _common(proc, private_tmp)
    finally:
        survivors = _reap(pids)
    assert not survivors, f"{len(survivors)} forked children outlived the run"


@pytest.mark.xfail(strict=True, reason="verify/sandbox.py kills the process group only; a setsid() grandchild "
                                       "survives (needs a pid namespace, a cgroup, or PR_SET_CHILD_SUBREAPER "
                                       "in the runner plus a sweep of its descendants)")
def test_setsid_grandchild_does_not_outlive_the_run(tmp_path: Path):
    proc, pids, _, private_tmp = _verify(tmp_path, "setsid_escape")
    survivors = _reap(pids)
    assert pids, proc.stdout + proc.stderr
    assert not survivors, "a setsid() grandchild outlived the run"


@pytest.mark.xfail(strict=True, reason="verify has no file-system isolation: a program can write anywhere "
                                       "the user can (needs e.g. a mount namespace or a read-only bind)")
def test_write_outside_the_working_directory_is_stopped_and_reported(tmp_path: Path):
    proc, _, outside, private_tmp = _verify(tmp_path, "write_outside")
    assert not outside.exists(), "the program wrote outside its working directory"
    assert proc.returncode == 2


def test_program_that_closes_stdout_is_reported(tmp_path: Path):
    proc, pids, _, private_tmp = _verify(tmp_path, "closes_stdout")
    try:
        _common(proc, private_tmp)
        assert f"ERROR: {tmp_path / 'prog' / 'closes_stdout.py'}" in proc.stdout, proc.stdout
    finally:
        survivors = _reap(pids)
    assert not survivors


@pytest.mark.xfail(strict=True, reason="verify/sandbox.py copy_data_files() copies the script's sibling folders "
                                       "into a work dir made under TMPDIR; when TMPDIR is one of those siblings "
                                       "(or the script sits in /tmp itself) copytree recurses into its own "
                                       "copy and verify dies with a traceback (exit 1)")
def test_temporary_folder_beside_the_script_is_not_copied_into_itself(tmp_path: Path):
    private_tmp = tmp_path / "tmp"
    private_tmp.mkdir()
    program = tmp_path / "prog.py"
    program.write_text("import tensorflow as tf\nprint(1)\n")
    env = {**os.environ, "TMPDIR": str(private_tmp)}
    proc = subprocess.run([sys.executable, "-m", "tf2port", "verify", str(program), str(program),
                           "--timeout", "40"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert proc.returncode in (0, 1, 2)
