"""Compare two traces; the first divergence is the earliest on the original's timeline.

Three streams are compared: step values (each ``sess.run`` that fetched numbers
against each call of a step function, in order), printed numbers, and final
variable values (paired through the initial-value matching). Closeness is
``|got - expected| <= atol + rtol * |expected|``; a printed float may also
differ by one unit in its last printed digit (the two sides round the same
value independently); printed integers must be equal.
"""
from __future__ import annotations

import bisect
import math
import re
from dataclasses import dataclass

import numpy as np

from tf2port.verify.trace import Trace
from tf2port.verify.verdict import Compared, Divergence

NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?(?![\w.])|(?<![\w.])[-+]?(?:nan|inf)(?![\w.])")


@dataclass(frozen=True)
class Token:
    """A number printed on stdout, with its place on the timeline."""

    seq: int
    text: str

    @property
    def value(self) -> float:
        return float(self.text)

    @property
    def is_int(self) -> bool:
        return not any(c in self.text for c in ".eEna")

    @property
    def last_digit_unit(self) -> float:
        mantissa, _, exponent = self.text.lower().partition("e")
        decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
        return 10.0 ** (-decimals + (int(exponent) if exponent else 0))


def tokens(trace: Trace) -> list[Token]:
    """Numeric tokens of stdout, each stamped with the seq of the write holding it."""
    starts, text = [], []
    offset = 0
    for _, chunk in trace.writes:
        starts.append(offset)
        text.append(chunk)
        offset += len(chunk)
    joined = "".join(text)
    seqs = [seq for seq, _ in trace.writes]
    out = []
    for match in NUMBER.finditer(joined):
        where = bisect.bisect_right(starts, match.start()) - 1
        out.append(Token(seqs[where], match.group(0)))
    return out


def _rel(expected: float, got: float) -> float:
    return abs(got - expected) / abs(expected) if expected else math.inf if got != expected else 0.0


def _first_bad(expected: np.ndarray, got: np.ndarray, rtol: float, atol: float
               ) -> tuple[tuple[int, ...], float, float] | None:
    """Index and values of the first element outside tolerance, or None."""
    e = expected.astype(np.float64)
    g = got.astype(np.float64)
    ok = np.isclose(g, e, rtol=rtol, atol=atol, equal_nan=True)
    if ok.all():
        return None
    flat = int(np.argmin(ok.reshape(-1)))
    index = tuple(int(i) for i in np.unravel_index(flat, e.shape)) if e.shape else ()
    return index, float(e.reshape(-1)[flat]), float(g.reshape(-1)[flat])


def _value_divergence(kind: str, index: int, message: str, expected: float, got: float, *,
                      original_name: str = "", converted_name: str = "", value_index: int = 0,
                      element: tuple[int, ...] = ()) -> Divergence:
    return Divergence(kind=kind, index=index, message=message, original_name=original_name,
                      converted_name=converted_name, value_index=value_index, element=element,
                      expected=expected, got=got, abs_error=abs(got - expected),
                      rel_error=_rel(expected, got))


def compare_steps(orig: Trace, conv: Trace, rtol: float, atol: float
                  ) -> tuple[tuple[float, Divergence] | None, int, int]:
    """First divergence of step values as (original seq, divergence), and counts."""
    values = 0
    for i, (a, b) in enumerate(zip(orig.events, conv.events)):
        names = {"original_name": a.name, "converted_name": b.name}
        if len(a.values) != len(b.values):
            return (a.seq, Divergence("step", i, f"step {i}: the original fetched {len(a.values)} "
                                      f"value(s), the converted step returned {len(b.values)}",
                                      a.name, b.name)), i, values
        for j, (x, y) in enumerate(zip(a.values, b.values)):
            if x.shape != y.shape:
                return (a.seq, Divergence("step", i, f"step {i} value {j}: shape {x.shape} "
                                          f"expected, got {y.shape}", a.name, b.name,
                                          value_index=j)), i, values
            bad = _first_bad(x, y, rtol, atol)
            values += 1
            if bad is not None:
                element, e, g = bad
                return (a.seq, _value_divergence(
                    "step", i, f"step {i} value {j}{list(element) if element else ''}: "
                    f"expected {e:.9g}, got {g:.9g}", e, g, value_index=j, element=element,
                    **names)), i, values
    n_o, n_c = len(orig.events), len(conv.events)
    if n_o != n_c:
        shorter = min(n_o, n_c)
        seq = orig.events[shorter].seq if n_o > n_c else (orig.events[-1].seq + 0.5 if n_o else 0)
        name_o = orig.events[shorter].name if n_o > n_c else ""
        name_c = conv.events[shorter].name if n_c > n_o else ""
        return (seq, Divergence("count", shorter, f"the original produced {n_o} step values, "
                                f"the converted program {n_c}", original_name=name_o,
                                converted_name=name_c)), shorter, values
    return None, n_o, values


def compare_printed(orig: Trace, conv: Trace, rtol: float, atol: float
                    ) -> tuple[tuple[float, Divergence] | None, int]:
    """First divergence among printed numbers."""
    a_tokens, b_tokens = tokens(orig), tokens(conv)
    for i, (a, b) in enumerate(zip(a_tokens, b_tokens)):
        e, g = a.value, b.value
        if a.is_int and b.is_int:
            ok = e == g
        elif math.isnan(e) or math.isnan(g):
            ok = math.isnan(e) and math.isnan(g)
        else:
            slack = max(a.last_digit_unit if not a.is_int else 0.0,
                        b.last_digit_unit if not b.is_int else 0.0)
            ok = abs(g - e) <= atol + rtol * abs(e) + slack * 1.0000001
        if not ok:
            return (a.seq, _value_divergence("printed", i, f"printed number {i}: expected "
                                             f"{a.text}, got {b.text}", e, g)), i
    if len(a_tokens) != len(b_tokens):
        shorter = min(len(a_tokens), len(b_tokens))
        seq = a_tokens[shorter].seq if len(a_tokens) > shorter else (
            a_tokens[-1].seq + 0.5 if a_tokens else 0)
        return (seq, Divergence("count", shorter, f"the original printed {len(a_tokens)} numbers, "
                                f"the converted program {len(b_tokens)}")), shorter
    return None, len(a_tokens)


def compare_final(orig: Trace, conv: Trace, rtol: float, atol: float
                  ) -> tuple[Divergence | None, int]:
    """First variable whose final value differs (original creation order)."""
    count = 0
    for index in sorted(orig.final):
        if index not in conv.final:
            continue
        a, b = orig.final[index], conv.final[index]
        name = orig.init[index]["name"] if index < len(orig.init) else str(index)
        count += 1
        if a.shape != b.shape:
            return Divergence("final", index, f"final value of {name}: shape {a.shape} expected, "
                              f"got {b.shape}", original_name=name), count
        bad = _first_bad(a, b, rtol, atol)
        if bad is not None:
            element, e, g = bad
            return _value_divergence("final", index, f"final value of {name}"
                                     f"{list(element) if element else ''}: expected {e:.9g}, "
                                     f"got {g:.9g}", e, g, element=element,
                                     original_name=name), count
    return None, count


def compare_init(orig: Trace, conv: Trace, rtol: float, atol: float) -> Divergence | None:
    """Would the converted program start elsewhere, had verify not substituted?

    Substitution lines up random draws, but must not hide a wrong initialiser.
    A deterministic original initialiser (zeros, ones, a constant) must be
    reproduced exactly; a random one must be matched in distribution: mean and spread, with a margin that
    shrinks with the number of elements (small variables are not judged).
    """
    for index in sorted(conv.own_init):
        if index not in orig.init_values:
            continue
        a = orig.init_values[index].astype(np.float64).reshape(-1)
        b = conv.own_init[index].astype(np.float64).reshape(-1)
        name = orig.init[index]["name"]
        if a.shape != b.shape or a.size == 0:
            continue
        random = orig.init[index].get("random")
        if random is None:  # restored from a checkpoint, not initialised
            continue
        if not random:
            bad = _first_bad(a, b, rtol, atol)
            if bad is not None:
                (flat,), e, g = bad
                return _value_divergence("init", index, f"initial value of {name}: the original "
                                         f"initialiser is deterministic and gives {e:.9g}, the "
                                         f"converted one {g:.9g} (element {flat})", e, g,
                                         original_name=name, element=(flat,))
            continue
        if a.size < 30:
            continue
        std_a, std_b = float(a.std()), float(b.std())
        # Two independent samples: ~6 standard errors of the difference, never
        # less than 25 % of the spread, so a correct port is not flagged by chance.
        margin = max(0.25, 6.0 / math.sqrt(a.size))
        mean_gap = abs(float(b.mean()) - float(a.mean()))
        if abs(std_b - std_a) > margin * std_a or mean_gap > 6.0 * std_a / math.sqrt(a.size):
            return _value_divergence("init", index, f"initial value of {name}: the converted "
                                     f"initialiser draws from another distribution (std "
                                     f"{std_b:.4g} vs {std_a:.4g}, mean {b.mean():.4g} vs "
                                     f"{a.mean():.4g})", std_a, std_b, original_name=name)
    return None


def compare(orig: Trace, conv: Trace, rtol: float, atol: float
            ) -> tuple[Divergence | None, Compared]:
    """The earliest divergence across the streams, and what was compared."""
    init = compare_init(orig, conv, rtol, atol)
    step, n_steps, n_values = compare_steps(orig, conv, rtol, atol)
    printed, n_printed = compare_printed(orig, conv, rtol, atol)
    final, n_final = compare_final(orig, conv, rtol, atol)
    candidates = [c for c in ((0, init) if init else None, step, printed) if c is not None]
    first = min(candidates, key=lambda c: c[0])[1] if candidates else final
    return first, Compared(steps=n_steps, values=n_values, printed=n_printed, variables=n_final)


def loss_like(trace: Trace) -> tuple[float, ...]:
    """The first scalar of every step: what a person would plot as the loss."""
    out = []
    for event in trace.events:
        for value in event.values:
            if value.shape == () and value.dtype.kind == "f":
                out.append(float(value))
                break
    return tuple(out)
