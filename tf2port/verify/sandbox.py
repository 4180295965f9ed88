"""Run one side in a child process that cannot outlive its budget.

The child gets its own session (process group), a fresh temporary working
directory holding copies of the script's sibling data files, an address-space
cap, and a timeout after which the whole group is killed. The group is killed
after a normal exit too, so background children of the user's program die with
it. A descendant that leaves the group (``setsid``, a double fork) is still
found: while a side runs this process is a child subreaper, so such orphans
stay our children instead of going to init, and every process carrying the
side's token in its environment, or sitting in its session, is killed and
reaped afterwards.

Writes are confined (see ``runner``) to the side's own temporary folder (its
working directory plus a private TMPDIR and cache), the trace folder, and the
system temporary folder, where TF1 programs habitually put checkpoints and
summaries. Nothing here imports TensorFlow.
"""
from __future__ import annotations

import ctypes
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

STDERR_TAIL_LINES = 25
DATA_COPY_LIMIT = 256 * 1024 * 1024
TOKEN_ENV = "TF2PORT_VERIFY_SIDE"
SWEEP_ROUNDS = 200
_PR_SET_CHILD_SUBREAPER, _PR_GET_CHILD_SUBREAPER = 36, 37


@dataclass(frozen=True)
class RunResult:
    """How one side ended; ``reason`` is empty when it ran to completion."""

    returncode: int | None
    timed_out: bool
    seconds: float
    stderr_tail: str
    stdout: str

    @property
    def reason(self) -> str:
        if self.timed_out:
            return "timed out (process group killed)"
        if self.returncode is not None and self.returncode < 0:
            return f"killed by signal {signal.Signals(-self.returncode).name}"
        return ""


def _contains(folder: Path, path: Path) -> bool:
    return path == folder or folder in path.parents


def copy_data_files(script: Path, workdir: Path, *, skip: tuple[Path, ...] = ()) -> None:
    """Copy what the script may open by relative path: its folder minus code.

    An entry holding ``workdir`` (or a ``skip`` folder) is left out: with TMPDIR
    beside the script, copying it would copy the copy into itself forever.
    """
    budget = DATA_COPY_LIMIT
    own = [p.resolve() for p in (workdir, *skip)]
    for entry in sorted(script.parent.iterdir()):
        if entry.name in ("__pycache__", ".git") or entry.suffix in (".py", ".pyc"):
            continue
        target = workdir / entry.name
        try:
            if entry.is_symlink() or any(_contains(entry.resolve(), p) for p in own):
                continue
            size = entry.stat().st_size if entry.is_file() else sum(
                p.stat().st_size for p in entry.rglob("*") if p.is_file())
            if size > budget:
                continue
            budget -= size
            if entry.is_dir():
                shutil.copytree(entry, target, symlinks=True)
            else:
                shutil.copy2(entry, target)
        except (OSError, shutil.Error):
            # a shared folder such as /tmp: entries vanish while we copy, sockets and pipes cannot be
            # copied, others are unreadable; the script cannot be reading those, so they are skipped
            shutil.rmtree(target, ignore_errors=True) if target.is_dir() else target.unlink(missing_ok=True)


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


@contextmanager
def _subreaper() -> Iterator[None]:
    """Adopt orphaned descendants while a side runs (Linux; a no-op elsewhere)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        before = ctypes.c_int(0)
        if libc.prctl(_PR_GET_CHILD_SUBREAPER, ctypes.byref(before), 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl")
        libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):
        yield
        return
    try:
        yield
    finally:
        libc.prctl(_PR_SET_CHILD_SUBREAPER, before.value, 0, 0, 0)


def _stat(pid: int) -> tuple[str, int, int, int] | None:
    """(state, ppid, pgrp, session) from /proc, or None when the process is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return fields[0], int(fields[1]), int(fields[2]), int(fields[3])


def _carries(pid: int, token: bytes) -> bool:
    try:
        return token in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    except OSError:
        return False


def side_processes(token: str, leader: int) -> list[int]:
    """Live processes the side started: in its session or group, or carrying its token."""
    marker = f"{TOKEN_ENV}={token}".encode()
    me = os.getpid()
    found = []
    try:
        entries = os.listdir("/proc")
    except OSError:
        return []
    for name in entries:
        if not name.isdigit() or int(name) == me:
            continue
        pid = int(name)
        stat = _stat(pid)
        if stat is None or stat[0] in ("Z", "X"):
            continue
        _, _, pgrp, session = stat
        if session == leader or pgrp == leader or _carries(pid, marker):
            found.append(pid)
    return found


def _reap(pids: set[int]) -> set[int]:
    """Collect those of ``pids`` that are our dead children; return the ones still pending."""
    pending = set()
    for pid in pids:
        stat = _stat(pid)
        if stat is None or stat[1] != os.getpid():
            continue  # gone, or someone else's child (init reaps it)
        try:
            if os.waitpid(pid, os.WNOHANG) == (0, 0):
                pending.add(pid)
        except ChildProcessError:
            pass
    return pending


def sweep(token: str, leader: int) -> int:
    """Kill and reap whatever the side left running; return how many were killed.

    Repeats until a pass finds nothing, since a process may fork between the
    listing and the kill.
    """
    killed: set[int] = set()
    pending: set[int] = set()
    for _ in range(SWEEP_ROUNDS):
        live = side_processes(token, leader)
        for pid in live:
            try:
                os.kill(pid, signal.SIGKILL)
                killed.add(pid)
                pending.add(pid)
            except (ProcessLookupError, PermissionError):
                pass
        pending = _reap(pending)
        if not live and not pending:
            break
        time.sleep(0.01)
    return len(killed)


def _tail(text: str) -> str:
    lines = [ln for ln in text.splitlines() if "cuInit" not in ln and "cuda_" not in ln]
    return "\n".join(lines[-STDERR_TAIL_LINES:])


def run_side(side: str, script: Path, out: Path, *, init: Path | None, device: str,
             timeout: float, memory_mb: int, args: tuple[str, ...],
             module: str = "tf2port.verify.runner", extra: tuple[str, ...] = ()) -> RunResult:
    """Run ``module`` (default ``tf2port.verify.runner``) for one side, bounded.

    ``extra`` options go before the program's ``args`` (``verify --entry`` passes
    its spec file this way to ``tf2port.verify.entry_runner``).
    """
    env = dict(os.environ)
    env["TF_CPP_MIN_LOG_LEVEL"] = env.get("TF_CPP_MIN_LOG_LEVEL", "2")
    env["PYTHONHASHSEED"] = "0"
    # Same kernels run to run and side to side: oneDNN picks algorithms by load,
    # which made a 12-step Adam CNN differ by 1e-5 between identical runs.
    env.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    # ...and reductions in one order: thread scheduling still made that CNN's loss wobble by ~1e-5.
    env.setdefault("TF_NUM_INTRAOP_THREADS", "1")
    env.setdefault("TF_NUM_INTEROP_THREADS", "1")
    env["PYTHONPATH"] = os.pathsep.join(
        [str(Path(__file__).resolve().parents[2])] + [p for p in [env.get("PYTHONPATH")] if p])
    if side == "v1":
        env["TF_USE_LEGACY_KERAS"] = "1"
        env["CUDA_VISIBLE_DEVICES"] = "-1"
    else:
        env.pop("TF_USE_LEGACY_KERAS", None)
        if device == "cpu":
            env["CUDA_VISIBLE_DEVICES"] = "-1"
    token = f"{side}-{uuid.uuid4().hex}"
    env[TOKEN_ENV] = token
    system_tmp = Path(tempfile.gettempdir()).resolve()
    out.mkdir(parents=True, exist_ok=True)  # it must exist to be named writable
    with tempfile.TemporaryDirectory(prefix=f"tf2port-{side}-") as own:
        root = Path(own).resolve()
        workdir, private_tmp, cache = root / "work", root / "tmp", root / "cache"
        for folder in (workdir, private_tmp, cache):
            folder.mkdir()
        # the program's own temporary files and caches die with the run
        env["TMPDIR"] = str(private_tmp)
        env["XDG_CACHE_HOME"] = str(cache)
        env["MPLCONFIGDIR"] = str(cache / "matplotlib")
        cmd = [sys.executable, "-m", module, "--side", side,
               "--script", str(script.resolve()), "--out", str(out.resolve()),
               "--device", device, "--memory-mb", str(memory_mb)]
        if init is not None:
            cmd += ["--init", str(init.resolve())]
        for folder in (root, out.resolve(), system_tmp):
            cmd += ["--writable", str(folder)]
        cmd += [*extra, "--", *args]
        copy_data_files(script.resolve(), workdir, skip=(root, out.resolve()))
        with tempfile.TemporaryFile() as err, tempfile.TemporaryFile() as std, _subreaper():
            start = time.monotonic()
            proc = subprocess.Popen(cmd, cwd=workdir, env=env, stdin=subprocess.DEVNULL,
                                    stdout=std, stderr=err, start_new_session=True)
            timed_out = False
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                timed_out = True
            finally:
                _kill_group(proc.pid)
                proc.wait()
                sweep(token, proc.pid)
            seconds = time.monotonic() - start
            err.seek(0)
            std.seek(0)
            stderr = err.read().decode("utf-8", "replace")
            stdout = std.read().decode("utf-8", "replace")
    return RunResult(proc.returncode if not timed_out else None, timed_out, seconds,
                     _tail(stderr), stdout)
