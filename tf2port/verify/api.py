"""``verify_pair``: run both sides, compare, conclude. The Python API of verify.

Example::

    verdict = verify_pair(Path("train.py"), Path("train_tf2.py"))
    assert verdict.status == "equivalent", verdict.reason
"""
from __future__ import annotations

import tempfile
from pathlib import Path

from tf2port.verify.compare import compare, loss_like
from tf2port.verify.rnn_weights import UNMAPPED_NOTE
from tf2port.verify.sandbox import RunResult, run_side
from tf2port.verify.trace import TRACE_JSON, Trace
from tf2port.verify.verdict import Divergence, Verdict

# The TF migration guide's defaults: forward values rtol 1e-6, losses atol 1e-5.
CPU_TOLERANCE = (1e-6, 1e-5)
# GPU kernels reduce in other orders and use TF32 matmuls by default on Ampere+.
GPU_TOLERANCE = (1e-3, 1e-4)
# TF1's fused ApplyAdam and Keras' Adam round differently in float32 (TF1_SEMANTICS.md). Adam
# divides by sqrt(v), so a gradient that is rounding noise on one side (a weight whose batch
# contributions cancel) still moves the weight by about the learning rate: the two runs drift
# apart, differently from run to run. Typical drift is ~3e-6 on a loss of 2 after 12 steps
# (fixtures/programs/deep_mlp_xavier, 4 runs), but one CI run saw 2.7e-4 at step 11 of the same
# program, so the bound is 1e-3: ten times that outlier, and still far below what a wrong epsilon,
# learning rate or missing bias causes (fixtures/mutants: adam_epsilon is off by 0.56 relative).
# A CPU check of an Adam-trained original uses this bound unless tolerances are given, and says so.
ADAM_TOLERANCE = (1e-3, 1e-3)
ADAM_NOTE = ("Adam tolerance (rtol 1e-3, atol 1e-3): TF1's fused Adam and Keras' Adam round "
             "differently in float32")
DEFAULT_TIMEOUT = 600.0
DEFAULT_MEMORY_MB = 8192
EXIT_NO_GPU = 4


def gpu_present() -> bool:
    """Whether an NVIDIA GPU is visible, without importing TensorFlow."""
    gpus = Path("/proc/driver/nvidia/gpus")
    return (gpus.is_dir() and any(gpus.iterdir())) or Path("/dev/nvidia0").exists()


def resolve_device(device: str) -> str:
    """``auto`` → gpu when one is present; ``gpu`` stays gpu (checked later)."""
    if device == "auto":
        return "gpu" if gpu_present() else "cpu"
    if device not in ("cpu", "gpu"):
        raise ValueError(f"unknown device {device!r}: use cpu, gpu or auto")
    return device


def default_tolerance(device: str) -> tuple[float, float]:
    return GPU_TOLERANCE if resolve_device(device) == "gpu" else CPU_TOLERANCE


def _failure(result: RunResult, side: str, out: Path) -> str:
    if result.reason:
        return f"{side} {result.reason}"
    if result.returncode == EXIT_NO_GPU:
        return "--device gpu: no GPU is visible to TensorFlow; not falling back to the CPU"
    if (out / TRACE_JSON).exists():
        error = Trace.load(out).error
        if error:
            return f"{side} program failed: {error}"
    if "MemoryError" in result.stderr_tail or "bad_alloc" in result.stderr_tail:
        return f"{side} program exceeded the memory cap"
    return f"{side} program exited with code {result.returncode}"


def verify_pair(original: Path, converted: Path, *, rtol: float | None = None,
                atol: float | None = None, timeout: float = DEFAULT_TIMEOUT,
                memory_mb: int = DEFAULT_MEMORY_MB, device: str = "cpu",
                args: tuple[str, ...] = ()) -> Verdict:
    """Run ``original`` under TF1 semantics and ``converted`` under TF2, then compare.

    The timeout and memory cap apply to each side. ``rtol``/``atol`` default by
    device (see ``CPU_TOLERANCE`` / ``GPU_TOLERANCE``).
    """
    original, converted = Path(original), Path(converted)
    names = (str(original), str(converted))
    try:
        dev = resolve_device(device)
    except ValueError as exc:
        return Verdict("error", *names, reason=str(exc))
    d_rtol, d_atol = default_tolerance(dev)
    notes: tuple[str, ...] = ()
    if rtol is None and atol is None and dev == "cpu" and _trains_with_tf1_adam(original):
        (d_rtol, d_atol), notes = ADAM_TOLERANCE, (ADAM_NOTE,)
    rtol = d_rtol if rtol is None else rtol
    atol = d_atol if atol is None else atol

    def error(reason: str, side: str = "", tail: str = "",
              seconds: tuple[float, float] = (0.0, 0.0)) -> Verdict:
        return Verdict("error", *names, reason=reason, failed_side=side, stderr_tail=tail,
                       rtol=rtol, atol=atol, seconds=seconds)

    for path in (original, converted):
        if not path.is_file():
            return error(f"no such file: {path}")
    if dev == "gpu" and not gpu_present():
        return error("--device gpu: no GPU is present on this machine; not falling back to "
                     "the CPU", "converted")
    with tempfile.TemporaryDirectory(prefix="tf2port-verify-") as tmp:
        o_out, c_out = Path(tmp) / "original", Path(tmp) / "converted"
        o_run = run_side("v1", original, o_out, init=None, device="cpu", timeout=timeout,
                         memory_mb=memory_mb, args=args)
        if o_run.returncode != 0:
            return error(_failure(o_run, "original", o_out), "original", o_run.stderr_tail,
                         (o_run.seconds, 0.0))
        c_run = run_side("v2", converted, c_out, init=o_out, device=dev, timeout=timeout,
                         memory_mb=memory_mb, args=args)
        seconds = (o_run.seconds, c_run.seconds)
        if c_run.returncode != 0:
            return error(_failure(c_run, "converted", c_out), "converted", c_run.stderr_tail,
                         seconds)
        orig, conv = Trace.load(o_out), Trace.load(c_out)
    return conclude(orig, conv, original=names[0], converted=names[1], rtol=rtol, atol=atol,
                    seconds=seconds, extra_notes=notes)


def _trains_with_tf1_adam(original: Path) -> bool:
    """Does the original use TF1's Adam optimizer (fused ApplyAdam)? Read from its source text."""
    try:
        return "AdamOptimizer" in original.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False


def conclude(orig: Trace, conv: Trace, *, original: str, converted: str, rtol: float,
             atol: float, seconds: tuple[float, float] = (0.0, 0.0), extra_notes: tuple[str, ...] = ()
             ) -> Verdict:
    """Turn two traces into a verdict (pure; tests call it on recorded traces)."""
    divergence, compared = compare(orig, conv, rtol, atol)
    notes = list(extra_notes) + list(orig.notes) + [n for n in conv.notes if n not in orig.notes]
    draws = (orig.meta.get("dropout_draws", 0), conv.meta.get("dropout_draws", 0))
    if any(draws):
        notes.append(f"dropout masks aligned by verify ({draws[0]} draws original, "
                     f"{draws[1]} converted)")
    unaligned = [n for n in orig.notes if n.startswith("unaligned random op")]
    def verdict(status: str, reason: str, divergence: Divergence | None = None) -> Verdict:
        return Verdict(status, original, converted, reason=reason, divergence=divergence,
                       compared=compared, notes=tuple(notes), original_losses=loss_like(orig),
                       converted_losses=loss_like(conv),
                       device=str(conv.meta.get("device", "")), rtol=rtol, atol=atol,
                       seconds=seconds)

    unmapped = [n for n in notes if n.startswith(UNMAPPED_NOTE)]
    if unmapped:
        return verdict("not-comparable", unmapped[0], divergence)
    if divergence is not None and unaligned:
        return verdict("not-comparable", "the original draws random numbers verify cannot "
                       f"align ({len(unaligned)} op(s)); first difference: {divergence.message}",
                       divergence)
    if divergence is not None:
        return verdict("mismatch", divergence.message, divergence)
    if compared.values == 0 and compared.printed == 0 and compared.variables == 0:
        return verdict("not-comparable", "nothing to compare: neither program produced a "
                       "step value, a printed number or a trainable variable")
    return verdict("equivalent", "")
