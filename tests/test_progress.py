"""Progress bar: drawn on a real pseudo-terminal, silent on pipes; the summary table."""
from __future__ import annotations

import fcntl
import io
import os
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

from tf2port.diagnostics import Diagnostic, Edit, FixClass, Span
from tf2port.progress import DISABLE_ENV, enabled, progress, rule_summary, table

ROOT = Path(__file__).resolve().parent.parent


def _pty(columns: int = 100) -> tuple[int, io.TextIOWrapper]:
    """(master fd, slave as a text stream) of a real pty sized ``columns`` wide."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    return master, io.TextIOWrapper(os.fdopen(slave, "wb", buffering=0), encoding="utf-8",
                                    write_through=True)


def _drain(master: int) -> str:
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO once the slave side is closed and the buffer is empty
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    return b"".join(chunks).decode("utf-8")


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(DISABLE_ENV, raising=False)
    monkeypatch.setenv("TERM", "xterm")


def test_bar_is_drawn_on_a_terminal_and_erased_at_the_end() -> None:
    master, stream = _pty()
    with progress(3, "lint", stream) as bar:
        for name in ("a.py", "pkg/b.py", "pkg/c.py"):
            bar.advance(name)
    stream.close()
    out = _drain(master)
    assert "\rlint [########################] 3/3 100%  pkg/c.py" in out
    assert "\n" not in out  # the bar rewrites one line with \r
    assert out.endswith("\r")  # erased: the next output starts at column 0
    last = out.rstrip("\r").rsplit("\r", 1)[-1]
    assert last.strip() == ""  # ... and the erase covers what was drawn


def test_long_paths_are_cut_to_the_terminal_width() -> None:
    master, stream = _pty(columns=60)
    with progress(2, "fix", stream) as bar:
        bar.advance("x" * 200)
        bar.advance("deep/" * 40 + "model.py")
    stream.close()
    lines = [seg for seg in _drain(master).split("\r") if seg.strip()]
    assert lines, "nothing drawn"
    assert all(len(seg) < 60 for seg in lines)
    assert lines[-1].endswith("/model.py") and "..." in lines[-1]


def test_silent_when_not_a_terminal() -> None:
    read_fd, write_fd = os.pipe()
    stream = os.fdopen(write_fd, "w")
    with progress(5, "lint", stream) as bar:
        for _ in range(5):
            bar.advance("a.py")
    assert bar.done == 5  # it still counts
    stream.close()
    with os.fdopen(read_fd, "rb") as pipe:
        assert pipe.read() == b""


def test_silent_when_disabled_by_env_or_dumb_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    master, stream = _pty()
    assert enabled(stream)
    monkeypatch.setenv("TERM", "dumb")
    assert not enabled(stream)
    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.setenv(DISABLE_ENV, "1")
    with progress(4, "lint", stream) as bar:
        for _ in range(4):
            bar.advance()
    stream.close()
    assert _drain(master) == ""


def test_bar_erased_when_the_body_raises() -> None:
    master, stream = _pty()
    with pytest.raises(RuntimeError):
        with progress(4, "lint", stream) as bar:
            bar.advance("a.py")
            raise RuntimeError("boom")
    stream.close()
    out = _drain(master)
    assert "1/4" in out and out.endswith("\r")


def test_default_stream_is_stderr_and_redirected_stderr_stays_clean() -> None:
    code = ("from tf2port.progress import progress\n"
            "with progress(3, 'lint') as bar:\n"
            "    [bar.advance('f.py') for _ in range(3)]\n"
            "print('out')\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "TERM": "xterm"}, check=True)
    assert done.stdout == "out\n" and done.stderr == ""


def test_table_aligns_columns() -> None:
    text = table(("code", "n"), [("TF101", 3), ("TF2", 12)], numeric=(False, True))
    assert text == ("code    n\n"
                    "-----  --\n"
                    "TF101   3\n"
                    "TF2    12\n")


def _diag(code: str, name: str, fixable: bool = False) -> Diagnostic:
    edits = (Edit(0, 1, "x"),) if fixable else ()
    return Diagnostic(code, name, "m", "f.py", Span(1, 1, 1, 2), FixClass.SAFE if fixable else FixClass.NONE,
                      "fix" if fixable else "", edits)


def test_rule_summary_counts_left_fixable_and_fixed_with_errors_last() -> None:
    remaining = [_diag("TF202", "placeholder", True), _diag("TF202", "placeholder"),
                 _diag("TF001", "syntax-error")]
    applied = [_diag("TF103", "changed-arguments", True)]
    rows = rule_summary(remaining, applied).splitlines()
    assert rows[0].split() == ["code", "name", "findings", "fixable", "fixed"]
    assert rows[2].split() == ["TF103", "changed-arguments", "0", "0", "1"]
    assert rows[3].split() == ["TF202", "placeholder", "2", "1", "0"]
    assert rows[4].split() == ["TF001", "syntax-error", "1", "0", "0"]
    assert rows[5].split() == ["total", "3", "1", "1"]
    assert rule_summary([], []) == ""
