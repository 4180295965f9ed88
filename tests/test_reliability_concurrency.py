"""Two runs at once, and a damaged cache (issue 8, item 5).

Two ``fix`` runs over one tree race on every file: compare-before-replace means the
loser of a race reports "file changed on disk" and leaves the winner's bytes, so each
file ends up original or exactly fixed. A corrupted, truncated or misplaced cache entry
is recomputed: ``lint`` prints the same report as with a clean cache.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, run_cli

FILES = 120


def _module(i: int) -> bytes:
    body = "".join(f"t{j} = tf.random_uniform([{j + 1}])\n" for j in range(i % 25 + 3))
    return (f"import tensorflow as tf\n\nv = tf.random_normal([2], seed={i})\n" + body).encode()


def _tree(root: Path) -> dict[str, bytes]:
    files = {f"d{i % 6}/m{i:03d}.py": _module(i) for i in range(FILES)}
    for rel, raw in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(raw)
    return files


@pytest.mark.slow
def test_two_fix_runs_at_once_never_corrupt_a_file(tmp_path: Path):
    tree, out = tmp_path / "tree", tmp_path / "expected"
    originals = _tree(tree)
    run_cli("fix", "--out", str(out), str(tree))
    expected = {rel: (out / rel).read_bytes() for rel in originals}
    assert all(expected[rel] != originals[rel] for rel in originals)

    env = {**os.environ, "TF2PORT_NO_CACHE": "1"}
    runs = [subprocess.Popen([sys.executable, "-m", "tf2port", "fix", "-j", str(jobs), str(tree)], cwd=ROOT,
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for jobs in (2, 1)]
    outputs = [run.communicate(timeout=600) for run in runs]
    for run, (_, err) in zip(runs, outputs):
        assert run.returncode in (0, 1, 2), err
        assert "Traceback" not in err and "TF003" not in err, err
        # the only acceptable complaint is losing a race on a file
        for line in err.splitlines():
            if ": TF0" in line:
                assert "changed on disk" in line, line
    for rel in originals:
        assert (tree / rel).read_bytes() in (originals[rel], expected[rel]), rel
    # whatever a race left behind, one more run finishes the job exactly
    assert run_cli("fix", str(tree)).returncode in (0, 1)
    assert {rel: (tree / rel).read_bytes() for rel in originals} == expected
    assert not list(tree.rglob("*.tf2port.tmp"))


def test_fix_does_not_clobber_a_file_edited_while_it_worked(tmp_path: Path):
    """The user saves the file between tf2port's read and its write: the user's bytes win."""
    from tf2port.engine import Options, process_path
    from tf2port.files import SourceError, atomic_write

    target = tmp_path / "m.py"
    target.write_bytes(_module(1))
    with pytest.raises(SourceError, match="changed on disk"):
        atomic_write(target, b"tf2port's output\n", expected=b"what tf2port read\n")
    assert target.read_bytes() == _module(1)
    assert not list(tmp_path.glob(".*.tf2port.tmp"))
    # the next ordinary run reads the new bytes and fixes them
    result = process_path(str(target), Options(mode="fix", write=True))
    assert not result.errors and target.read_bytes() != _module(1)



def test_a_file_another_run_already_fixed_identically_is_not_a_conflict(tmp_path: Path):
    """Two runs computed the same output; the second finds it already written and says nothing."""
    from tf2port.files import atomic_write

    target = tmp_path / "m.py"
    target.write_bytes(b"fixed\n")
    atomic_write(target, b"fixed\n", expected=b"original\n")  # would raise if treated as a conflict
    assert target.read_bytes() == b"fixed\n"
    assert not list(tmp_path.glob(".*.tf2port.tmp"))

# --- the lint cache ---------------------------------------------------------------------------
def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "TF2PORT_NO_CACHE"}
    return subprocess.run([sys.executable, "-m", "tf2port", "lint", "--format", "json", "-j", "1", str(root)],
                          cwd=root, env=env, capture_output=True, text=True, timeout=300)


def _cache_files(root: Path) -> list[Path]:
    return sorted(p for p in (root / ".tf2port_cache").rglob("*") if p.is_file() and p.name != ".gitignore")


CORRUPTIONS = {
    "truncated": lambda raw: raw[: len(raw) // 2],
    "empty": lambda raw: b"",
    "garbage": lambda raw: bytes(range(256)) * 4,
    "wrong-json-type": lambda raw: b"[1, 2, 3]",
    "wrong-shape": lambda raw: b'{"diagnostics": [{"code": "TF101"}]}',
    "wrong-span": lambda raw: b'{"diagnostics": [{"code": "TF101", "name": "x", "message": "m", "span": [1],'
                              b' "fix_class": "safe", "fix_message": "", "cell": null}]}',
    "bad-enum": lambda raw: raw.replace(b'"fix_class": "', b'"fix_class": "bogus'),
    "directory": None,
}


@pytest.mark.parametrize("corruption", sorted(CORRUPTIONS))
def test_lint_output_survives_a_corrupted_cache(tmp_path: Path, corruption: str):
    (tmp_path / "pyproject.toml").write_text("[tool.tf2port]\n")
    (tmp_path / "none.py").write_text("import tensorflow as tf\nprint(tf.constant(1))\n")  # no findings
    (tmp_path / "advice.py").write_text("import tensorflow as tf\nc = tf.train.Coordinator()\n")
    (tmp_path / "fixable.py").write_text("import tensorflow as tf\nw = tf.random_uniform([1])\n")
    first = _lint(tmp_path)
    entries = _cache_files(tmp_path)
    assert entries, "lint with a pyproject root should have written cache entries"
    assert _lint(tmp_path).stdout == first.stdout  # warm cache
    for entry in entries:
        damage = CORRUPTIONS[corruption]
        if damage is None:
            entry.unlink()
            entry.mkdir()
        else:
            entry.write_bytes(damage(entry.read_bytes()))
    again = _lint(tmp_path)
    assert (again.returncode, again.stdout) == (first.returncode, first.stdout), again.stderr
    assert "Traceback" not in again.stderr


def test_cache_folder_replaced_by_a_file_is_not_fatal(tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text("[tool.tf2port]\n")
    (tmp_path / "a.py").write_text("import tensorflow as tf\nw = tf.random_uniform([1])\n")
    first = _lint(tmp_path)
    shutil.rmtree(tmp_path / ".tf2port_cache")
    (tmp_path / ".tf2port_cache").write_bytes(b"not a folder")
    again = _lint(tmp_path)
    assert (again.returncode, again.stdout) == (first.returncode, first.stdout), again.stderr
