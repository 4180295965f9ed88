"""``verify_entry``: prove a converted Keras class computes what a TF1 model function did.

Example::

    verdict = verify_entry("model.py:encoder_block", "model_tf2.py:EncoderBlock",
                           inputs=[parse_input("x=4,16")], args={"units": 8})
    assert verdict.status == "equivalent", verdict.reason

Both sides run in sandboxed children (``tf2port.verify.entry_runner``) with the
timeout, memory cap and device handling of ``verify_pair``; the traces are
compared and concluded by the same code, so verdicts and reports look alike.
"""
from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from tf2port.verify.api import (DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT, _failure, conclude,
                                default_tolerance, gpu_present, resolve_device)
from tf2port.verify.entry_spec import InputSpec, split_target
from tf2port.verify.sandbox import run_side
from tf2port.verify.trace import Trace
from tf2port.verify.verdict import Verdict

ENTRY_RUNNER = "tf2port.verify.entry_runner"
SEED = 0
STEPS = 3
LEARNING_RATE = 0.1


def verify_entry(original: str, converted: str, *, inputs: list[InputSpec],
                 args: dict[str, Any] | None = None, rtol: float | None = None,
                 atol: float | None = None, timeout: float = DEFAULT_TIMEOUT,
                 memory_mb: int = DEFAULT_MEMORY_MB, device: str = "cpu",
                 steps: int = STEPS, learning_rate: float = LEARNING_RATE) -> Verdict:
    """Compare ``FILE.py:function`` (TF1 graph mode) with ``FILE.py:Class`` (TF2 eager).

    The forward pass (training off) and ``steps`` plain-SGD steps (training on)
    on the mean of squares of the outputs (plus regularisation losses) are
    compared, then every variable after the steps.
    """
    try:
        dev = resolve_device(device)
        (o_file, o_name), (c_file, c_name) = split_target(original), split_target(converted)
    except ValueError as exc:
        return Verdict("error", original, converted, reason=str(exc))
    d_rtol, d_atol = default_tolerance(dev)
    rtol = d_rtol if rtol is None else rtol
    atol = d_atol if atol is None else atol

    def error(reason: str, side: str = "", tail: str = "",
              seconds: tuple[float, float] = (0.0, 0.0)) -> Verdict:
        return Verdict("error", original, converted, reason=reason, failed_side=side,
                       stderr_tail=tail, rtol=rtol, atol=atol, seconds=seconds)

    for path in (o_file, c_file):
        if not Path(path).is_file():
            return error(f"no such file: {path}")
    if not inputs:
        return error("--entry needs at least one --input name=d0,d1[:dtype]")
    if dev == "gpu" and not gpu_present():
        return error("--device gpu: no GPU is present on this machine; not falling back to "
                     "the CPU", "converted")
    base = {"inputs": [i.to_json() for i in inputs], "args": dict(args or {}), "seed": SEED,
            "steps": steps, "learning_rate": learning_rate}
    with tempfile.TemporaryDirectory(prefix="tf2port-verify-entry-") as tmp:
        root = Path(tmp)
        o_spec, c_spec = root / "original.json", root / "converted.json"
        o_spec.write_text(json.dumps({**base, "target": o_name}))
        c_spec.write_text(json.dumps({**base, "target": c_name}))
        o_out, c_out = root / "original", root / "converted"
        o_run = run_side("v1", Path(o_file), o_out, init=None, device="cpu", timeout=timeout,
                         memory_mb=memory_mb, args=(), module=ENTRY_RUNNER,
                         extra=("--spec", str(o_spec)))
        if o_run.returncode != 0:
            return error(_failure(o_run, "original", o_out), "original", o_run.stderr_tail,
                         (o_run.seconds, 0.0))
        c_run = run_side("v2", Path(c_file), c_out, init=o_out, device=dev, timeout=timeout,
                         memory_mb=memory_mb, args=(), module=ENTRY_RUNNER,
                         extra=("--spec", str(c_spec)))
        seconds = (o_run.seconds, c_run.seconds)
        if c_run.returncode != 0:
            return error(_failure(c_run, "converted", c_out), "converted", c_run.stderr_tail,
                         seconds)
        orig, conv = Trace.load(o_out), Trace.load(c_out)
    unmatched = conv.meta.get("unmatched")
    if unmatched:
        return Verdict("not-comparable", original, converted,
                       reason=f"{len(unmatched)} weight(s) could not be given the original's "
                       "values: " + "; ".join(unmatched),
                       notes=tuple(orig.notes) + tuple(conv.notes), rtol=rtol, atol=atol,
                       seconds=seconds)
    return conclude(orig, conv, original=original, converted=converted, rtol=rtol, atol=atol,
                    seconds=seconds)
