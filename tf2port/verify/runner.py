"""Child-process entry: run one side of a verification and write its trace.

    python -m tf2port.verify.runner --side v1|v2 --script S --out DIR
        [--init DIR] [--device cpu|gpu|auto] [--memory-mb N] [--writable DIR ...]
        [-- ARGS...]

The parent owns the sandbox (process group, timeout, temp dir, sweep of escaped
descendants); the child caps its own address space, asks the kernel to kill it
if the parent dies, and, before TensorFlow or the program is loaded, gives up
the right to write anywhere but the ``--writable`` folders (a Landlock ruleset:
unprivileged, inherited by every descendant, irrevocable). Reads stay free, so
TensorFlow and the program's data load as before. Where the kernel has no
Landlock, the program runs unconfined and the trace says so in a note.
"""
from __future__ import annotations

import argparse
import ctypes
import errno
import os
import struct
import random
import resource
import runpy
import signal
import sys
import traceback
from pathlib import Path
from typing import Any, TextIO

EXIT_OK = 0
EXIT_PROGRAM_FAILED = 3
EXIT_NO_GPU = 4

_PR_SET_PDEATHSIG = 1
_PR_SET_NO_NEW_PRIVS = 38

# Landlock (linux/landlock.h); the syscall numbers are the same on every architecture.
_SYS_CREATE_RULESET, _SYS_ADD_RULE, _SYS_RESTRICT_SELF = 444, 445, 446
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH = 1
_WRITE_FILE, _TRUNCATE = 1 << 1, 1 << 14
# Everything that changes the file system: write, remove, make (char, dir, reg, sock,
# fifo, block, sym), then refer (ABI 2: rename/link across folders), truncate (ABI 3).
_WRITE_ACCESS = {1: sum(1 << bit for bit in (1, 4, 5, 6, 7, 8, 9, 10, 11, 12))}
_WRITE_ACCESS[2] = _WRITE_ACCESS[1] | 1 << 13
_WRITE_ACCESS[3] = _WRITE_ACCESS[2] | _TRUNCATE
# Devices a program (or TensorFlow) may legitimately open for writing; /dev/shm holds
# POSIX semaphores and shared memory (multiprocessing).
DEVICE_FILES = ("/dev/null", "/dev/zero", "/dev/full", "/dev/tty", "/dev/random", "/dev/urandom")
SHARED_MEMORY = "/dev/shm"
ISOLATION_OFF_ENV = "TF2PORT_VERIFY_NO_FS_ISOLATION"
WRITE_DENIED = "tried to write outside its working directory"


class Tee:
    """stdout that also feeds the recorder (prints are part of the trace)."""

    def __init__(self, stream: TextIO, sink: Any) -> None:
        self._stream = stream
        self._sink = sink

    def write(self, text: str) -> int:
        self._sink(text)
        return self._stream.write(text)

    def flush(self) -> None:
        self._stream.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class IsolationUnavailable(OSError):
    """The kernel cannot confine writes (no Landlock, or it is disabled)."""


def _landlock(writable: list[str]) -> None:
    """Confine this process and its future descendants' writes to ``writable``."""
    if not sys.platform.startswith("linux"):
        raise IsolationUnavailable(errno.ENOSYS, "Landlock is Linux only")
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long

    def call(number: int, *args: Any) -> int:
        result = int(libc.syscall(ctypes.c_long(number), *args))
        if result < 0:
            code = ctypes.get_errno()
            raise OSError(code, os.strerror(code))
        return result

    try:
        abi = call(_SYS_CREATE_RULESET, None, ctypes.c_size_t(0),
                   ctypes.c_uint32(_CREATE_RULESET_VERSION))
    except OSError as exc:  # ENOSYS: too old a kernel; EOPNOTSUPP: Landlock disabled at boot
        raise IsolationUnavailable(exc.errno, f"Landlock is not available ({exc.strerror})") from exc
    handled = _WRITE_ACCESS[min(abi, 3)]
    attr = ctypes.create_string_buffer(struct.pack("=Q", handled), 8)
    ruleset = call(_SYS_CREATE_RULESET, attr, ctypes.c_size_t(8), ctypes.c_uint32(0))
    try:
        folders = [*writable, SHARED_MEMORY]
        rules = [(path, handled) for path in folders if os.path.isdir(path)]
        rules += [(path, handled & (_WRITE_FILE | _TRUNCATE)) for path in DEVICE_FILES
                  if os.path.exists(path)]
        for path, access in rules:
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue  # e.g. /dev/tty without a controlling terminal
            try:
                rule = ctypes.create_string_buffer(struct.pack("=Qi", access, fd), 12)
                call(_SYS_ADD_RULE, ctypes.c_int(ruleset), ctypes.c_int(_RULE_PATH_BENEATH),
                     rule, ctypes.c_uint32(0))
            finally:
                os.close(fd)
        if libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
            code = ctypes.get_errno()
            raise OSError(code, os.strerror(code))
        call(_SYS_RESTRICT_SELF, ctypes.c_int(ruleset), ctypes.c_uint32(0))
    finally:
        os.close(ruleset)


def _sandbox_self(memory_mb: int, writable: list[str]) -> str:
    """Apply the child's own limits; return a note when writes could not be confined."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except Exception:
        pass
    if memory_mb > 0:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    if not writable:
        return ""
    if os.environ.get(ISOLATION_OFF_ENV):
        return (f"file-system isolation off ({ISOLATION_OFF_ENV} is set): the program "
                "could write outside its working directory")
    try:
        _landlock(writable)
    except OSError as exc:
        return (f"file-system isolation unavailable ({exc.strerror or exc}): the program "
                "could write outside its working directory")
    return ""


def _under(path: str, folders: list[str]) -> bool:
    real = os.path.realpath(path)
    return any(os.path.commonpath([real, os.path.realpath(f)]) == os.path.realpath(f)
               for f in folders)


def write_denied(exc: BaseException, writable: list[str]) -> str:
    """Name the path when ``exc`` is the sandbox refusing a write outside ``writable``.

    Landlock answers EACCES while ``access(W_OK)``, which it does not govern, still
    says yes: that pair tells the sandbox apart from a plain read-only file.
    """
    if not (isinstance(exc, OSError) and writable and exc.errno in (errno.EACCES, errno.EPERM)):
        return ""
    path = exc.filename
    if not isinstance(path, str) or _under(path, writable):
        return ""
    probe = path if os.path.lexists(path) else os.path.dirname(os.path.abspath(path))
    if not os.access(probe, os.W_OK):
        return ""  # the ordinary permissions forbid it too: not the sandbox's doing
    return f"{WRITE_DENIED}: {path} ({exc.strerror}; verify lets a program write only there " \
           "and in the temporary folder)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tf2port.verify.runner")
    parser.add_argument("--side", choices=["v1", "v2"], required=True)
    parser.add_argument("--script", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--init")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--memory-mb", type=int, default=0)
    parser.add_argument("--writable", action="append", default=[],
                        help="a folder the program may write (repeatable); none: no confinement")
    parser.add_argument("args", nargs="*")
    opts = parser.parse_args(argv)
    isolation_note = _sandbox_self(opts.memory_mb, opts.writable)

    from tf2port.verify.trace import Recorder, load_init_arrays

    script = Path(opts.script).resolve()
    out = Path(opts.out)
    rec = Recorder(side=opts.side)
    if isolation_note:
        rec.note(isolation_note)
    random.seed(0)
    import numpy as np

    np.random.seed(0)
    runtime: Any
    try:
        if opts.side == "v1":
            from tf2port.verify.v1runtime import V1Runtime

            runtime = V1Runtime(rec)
        else:
            from tf2port.verify.v2runtime import NoGpuError, V2Runtime

            init = load_init_arrays(Path(opts.init)) if opts.init else []
            runtime = V2Runtime(rec, script.parent, init, opts.device)
        runtime.install()
    except Exception as exc:  # noqa: BLE001 - reported to the parent
        if type(exc).__name__ == "NoGpuError":
            print(str(exc), file=sys.stderr)
            return EXIT_NO_GPU
        traceback.print_exc()
        rec.save(out, status="error", error=f"runtime setup failed: {exc!r}")
        return EXIT_PROGRAM_FAILED

    sys.argv = [str(script), *opts.args]
    sys.path.insert(0, str(script.parent))
    real_stdout = sys.stdout
    sys.stdout = Tee(real_stdout, rec.write)
    status, error = "ok", ""
    try:
        if opts.side == "v2":
            with runtime.scope():
                runpy.run_path(str(script), run_name="__main__")
        else:
            runpy.run_path(str(script), run_name="__main__")
    except SystemExit as exc:
        if exc.code not in (None, 0):
            status, error = "error", f"program exited with {exc.code!r}"
    except BaseException as exc:  # noqa: BLE001 - the user's failure is data
        traceback.print_exc()
        denied = write_denied(exc, [] if isolation_note else opts.writable)
        status, error = "error", denied or f"{type(exc).__name__}: {exc}"
    finally:
        sys.stdout.flush()
        sys.stdout = real_stdout
    try:
        runtime.finish()
    except Exception as exc:  # noqa: BLE001
        rec.note(f"could not read final values: {exc!r}")
    rec.save(out, status=status, error=error)
    return EXIT_OK if status == "ok" else EXIT_PROGRAM_FAILED


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
