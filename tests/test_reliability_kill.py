"""SIGKILL at any moment never leaves a half-written file (issue 8, item 2).

A tree of a few hundred TF1 files is fixed in place by ``python -m tf2port fix`` in its
own process group; the run is killed with SIGKILL after a seeded random delay, either
the whole group (as a terminal or CI timeout does) or only the parent (its pool workers
are orphaned and finish on their own). Afterwards every file must be byte-identical to
its original or to its correctly fixed form (computed once with ``fix --out``), never
truncated or a mix, and no temp file may be taken for a source by the next run.
"""
from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import FIXTURES, ROOT, run_cli
from tf2port.files import discover

SEED = 8
KILLS = 10
TREE_FILES = 300
PROGRAMS = 5


def _synthetic(i: int) -> str:
    """Small TF1 modules of a few shapes, so the tree is large but quick to fix."""
    kind = i % 6
    if kind == 0:
        return (f'"""Module {i}."""\nimport tensorflow as tf\n\n'
                f"w{i} = tf.random_uniform([{i % 5 + 1}])\nv{i} = tf.random_normal([2], seed={i})\n")
    if kind == 1:
        return ("import numpy as np\nimport tensorflow as tf\n\n"
                f"x = tf.placeholder(tf.float32, [None, {i % 7 + 1}])\n"
                "y = tf.reduce_sum(x, keep_dims=True)\n"
                "with tf.Session() as sess:\n"
                f"    print(sess.run(y, feed_dict={{x: np.ones([1, {i % 7 + 1}])}}))\n")
    if kind == 2:
        return f"def plain_{i}(a, b):\n    return a * b + {i}\n"  # not TensorFlow: never changes
    if kind == 3:
        lines = "".join(f"    t{j} = tf.random_uniform([{j + 1}])\n" for j in range(i % 40 + 5))
        return f"import tensorflow as tf\n\n\ndef build_{i}():\n{lines}    return t0\n"
    if kind == 4:
        return ("import tensorflow as tf\r\n"  # CRLF
                f"tf.set_random_seed({i})\r\nz = tf.random_normal([3])\r\n")
    return f"import tensorflow as tf\nw = tf.random_uniform([{i}]\n"  # syntax error: never changes


def _originals() -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    # a few real programs exercise the structural rewrite; the rest are small and quick
    for program in sorted((FIXTURES / "programs").glob("*/original.py"))[:PROGRAMS]:
        files[f"programs/{program.parent.name}.py"] = program.read_bytes()
    for i in range(TREE_FILES - len(files)):
        files[f"pkg{i % 9}/sub{i % 4}/m{i:03d}.py"] = _synthetic(i).encode()
    return files


def _write_tree(root: Path, files: dict[str, bytes]) -> None:
    if root.exists():
        shutil.rmtree(root)
    for rel, raw in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(raw)


def _group_alive(pgid: int) -> bool:
    """Any live (non-zombie) process left in the group? Zombies may never be reaped in a container."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        state, group = fields[0], int(fields[2])
        if group == pgid and state not in ("Z", "X"):
            return True
    return False


def _wait_group(pgid: int) -> None:
    deadline = time.monotonic() + 120  # a hang guard, not a speed check
    while _group_alive(pgid):
        if time.monotonic() > deadline:
            os.killpg(pgid, signal.SIGKILL)
            pytest.fail("orphaned tf2port workers did not finish within 120 s")
        time.sleep(0.05)


def _state(root: Path, originals: dict[str, bytes], expected: dict[str, bytes]) -> tuple[int, int]:
    """Check every file is original or fixed; return (fixed, original) counts among files that change."""
    fixed = original = 0
    for rel, raw in originals.items():
        now = (root / rel).read_bytes()
        if now == expected[rel] and raw != expected[rel]:
            fixed += 1
        elif now == raw:
            original += raw != expected[rel]
        else:
            pytest.fail(f"{rel}: neither the original nor the fixed form ({len(now)} bytes; "
                        f"original {len(raw)}, fixed {len(expected[rel])})")
    return fixed, original


@pytest.mark.slow
def test_sigkill_never_leaves_a_truncated_or_mixed_file(tmp_path: Path):
    originals = _originals()
    assert len(originals) == TREE_FILES
    tree, out = tmp_path / "tree", tmp_path / "expected"
    _write_tree(tree, originals)
    run_cli("fix", "--out", str(out), str(tree))
    expected = {rel: (out / rel).read_bytes() for rel in originals}
    changing = sum(originals[rel] != expected[rel] for rel in originals)
    assert changing >= TREE_FILES // 2, "the tree must be mostly files that fix rewrites"

    # One uninterrupted in-place run: the schedule of kill moments spans its length.
    started = time.monotonic()
    full = run_cli("fix", str(tree))
    duration = time.monotonic() - started
    assert full.returncode == 2, full.stderr  # the syntax-error files
    assert _state(tree, originals, expected) == (changing, 0)

    rng = random.Random(SEED)
    mid_run = 0
    leftovers = 0
    env = {**os.environ, "TF2PORT_NO_CACHE": "1"}
    for attempt in range(KILLS):
        _write_tree(tree, originals)
        whole_group = attempt % 2 == 0
        delay = rng.uniform(0.1, 1.1) * duration
        proc = subprocess.Popen([sys.executable, "-m", "tf2port", "fix", str(tree)], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            proc.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            if whole_group:
                os.killpg(proc.pid, signal.SIGKILL)
            else:
                proc.send_signal(signal.SIGKILL)
            proc.wait()
        _wait_group(proc.pid)
        fixed, untouched = _state(tree, originals, expected)
        mid_run += 0 < fixed < changing
        temps = list(tree.rglob("*.tf2port.tmp"))
        leftovers += len(temps)
        found = set(discover([str(tree)]))
        assert not [t for t in temps if str(t) in found], "a temp file would be read as a source"
        # the next run over the interrupted tree finishes the job exactly
        if attempt == KILLS - 1:
            rerun = run_cli("fix", str(tree))
            assert rerun.returncode == 2
            assert _state(tree, originals, expected) == (changing, 0)
    print(f"\nkills={KILLS} landed mid-run={mid_run} temp files left={leftovers} "
          f"files={TREE_FILES} rewritten per run={changing} full run={duration:.1f}s")
