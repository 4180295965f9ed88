"""``verify`` runs user code: hostile programs are stopped, reported, and leave nothing (issue 8, item 4).

Complements ``test_verify_sandbox.py`` (hang, memory bomb, crash) with: a bounded fork
bomb, a grandchild that escapes the process group with ``setsid``, a program that
writes outside its working directory, and one that closes its stdout. Every hostile
program records the pids it creates (in a folder under the private ``TMPDIR``, the one
place outside its working directory verify lets it write); the test checks /proc that
they are gone and kills any survivor itself (by pid) so a failure cannot leak into other
tests. Temporary folders are checked through that private ``TMPDIR``. The unit tests at
the end drive ``sweep`` and ``copy_data_files`` directly, without TensorFlow.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from conftest import FIXTURES, ROOT
from tf2port.verify.runner import ISOLATION_OFF_ENV
from tf2port.verify.sandbox import TOKEN_ENV, copy_data_files, side_processes, sweep

PIDS = "pids"  # the folder under the private TMPDIR where hostile programs leave their pids

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


def _verify(tmp_path: Path, kind: str, timeout: int = 40, env: dict[str, str] | None = None,
            ) -> tuple[subprocess.CompletedProcess[str], list[int], Path, Path]:
    private_tmp, outside = tmp_path / "tmp", tmp_path / "outside.txt"
    (private_tmp / PIDS).mkdir(parents=True)
    pidfile = private_tmp / PIDS / "pids"
    (tmp_path / "prog").mkdir()
    program = tmp_path / "prog" / f"{kind}.py"
    program.write_text(f"import tensorflow as tf\nPIDFILE = {str(pidfile)!r}\nOUTSIDE = {str(outside)!r}\n"
                       + PROGRAMS[kind])
    env = {**os.environ, "TMPDIR": str(private_tmp), **(env or {})}
    proc = subprocess.run([sys.executable, "-m", "tf2port", "verify", str(program), str(LINEAR / "tf2.py"),
                           "--timeout", str(timeout), "--memory", "3072"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    pids = [int(p) for p in pidfile.read_text().split()] if pidfile.exists() else []
    return proc, pids, outside, private_tmp


def _states(pids: list[int]) -> dict[int, str]:
    """pid -> its /proc stat line (for failure messages)."""
    out = {}
    for pid in pids:
        try:
            out[pid] = Path(f"/proc/{pid}/stat").read_text()[:120]
        except OSError as exc:
            out[pid] = repr(exc)
    return out


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
    left = [p for p in private_tmp.iterdir() if p.name != PIDS]
    assert not left, f"temporary folders left: {left}"


@pytest.mark.tf
@pytest.mark.slow
def test_fork_bomb_children_are_all_killed(tmp_path: Path):
    proc, pids, _, private_tmp = _verify(tmp_path, "fork_bomb", timeout=15)  # it sleeps: always times out
    try:
        assert len(pids) == 40
        assert "timed out" in proc.stdout, proc.stdout
        _common(proc, private_tmp)
    finally:
        survivors = _reap(pids)
    assert not survivors, f"{len(survivors)} forked children outlived the run"


@pytest.mark.tf
@pytest.mark.slow
def test_setsid_grandchild_does_not_outlive_the_run(tmp_path: Path):
    proc, pids, _, private_tmp = _verify(tmp_path, "setsid_escape")
    survivors = _reap(pids)
    assert pids, proc.stdout + proc.stderr
    assert not survivors, "a setsid() grandchild outlived the run"
    assert proc.returncode == 1, proc.stdout + proc.stderr  # the run itself went through: a mismatch


@pytest.mark.tf
@pytest.mark.slow
def test_write_outside_the_working_directory_is_stopped_and_reported(tmp_path: Path):
    proc, _, outside, private_tmp = _verify(tmp_path, "write_outside")
    assert not outside.exists(), "the program wrote outside its working directory"
    _common(proc, private_tmp)
    assert (f"original program failed: tried to write outside its working directory: {outside}"
            in proc.stdout), proc.stdout


@pytest.mark.tf
@pytest.mark.slow
def test_without_isolation_the_write_goes_through_and_the_verdict_says_so(tmp_path: Path):
    """The fallback (no Landlock, or switched off): verify still runs, and says what it could not stop."""
    proc, _, outside, _ = _verify(tmp_path, "write_outside", env={ISOLATION_OFF_ENV: "1"})
    assert outside.exists()
    assert proc.returncode == 1, proc.stdout + proc.stderr  # ran, and differs from linear_regression
    assert "note: file-system isolation off" in proc.stdout, proc.stdout


@pytest.mark.tf
@pytest.mark.slow
def test_program_that_closes_stdout_is_reported(tmp_path: Path):
    proc, pids, _, private_tmp = _verify(tmp_path, "closes_stdout")
    try:
        _common(proc, private_tmp)
        assert f"ERROR: {tmp_path / 'prog' / 'closes_stdout.py'}" in proc.stdout, proc.stdout
    finally:
        survivors = _reap(pids)
    assert not survivors


@pytest.mark.tf
@pytest.mark.slow
def test_temporary_folder_beside_the_script_is_not_copied_into_itself(tmp_path: Path):
    private_tmp = tmp_path / "tmp"
    private_tmp.mkdir()
    program = tmp_path / "prog.py"
    program.write_text("import tensorflow as tf\nprint(1)\n")
    env = {**os.environ, "TMPDIR": str(private_tmp)}
    proc = subprocess.run([sys.executable, "-m", "tf2port", "verify", str(program), str(program),
                           "--timeout", "40"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert proc.returncode == 0, proc.stdout + proc.stderr  # the same program on both sides
    assert not list(private_tmp.iterdir())


# --- the pieces, without TensorFlow ---------------------------------------------------------

ESCAPER = """
import os, subprocess, sys, time
pid = os.fork()
if pid == 0:
    os.setsid()  # out of the group, token kept
    os.write(1, b"%d\\n" % os.getpid())  # one write: atomic on a pipe, never interleaved with the parent's
    time.sleep(600)
    os._exit(0)
scrubbed = subprocess.Popen(["sleep", "600"], env={})  # in the group, token gone
os.write(1, b"%d\\n" % scrubbed.pid)
os._exit(0)
"""


def test_sweep_kills_what_the_side_left_and_nothing_else(tmp_path: Path):
    token = uuid.uuid4().hex
    bystander = subprocess.Popen(["sleep", "600"], start_new_session=True)
    side = subprocess.Popen([sys.executable, "-c", ESCAPER], env={**os.environ, TOKEN_ENV: token},
                            stdout=subprocess.PIPE, text=True, start_new_session=True)
    pids: list[int] = []
    try:
        assert side.stdout is not None
        lines = [side.stdout.readline() for _ in range(2)]
        side.wait()
        assert all(line.strip().isdigit() for line in lines), (lines, side.returncode)
        pids = [int(line) for line in lines]
        assert all(_alive(pid) for pid in pids), _states(pids)
        found = sorted(side_processes(token, side.pid))
        killed = sweep(token, side.pid)
        deadline = time.monotonic() + 30
        while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
            time.sleep(0.05)  # SIGKILL is delivered asynchronously
        assert killed == 2, (killed, found, pids, _states(found))
        assert not [pid for pid in pids if _alive(pid)], _states(pids)
        assert _alive(bystander.pid), "sweep killed a process the side did not start"
    finally:
        _reap(pids)
        bystander.kill()
        bystander.wait()


def test_copy_data_files_leaves_out_the_folders_holding_its_own_work(tmp_path: Path):
    script = tmp_path / "train.py"
    script.write_text("print(1)\n")
    (tmp_path / "data.csv").write_text("1,2\n")
    (tmp_path / "inputs").mkdir()
    (tmp_path / "inputs" / "x.txt").write_text("x")
    workdir = tmp_path / "tmp" / "tf2port-v1-abc" / "work"
    out = tmp_path / "traces" / "original"
    workdir.mkdir(parents=True)
    out.mkdir(parents=True)
    copy_data_files(script, workdir, skip=(out,))
    assert sorted(p.name for p in workdir.iterdir()) == ["data.csv", "inputs"]
    assert (workdir / "inputs" / "x.txt").read_text() == "x"


def test_copy_data_files_skips_what_cannot_be_copied_and_copies_the_rest(tmp_path: Path):
    """A script in a shared folder such as /tmp sits beside pipes, sockets and folders that vanish."""
    import socket

    script = tmp_path / "train.py"
    script.write_text("print(1)\n")
    (tmp_path / "a_data.csv").write_text("1,2\n")
    os.mkfifo(tmp_path / "b_pipe")
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(tmp_path / "c_socket"))
    (tmp_path / "d_later.txt").write_text("kept")
    workdir = tmp_path / "work"
    workdir.mkdir()
    try:
        copy_data_files(script, workdir)
    finally:
        listener.close()
    assert sorted(p.name for p in workdir.iterdir()) == ["a_data.csv", "d_later.txt"]
    assert (workdir / "d_later.txt").read_text() == "kept"


def _landlock_available() -> bool:
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    return sys.platform == "linux" and libc.syscall(444, None, ctypes.c_size_t(0), ctypes.c_uint32(1)) > 0


CONFINED = """
import sys
from pathlib import Path
from tf2port.verify.runner import _landlock, write_denied
inside, outside = Path(sys.argv[1]), Path(sys.argv[2])
_landlock([str(inside)])
(inside / "sub").mkdir()
(inside / "sub" / "a.txt").write_text("kept")
(inside / "sub" / "a.txt").rename(inside / "b.txt")
open("/dev/null", "w").write("fine")
try:
    outside.write_text("escaped")
except PermissionError as exc:
    print(write_denied(exc, [str(inside)]))
try:
    open(sys.executable, "rb").read(4)
    print("reads allowed")
except OSError as exc:
    print("read refused", exc)
"""


@pytest.mark.skipif(not _landlock_available(), reason="the kernel has no Landlock")
def test_landlock_confines_writes_but_not_reads(tmp_path: Path):
    inside, outside = tmp_path / "inside", tmp_path / "outside.txt"
    inside.mkdir()
    proc = subprocess.run([sys.executable, "-c", CONFINED, str(inside), str(outside)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert not outside.exists()
    assert (inside / "b.txt").read_text() == "kept"
    assert proc.stdout.splitlines()[0].startswith(f"tried to write outside its working directory: {outside}")
    assert proc.stdout.splitlines()[1] == "reads allowed"
