"""Fuzzing ``fix`` (issue 8, item 3): generated programs and mutated TF1 fixtures.

Properties, for every input: no internal error (TF003), the output compiles, a second
``fix`` changes nothing, and code without TensorFlow is never changed. Bounded for CI:
``derandomize=True`` (the same examples every run), no example database, modest
``max_examples``; the in-process API does most of the work, a few CLI runs close the loop.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import hypothesmith
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from conftest import FIXTURES, ROOT
from tf2port.diagnostics import FileResult
from tf2port.engine import Options, process_source
from tf2port.files import SourceError, decode
from tf2port.fix.pipeline import fix_text

FUZZ = settings(derandomize=True, database=None, deadline=None, print_blob=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                       HealthCheck.data_too_large])
FIX = Options(mode="fix")

TF_HEADER = "import tensorflow as tf\n"
TF_TAIL = "\nw = tf.random_uniform([1])\nx = tf.placeholder(tf.float32)\n"

# Lines a TF1 author writes, inserted by the mutator (indented to fit where they land).
SNIPPETS = (
    "w = tf.random_uniform([3])",
    "v = tf.random_normal([2], seed=1)",
    "s = tf.reduce_sum(v, keep_dims=True)",
    "p = tf.placeholder(tf.float32, [None, 3])",
    "tf.set_random_seed(0)",
    "init = tf.global_variables_initializer()",
    "opt = tf.train.AdamOptimizer(0.01)",
    "sess = tf.Session()",
    "print(sess.run(w))",
    "with tf.variable_scope('scope'):",
    "    q = tf.get_variable('q', [2])",
    "n = (m := 3) + 1",
    "f = f'{w=}'",
    "from tensorflow.contrib import slim",
    "import tensorflow.compat.v1 as tf",
    "if True:\n\tt = tf.random_uniform([1])",
    "del w",
    "tf = None",
)

_programs = [p for p in sorted(FIXTURES.glob("programs/*/original.py"))]
_bad_fixed = [FIXTURES / "bad" / n for n in ("crlf.py", "tabs.py", "modern_syntax.py", "latin1_cookie.py",
                                            "utf8_bom.py", "non_ascii_columns.py", "mixed_newlines.py")]
SEEDS = [p.read_bytes() for p in _programs + _bad_fixed if p.exists()]

def _fix(raw: bytes, path: str = "fuzz.py") -> FileResult | None:
    """Fix one input in process; None when it is not decodable source (not this test's business)."""
    try:
        source = decode(raw, path)
    except SourceError:
        return None
    return process_source(source, FIX)


def _check(raw: bytes, result: FileResult) -> None:
    internal = [e for e in result.errors if e.code == "TF003"]
    assert not internal, f"internal error: {internal[0].message}"
    if result.changed:
        assert result.new_text is not None
        compile(result.new_text, "fixed.py", "exec", dont_inherit=True)
        again = _fix(decode(raw, "fuzz.py").encode(result.new_text))
        assert again is not None and not again.errors, again and again.errors
        assert not again.changed, "a second fix changed the output again"


# --- generated programs -----------------------------------------------------------------------
def _compiles(text: str) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)  # generated code like `1()` warns; it still compiles
        try:
            compile(text, "gen.py", "exec", dont_inherit=True)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return False
    return True


@settings(FUZZ, max_examples=150)
@given(hypothesmith.from_grammar())
def test_generated_program_without_tensorflow_is_never_changed(program: str):
    assume(_compiles(program) and "tensorflow" not in program)
    # straight into the fixer (past the byte prefilter): no TF import, so nothing may change
    outcome = fix_text(program, "gen.py", lambda code, line: True)
    assert outcome.text == program
    assert not outcome.applied
    # a module that imports something else as `tf` is not TensorFlow either
    aliased = "import numpy as tf  # not tensorflow\n" + program + TF_TAIL
    if _compiles(aliased):
        assert fix_text(aliased, "gen.py", lambda code, line: True).text == aliased


def _names(program: str) -> set[str]:
    return set(re.findall(r"[A-Za-z_]\w*", program))


@settings(FUZZ, max_examples=150)
@given(hypothesmith.from_grammar())
def test_generated_program_with_tensorflow_is_fixed_safely(program: str):
    text = TF_HEADER + program + TF_TAIL
    assume(_compiles(text))
    raw = text.encode("utf-8")
    result = _fix(raw)
    assert result is not None
    _check(raw, result)
    assert result.changed, "the TF1 lines around the program were not fixed"
    if "tf" not in _names(program) and "\r" not in program:
        # the generated code in the middle is someone's code: kept exactly
        assert program in (result.new_text or "")


# --- mutated TF1 fixtures ---------------------------------------------------------------------
@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    raw = draw(st.sampled_from(SEEDS))
    lines = raw.splitlines(keepends=True) or [b"\n"]
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["delete", "duplicate", "swap", "insert", "crlf", "bom", "indent",
                                     "unicode", "truncate", "alias"]))
        at = draw(st.integers(0, max(0, len(lines) - 1)))
        if kind == "delete" and len(lines) > 1:
            del lines[at]
        elif kind == "duplicate":
            lines.insert(at, lines[at])
        elif kind == "swap":
            other = draw(st.integers(0, len(lines) - 1))
            lines[at], lines[other] = lines[other], lines[at]
        elif kind == "insert":
            indent = re.match(rb"[ \t]*", lines[at]).group(0)  # type: ignore[union-attr]
            snippet = draw(st.sampled_from(SNIPPETS)).encode()
            lines.insert(at, b"".join(indent + s + b"\n" for s in snippet.split(b"\n")))
        elif kind == "crlf":
            lines = [re.sub(rb"\r?\n$", b"\r\n", line) for line in lines]
        elif kind == "bom" and not lines[0].startswith(b"\xef\xbb\xbf") and b"coding" not in lines[0]:
            lines[0] = b"\xef\xbb\xbf" + lines[0]
        elif kind == "indent":
            lines[at] = b"\t" + lines[at]
        elif kind == "unicode":
            lines.insert(at, "s = 'größe → 🙂'  # ü\n".encode())
        elif kind == "truncate":
            joined = b"".join(lines)
            lines = [joined[: draw(st.integers(0, len(joined)))]]
        elif kind == "alias":
            lines = [line.replace(b"tf.", b"tensorflow_v1.").replace(b"as tf", b"as tensorflow_v1")
                     for line in lines]
    return b"".join(lines)


@settings(FUZZ, max_examples=100)
@given(mutated())
def test_mutated_tf1_program_is_fixed_safely_or_left_alone(raw: bytes):
    result = _fix(raw)
    if result is None:
        return
    _check(raw, result)
    if result.errors:
        assert not result.changed
        assert all(e.code in ("TF001", "TF002") for e in result.errors)


# --- a few runs of the real CLI ---------------------------------------------------------------
def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tf2port", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, env={**os.environ, "TF2PORT_NO_CACHE": "1"})


@pytest.mark.slow
@settings(FUZZ, max_examples=4)
@given(hypothesmith.from_grammar(), mutated())
def test_cli_fix_on_generated_and_mutated_files(program: str, raw: bytes):
    assume(_compiles(program) and "tensorflow" not in program)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "plain.py").write_text(program, encoding="utf-8", newline="")
        (root / "mutant.py").write_bytes(raw)
        (root / "tf1.py").write_bytes(TF_HEADER.encode() + b"v = tf.random_normal([2])\n")
        proc = _cli("fix", str(root))
        assert proc.returncode in (0, 1, 2), proc.stderr
        assert "TF003" not in proc.stderr and "Traceback" not in proc.stderr, proc.stderr
        assert (root / "plain.py").read_bytes() == program.encode("utf-8")
        assert (root / "tf1.py").read_bytes() == TF_HEADER.encode() + b"v = tf.random.normal([2])\n"
        fixed = (root / "mutant.py").read_bytes()
        if fixed != raw:
            compile(fixed, "mutant.py", "exec", dont_inherit=True)
        check = _cli("fix", "--check", str(root))
        assert check.returncode in (0, 2) and "would change" in check.stderr, check.stderr
        assert check.stderr.startswith("0 files would change"), check.stderr

