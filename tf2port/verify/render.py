"""Renderers over verdicts: text for people, json, junit, and a PNG plot.

Pure functions of frozen verdicts; matplotlib is imported only by ``plot``.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from tf2port.verify.verdict import Verdict


def text(verdicts: Sequence[Verdict]) -> str:
    lines = []
    for v in verdicts:
        head = f"{v.status.upper()}: {v.original} -> {v.converted}"
        lines.append(head)
        c = v.compared
        if v.status != "error":
            lines.append(f"  compared {c.steps} steps ({c.values} values), {c.printed} printed "
                         f"numbers, {c.variables} final variables; rtol={v.rtol:g} atol={v.atol:g}"
                         + (f"; converted ran on {v.device}" if v.device else ""))
        d = v.divergence
        if d is not None:
            lines.append(f"  first divergence ({d.kind} {d.index}): {d.message}")
            if d.original_name or d.converted_name:
                lines.append(f"    original: {d.original_name or '-'}   converted: "
                             f"{d.converted_name or '-'}")
            if d.abs_error is not None:
                lines.append(f"    abs error {d.abs_error:.3g}, rel error {d.rel_error:.3g}")
        elif v.reason:
            lines.append(f"  {v.reason}")
        for note in v.notes:
            lines.append(f"  note: {note}")
        if v.stderr_tail:
            lines.append(f"  {v.failed_side} stderr (tail):")
            lines.extend("    " + ln for ln in v.stderr_tail.splitlines())
    counts = {s: sum(v.status == s for v in verdicts)
              for s in ("equivalent", "mismatch", "not-comparable", "error")}
    if len(verdicts) > 1:
        lines.append(", ".join(f"{n} {s}" for s, n in counts.items()))
    return "\n".join(lines) + "\n"


def as_json(verdicts: Sequence[Verdict]) -> str:
    return json.dumps({"verdicts": [v.to_json() for v in verdicts]}, indent=2) + "\n"


def junit(verdicts: Sequence[Verdict]) -> str:
    """One testcase per pair: mismatch → failure; error / not comparable → error."""
    failures = sum(v.status == "mismatch" for v in verdicts)
    errors = sum(v.status in ("error", "not-comparable") for v in verdicts)
    total = sum(sum(v.seconds) for v in verdicts)
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           f'<testsuite name="tf2port-verify" tests="{len(verdicts)}" failures="{failures}" '
           f'errors="{errors}" time="{total:.3f}">']
    for v in verdicts:
        out.append(f'  <testcase classname="tf2port.verify" name={quoteattr(v.converted)} '
                   f'file={quoteattr(v.converted)} time="{sum(v.seconds):.3f}">')
        detail = escape(text([v]))
        if v.status == "mismatch":
            out.append(f"    <failure type=\"mismatch\" message={quoteattr(v.reason)}>{detail}</failure>")
        elif v.status in ("error", "not-comparable"):
            out.append(f"    <error type={quoteattr(v.status)} message={quoteattr(v.reason)}>"
                       f"{detail}</error>")
        out.append("  </testcase>")
    out.append("</testsuite>")
    return "\n".join(out) + "\n"


def plot(verdicts: Sequence[Verdict], path: Path) -> None:
    """Overlay both runs' loss-like sequences, one panel per pair."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    count = max(1, len(verdicts))
    fig, axes = plt.subplots(count, 1, figsize=(7, 3 * count), squeeze=False)
    for ax, v in zip(axes[:, 0], verdicts):
        ax.plot(v.original_losses, label="original (TF1)", linewidth=2.5, alpha=0.6)
        ax.plot(v.converted_losses, label="converted (TF2)", linestyle="--")
        if v.divergence is not None and v.divergence.kind in ("step", "count"):
            ax.axvline(v.divergence.index, color="red", linewidth=0.8, label="first divergence")
        ax.set_title(f"{Path(v.converted).name}: {v.status}", fontsize=9)
        ax.set_xlabel("step")
        ax.set_ylabel("first scalar of the step")
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
