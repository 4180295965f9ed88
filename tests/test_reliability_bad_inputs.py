"""Bad input never costs a byte and never stops the rest of the tree (issue 8, item 1).

Every input in ``fixtures/bad/`` (written by ``scripts/make_bad_fixtures.py``) plus the
ones that cannot live in git (10 MB, symlink loops, a FIFO, unreadable and read-only
files) gets: the right outcome (fixed exactly, untouched, or an error with path and
line), the right exit code, and a good TF1 file beside it that still gets fixed.
"""
from __future__ import annotations

import ctypes
import importlib.util
import os
import re
import shutil
import stat
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import FIXTURES, ROOT, run_cli
from tf2port.engine import Options, process_path
from tf2port.files import discover

BAD = FIXTURES / "bad"
_spec = importlib.util.spec_from_file_location("make_bad_fixtures", ROOT / "scripts" / "make_bad_fixtures.py")
assert _spec and _spec.loader
make_bad = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_bad)

GOOD = b"import tensorflow as tf\nw = tf.random_uniform([1])\nv = tf.random_normal([2])\n"
GOOD_FIXED = make_bad.expected_fixed(GOOD)


@dataclass(frozen=True)
class Expect:
    """What must happen to one input: fixed exactly, left alone, or an error (code, line, words)."""

    outcome: str  # "fixed" | "same" | "error"
    code: str = ""
    line: int | None = None  # None: the line CPython's own compile() reports
    words: str = ""  # a regex the message must match


EXPECT: dict[str, Expect] = {
    "py2_print.py": Expect("error", "TF001", None, r"print"),
    "py2_except.py": Expect("error", "TF001", None, r"parenthesized"),
    "syntax_error.py": Expect("error", "TF001", None, r"syntax"),
    "undecodable.py": Expect("error", "TF002", 3, r"cannot decode as utf-8"),
    "latin1_cookie.py": Expect("fixed"),
    "utf8_bom.py": Expect("fixed"),
    "crlf.py": Expect("fixed"),
    "mixed_newlines.py": Expect("fixed"),
    "cr_only.py": Expect("fixed"),
    "tabs.py": Expect("fixed"),
    "empty.py": Expect("same"),
    "deep_parens.py": Expect("error", "TF001", 2, r"nested"),
    "binary.py": Expect("error", "TF002", 1, r"binary"),
    "unknown_encoding.py": Expect("error", "TF002", 1, r"encoding.*klingon"),
    "non_ascii_columns.py": Expect("fixed"),
    "modern_syntax.py": Expect("fixed"),
    "not_tensorflow.py": Expect("same"),
    "notebook_invalid.ipynb": Expect("error", "TF002", 8, r"not valid JSON"),
    "notebook_magics.ipynb": Expect("fixed"),
}

# Known core bugs, pinned so they cannot be forgotten: strict, so a fix makes these fail
# until the marker is removed.
KNOWN_BUGS: dict[str, str] = {}


def _param(name: str):
    marks = [pytest.mark.xfail(strict=True, reason=KNOWN_BUGS[name])] if name in KNOWN_BUGS else []
    return pytest.param(name, marks=marks, id=name)


def _compile_line(raw: bytes) -> int:
    try:
        compile(raw, "x.py", "exec", dont_inherit=True)
    except SyntaxError as exc:
        return exc.lineno or 1
    raise AssertionError("expected a syntax error")


def _expected_line(name: str) -> int:
    expect = EXPECT[name]
    return expect.line if expect.line is not None else _compile_line((BAD / name).read_bytes())


# --- the committed inputs are what the script says --------------------------------------------
def test_committed_fixtures_match_the_generator():
    wanted = make_bad.fixtures()
    on_disk = {p.name for p in BAD.iterdir() if p.name != ".gitattributes"}
    assert on_disk == set(wanted), "fixtures/bad/ and scripts/make_bad_fixtures.py disagree on the file list"
    for name, raw in wanted.items():
        assert (BAD / name).read_bytes() == raw, f"{name} was altered (line endings? encoding?)"
    assert set(EXPECT) == set(wanted), "every bad input needs an expectation"


# --- one input at a time, in process (fast; a failure names the input) --------------------------
@pytest.mark.parametrize("name", [_param(n) for n in sorted(EXPECT)])
def test_fix_in_place_one_input(tmp_path: Path, name: str):
    raw = (BAD / name).read_bytes()
    target = tmp_path / name
    target.write_bytes(raw)
    result = process_path(str(target), Options(mode="fix", write=True))
    expect = EXPECT[name]
    after = target.read_bytes()
    if expect.outcome == "fixed":
        assert not result.errors, result.errors
        assert after == make_bad.expected_fixed(raw)
        # and a second run leaves the fixed bytes alone
        again = process_path(str(target), Options(mode="fix", write=True))
        assert not again.errors and not again.changed and target.read_bytes() == after
    elif expect.outcome == "same":
        assert not result.errors and not result.changed
        assert after == raw
    else:
        assert after == raw, "a file that cannot be handled must be left byte-identical"
        assert len(result.errors) == 1, result.errors
        err = result.errors[0]
        assert err.code == expect.code and err.path == str(target)
        assert err.span.line == _expected_line(name)
        assert re.search(expect.words, err.message), err.message
    assert not list(tmp_path.glob(".*.tf2port.tmp")), "atomic write left a temp file"


@pytest.mark.parametrize("name", [_param(n) for n in sorted(EXPECT)])
def test_lint_one_input(tmp_path: Path, name: str):
    raw = (BAD / name).read_bytes()
    target = tmp_path / name
    target.write_bytes(raw)
    result = process_path(str(target), Options(mode="lint"))
    expect = EXPECT[name]
    assert target.read_bytes() == raw
    if expect.outcome == "error":
        assert [e.code for e in result.errors] == [expect.code]
        assert result.errors[0].span.line == _expected_line(name)
    else:
        assert not result.errors, result.errors
        # the inputs that get fixed have findings; the others have none
        assert bool(result.diagnostics) == (expect.outcome == "fixed")


# --- the whole tree through the CLI, with the inputs git cannot hold ----------------------------
_ERROR_LINE = re.compile(r"^(?P<path>.+?):(?:cell (?P<cell>\d+):)?(?P<line>\d+):(?P<col>\d+): (?P<code>TF0\d\d) (?P<msg>.*)$")


def _build_tree(root: Path) -> dict[str, bytes]:
    """Copy the committed inputs, add generated ones and good files; return the original bytes."""
    root.mkdir()
    for name in EXPECT:
        shutil.copyfile(BAD / name, root / name)
    (root / "good_first.py").write_bytes(GOOD)
    (root / "sub" / "deeper").mkdir(parents=True)
    (root / "sub" / "deeper" / "good_last.py").write_bytes(GOOD)
    (root / "pkg.py").mkdir()  # a folder with a source suffix is walked, not read
    (root / "pkg.py" / "inside.py").write_bytes(GOOD)
    os.symlink(".", root / "loop")  # a directory symlink loop
    os.symlink("../sub", root / "sub" / "deeper" / "up")
    os.symlink("self_loop.py", root / "self_loop.py")  # a file symlink to itself
    os.symlink("missing.py", root / "dangling.py")
    os.symlink("good_first.py", root / "alias.py")  # never followed: fixed once, via its real name
    os.mkfifo(root / "named_pipe.py")  # reading it would block forever
    # A leftover temp file of an interrupted atomic write must not be treated as a source.
    (root / ".good_first.py.abc123.tf2port.tmp").write_bytes(GOOD)
    readonly = root / "readonly.py"
    readonly.write_bytes(GOOD)
    readonly.chmod(0o444)
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and not p.is_symlink() and not stat.S_ISFIFO(p.lstat().st_mode)}


def _errors(stderr: str) -> dict[str, list[re.Match[str]]]:
    found: dict[str, list[re.Match[str]]] = {}
    for line in stderr.splitlines():
        match = _ERROR_LINE.match(line)
        if match:
            found.setdefault(match["path"], []).append(match)
    return found


def test_fix_tree_processes_every_good_file_and_reports_every_bad_one(tmp_path: Path):
    root = tmp_path / "tree"
    before = _build_tree(root)
    proc = run_cli("fix", str(root))  # the subprocess timeout guards against a hang (FIFO)
    assert proc.returncode == 2, proc.stderr
    errors = _errors(proc.stderr)
    for name, expect in EXPECT.items():
        path = root / name
        raw = before[name]
        if name in KNOWN_BUGS:
            continue
        if expect.outcome == "fixed":
            assert path.read_bytes() == make_bad.expected_fixed(raw), name
            assert str(path) not in errors
        elif expect.outcome == "same":
            assert path.read_bytes() == raw, name
            assert str(path) not in errors
        else:
            assert path.read_bytes() == raw, name
            (match,) = errors[str(path)]
            assert match["code"] == expect.code and int(match["line"]) == _expected_line(name), match[0]
    for good in ("good_first.py", "sub/deeper/good_last.py", "pkg.py/inside.py"):
        assert (root / good).read_bytes() == GOOD_FIXED, good
    # symlinks and the FIFO are skipped silently; the temp leftover is not a source
    for skipped in ("loop", "self_loop.py", "dangling.py", "alias.py", "named_pipe.py",
                    ".good_first.py.abc123.tf2port.tmp"):
        assert str(root / skipped) not in errors, skipped
    assert os.path.islink(root / "alias.py")
    assert (root / ".good_first.py.abc123.tf2port.tmp").read_bytes() == GOOD
    # read-only: not written, reported with its path, exit 2
    assert (root / "readonly.py").read_bytes() == GOOD
    assert stat.S_IMODE((root / "readonly.py").stat().st_mode) == 0o444
    (match,) = errors[str(root / "readonly.py")]
    assert match["code"] == "TF002" and re.search("read-only", match["msg"]), match[0]
    temps = {p.name for p in root.rglob("*.tf2port.tmp")}
    assert temps == {".good_first.py.abc123.tf2port.tmp"}, f"new temp files were left behind: {temps}"


def test_lint_tree_json_names_path_and_line_of_each_bad_input(tmp_path: Path):
    import json

    root = tmp_path / "tree"
    before = _build_tree(root)
    proc = run_cli("lint", "--format", "json", str(root))
    assert proc.returncode == 2, proc.stderr
    by_file: dict[str, list[dict]] = {}
    for item in json.loads(proc.stdout):
        by_file.setdefault(item["filename"], []).append(item)
    for name, expect in EXPECT.items():
        items = by_file.get(str(root / name), [])
        codes = [i["code"] for i in items if i["code"].startswith("TF0")]
        if expect.outcome == "error":
            assert codes == [expect.code], (name, items)
            assert items[0]["location"]["row"] == _expected_line(name)
        elif name not in KNOWN_BUGS:
            assert codes == [], (name, items)
    assert any(i["code"] == "TF101" for i in by_file[str(root / "sub" / "deeper" / "good_last.py")])
    now = {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
           if p.is_file() and not p.is_symlink() and not stat.S_ISFIFO(p.lstat().st_mode)}
    assert now == before, "lint must never write"


def test_discovery_skips_symlinks_fifos_and_temp_files(tmp_path: Path):
    root = tmp_path / "tree"
    _build_tree(root)
    found = {os.path.relpath(p, root) for p in discover([str(root)])}
    assert "good_first.py" in found and os.path.join("pkg.py", "inside.py") in found
    assert not {"alias.py", "self_loop.py", "dangling.py", "named_pipe.py"} & found
    assert not [p for p in found if p.endswith(".tmp") or os.sep + "loop" + os.sep in os.sep + p]


# --- inputs named explicitly --------------------------------------------------------------------
@pytest.mark.parametrize("loop_first", [
    pytest.param(False, id="good-file-first"),
    pytest.param(True, id="loop-first"),
])
def test_symlink_loop_named_explicitly_is_an_error_with_its_path(tmp_path: Path, loop_first: bool):
    os.symlink("a.py", tmp_path / "b.py")
    os.symlink("b.py", tmp_path / "a.py")
    (tmp_path / "good.py").write_bytes(GOOD)
    paths = [str(tmp_path / "a.py"), str(tmp_path / "good.py")]
    proc = run_cli("fix", *(paths if loop_first else paths[::-1]))
    assert proc.returncode == 2
    (match,) = _errors(proc.stderr)[str(tmp_path / "a.py")]
    assert match["code"] == "TF002" and "symbolic links" in match["msg"]
    assert (tmp_path / "good.py").read_bytes() == GOOD_FIXED


def _drop_file_read_override() -> None:
    """In the child: give up root's power to ignore file modes (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH).

    Dropping them from the bounding set means the exec'd program never gets them back,
    so a mode-000 file really is unreadable, even for uid 0.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    pr_capbset_drop = 24
    for cap in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        if libc.prctl(pr_capbset_drop, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


def _run_without_override(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TF2PORT_NO_CACHE": "1"}
    preexec = _drop_file_read_override if os.geteuid() == 0 else None
    return subprocess.run([sys.executable, "-m", "tf2port", *args], cwd=ROOT, capture_output=True, text=True,
                          env=env, timeout=300, preexec_fn=preexec)


def test_unreadable_file_is_reported_and_the_rest_is_fixed(tmp_path: Path):
    secret = tmp_path / "secret.py"
    secret.write_bytes(GOOD)
    secret.chmod(0o000)
    (tmp_path / "good.py").write_bytes(GOOD)
    try:
        proc = _run_without_override("fix", str(tmp_path))
    except (OSError, subprocess.SubprocessError) as exc:
        pytest.skip(f"cannot drop CAP_DAC_OVERRIDE here, so mode 000 does not stop reads: {exc}")
    if "Operation not permitted" in proc.stderr and "prctl" in proc.stderr:
        pytest.skip("cannot drop CAP_DAC_OVERRIDE here, so mode 000 does not stop reads")
    secret.chmod(0o600)
    assert proc.returncode == 2, proc.stderr
    (match,) = _errors(proc.stderr)[str(secret)]
    assert match["code"] == "TF002" and "Permission denied" in match["msg"]
    assert secret.read_bytes() == GOOD
    assert (tmp_path / "good.py").read_bytes() == GOOD_FIXED


def test_read_only_file_named_explicitly_is_not_written(tmp_path: Path):
    target = tmp_path / "ro.py"
    target.write_bytes(GOOD)
    target.chmod(0o444)
    proc = run_cli("fix", str(target))
    assert proc.returncode == 2
    (match,) = _errors(proc.stderr)[str(target)]
    assert "cannot write" in match["msg"] and "read-only" in match["msg"]
    assert target.read_bytes() == GOOD and stat.S_IMODE(target.stat().st_mode) == 0o444
    assert run_cli("fix", "--diff", str(target)).returncode == 1, "--diff still shows the change"


# --- size and depth ----------------------------------------------------------------------------
def _ten_megabytes() -> bytes:
    """A 10 MB module as generated code writes them: a big data literal between TF calls."""
    row = "    " + ", ".join(f"{(i * 7919 % 1000) / 1000:.6f}" for i in range(8)) + ",\n"
    rows = row * (10_000_000 // len(row) + 1)
    return ("import tensorflow as tf\nw = tf.random_uniform([1])\nWEIGHTS = [\n" + rows
            + "]\nv = tf.random_normal([2])\n").encode()


@pytest.mark.slow
def test_ten_megabyte_file_is_fixed_exactly(tmp_path: Path):
    """The default run: the libcst graph rewrite runs only for modules with graph code."""
    raw = _ten_megabytes()
    assert len(raw) >= 10_000_000
    (tmp_path / "big.py").write_bytes(raw)
    (tmp_path / "good.py").write_bytes(GOOD)
    proc = run_cli("fix", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "big.py").read_bytes() == make_bad.expected_fixed(raw)
    assert (tmp_path / "good.py").read_bytes() == GOOD_FIXED
    lint = run_cli("lint", str(tmp_path))
    assert lint.returncode == 0, lint.stdout + lint.stderr


def test_valid_but_deep_attribute_chain_is_a_clear_error_or_fixed(tmp_path: Path):
    """600 links is valid Python (CPython compiles it); tf2port must not lose it or hide why."""
    raw = ("import tensorflow as tf\nw = tf.random_uniform([1])" + ".T" * 600 + "\n").encode()
    compile(raw, "deep.py", "exec")
    target = tmp_path / "deep.py"
    target.write_bytes(raw)
    result = process_path(str(target), Options(mode="fix", write=True))
    if result.errors:
        assert target.read_bytes() == raw
        assert re.search(r"nest|deep|recursion", result.errors[0].message, re.I), result.errors[0].message
    else:
        assert target.read_bytes() == make_bad.expected_fixed(raw)


def test_parser_overflow_has_a_message(tmp_path: Path):
    target = tmp_path / "unary.py"
    raw = ("import tensorflow as tf\nw = " + "-" * 20000 + "tf.random_uniform([1])\n").encode()
    target.write_bytes(raw)
    result = process_path(str(target), Options(mode="fix", write=True))
    assert target.read_bytes() == raw
    (err,) = result.errors
    assert err.message.split("cannot parse:")[-1].strip(), f"empty reason: {err.message!r}"
