"""Run one side in a child process that cannot outlive its budget.

The child gets its own session (process group), a fresh temporary working
directory holding copies of the script's sibling data files, an address-space
cap, and a timeout after which the whole group is killed. The group is killed
after a normal exit too, so background children of the user's program die with
it. Nothing here imports TensorFlow.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

STDERR_TAIL_LINES = 25
DATA_COPY_LIMIT = 256 * 1024 * 1024


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


def copy_data_files(script: Path, workdir: Path) -> None:
    """Copy what the script may open by relative path: its folder minus code."""
    budget = DATA_COPY_LIMIT
    for entry in sorted(script.parent.iterdir()):
        if entry.name in ("__pycache__", ".git") or entry.suffix in (".py", ".pyc"):
            continue
        if entry.is_symlink():
            continue
        size = entry.stat().st_size if entry.is_file() else sum(
            p.stat().st_size for p in entry.rglob("*") if p.is_file())
        if size > budget:
            continue
        budget -= size
        target = workdir / entry.name
        if entry.is_dir():
            shutil.copytree(entry, target, symlinks=True)
        else:
            shutil.copy2(entry, target)


def _kill_group(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _tail(text: str) -> str:
    lines = [ln for ln in text.splitlines() if "cuInit" not in ln and "cuda_" not in ln]
    return "\n".join(lines[-STDERR_TAIL_LINES:])


def run_side(side: str, script: Path, out: Path, *, init: Path | None, device: str,
             timeout: float, memory_mb: int, args: tuple[str, ...]) -> RunResult:
    """Run ``tf2port.verify.runner`` for one side and wait for it, bounded."""
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
    cmd = [sys.executable, "-m", "tf2port.verify.runner", "--side", side,
           "--script", str(script.resolve()), "--out", str(out.resolve()),
           "--device", device, "--memory-mb", str(memory_mb)]
    if init is not None:
        cmd += ["--init", str(init.resolve())]
    cmd += ["--", *args]
    with tempfile.TemporaryDirectory(prefix=f"tf2port-{side}-") as work:
        workdir = Path(work)
        copy_data_files(script.resolve(), workdir)
        with tempfile.TemporaryFile() as err, tempfile.TemporaryFile() as std:
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
            seconds = time.monotonic() - start
            err.seek(0)
            std.seek(0)
            stderr = err.read().decode("utf-8", "replace")
            stdout = std.read().decode("utf-8", "replace")
    return RunResult(proc.returncode if not timed_out else None, timed_out, seconds,
                     _tail(stderr), stdout)
