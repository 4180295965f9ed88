"""Child-process entry: run one side of a verification and write its trace.

    python -m tf2port.verify.runner --side v1|v2 --script S --out DIR
        [--init DIR] [--device cpu|gpu|auto] [--memory-mb N] [-- ARGS...]

The parent owns the sandbox (process group, timeout, temp dir); the child caps
its own address space and asks the kernel to kill it if the parent dies, so an
interrupted ``tf2port verify`` leaves nothing behind.
"""
from __future__ import annotations

import argparse
import ctypes
import os
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


def _sandbox_self(memory_mb: int) -> None:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except Exception:
        pass
    if memory_mb > 0:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tf2port.verify.runner")
    parser.add_argument("--side", choices=["v1", "v2"], required=True)
    parser.add_argument("--script", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--init")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--memory-mb", type=int, default=0)
    parser.add_argument("args", nargs="*")
    opts = parser.parse_args(argv)
    _sandbox_self(opts.memory_mb)

    from tf2port.verify.trace import Recorder, load_init_arrays

    script = Path(opts.script).resolve()
    out = Path(opts.out)
    rec = Recorder(side=opts.side)
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
    sys.stdout = Tee(real_stdout, rec.write)  # type: ignore[assignment]
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
        status, error = "error", f"{type(exc).__name__}: {exc}"
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
