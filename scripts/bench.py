#!/usr/bin/env python
"""Benchmark tf2port against tf_upgrade_v2 on a synthetic TF1 corpus, side by side.

Builds a corpus (default 1,000 files, ~150 lines each) from varied TF1 templates,
then alternates runs of `tf_upgrade_v2 --intree`, `tf2port lint`, `tf2port fix --out
--renames-only` (the rename-level fix: the job tf_upgrade_v2 does) and `tf2port fix --out`
(plus the structural rewrites: sessions, library functions and Estimators to eager TF2, which
tf_upgrade_v2 does not attempt), and the single-file cost of each, and prints medians and the
ratios peer/tf2port.
Runs alternate so machine noise hits all tools alike. The CPU seconds of each run
(user + system, all its processes) and the load average are printed too: on a shared
machine a wall time far above its CPU time means the run waited for a core.
tf2port runs with --no-cache: every run is a cold run.

    python scripts/bench.py [--files 1000] [--repeats 3]
"""
from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEADER = ['"""Synthetic TF1 module {i} for benchmarking."""', "import numpy as np",
          "import tensorflow as tf", ""]
BLOCKS = [
    """
def build_{n}(inputs, units={u}):
    with tf.variable_scope("block_{n}"):
        w = tf.get_variable("w", [{u}, {u}], initializer=tf.random_normal_initializer(stddev=0.1))
        b = tf.get_variable("b", [{u}], initializer=tf.zeros_initializer())
        h = tf.nn.relu(tf.matmul(inputs, w) + b)
        h = tf.nn.dropout(h, keep_prob=0.{k})
        return tf.reduce_sum(h, reduction_indices=1, keep_dims=True)
""",
    """
x_{n} = tf.placeholder(tf.float32, [None, {u}], name="x_{n}")
y_{n} = tf.placeholder(tf.int64, [None], name="y_{n}")
logits_{n} = tf.layers.dense(x_{n}, {c}, activation=None)
loss_{n} = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y_{n}, logits=logits_{n}))
train_{n} = tf.train.AdamOptimizer(learning_rate=1e-{k}).minimize(loss_{n})
accuracy_{n} = tf.reduce_mean(tf.to_float(tf.equal(tf.argmax(logits_{n}, 1), y_{n})))
""",
    """
def summaries_{n}(loss, step):
    tf.summary.scalar("loss_{n}", loss)
    merged = tf.summary.merge_all()
    writer = tf.summary.FileWriter("/tmp/logs_{n}")
    noise = tf.random_normal([{u}], stddev=0.{k})
    return merged, writer, tf.log(tf.abs(noise) + 1e-6)
""",
    """
def run_{n}(data):
    sess = tf.Session()
    sess.run(tf.global_variables_initializer())
    saver = tf.train.Saver()
    for step in range({u}):
        value = sess.run(loss_0, feed_dict={{x_0: data}})
        if step % {k} == 0:
            saver.save(sess, "/tmp/model_{n}.ckpt", global_step=step)
    return value
""",
    """
def inputs_{n}(filenames):
    dataset = tf.data.TFRecordDataset(filenames)
    dataset = dataset.map(lambda s: tf.parse_single_example(s, {{"x": tf.FixedLenFeature([{u}], tf.float32)}}))
    iterator = dataset.batch({c}).make_one_shot_iterator()
    batch = iterator.get_next()
    return tf.squeeze(batch["x"], squeeze_dims=[0])
""",
    """
class Model{n}(object):
    def __init__(self, hidden={u}):
        self.hidden = hidden
        self.cell = tf.nn.rnn_cell.LSTMCell(hidden)

    def __call__(self, sequence):
        outputs, state = tf.nn.dynamic_rnn(self.cell, sequence, dtype=tf.float32)
        pooled = tf.reduce_max(outputs, axis=1)
        return tf.contrib.layers.fully_connected(pooled, {c})
""",
]
PLAIN = "\ndef helper_{n}(values):\n    total = 0\n    for v in values:\n        total += v * {k}\n    return total\n"


def make_corpus(root: Path, files: int, seed: int = 0) -> int:
    rng = random.Random(seed)
    lines = 0
    for i in range(files):
        parts = [line.format(i=i) for line in HEADER]
        for n in range(17):
            block = rng.choice(BLOCKS + [PLAIN])
            parts.append(block.format(n=n, u=rng.randint(4, 64), k=rng.randint(1, 9), c=rng.randint(2, 10)))
        text = "\n".join(parts)
        folder = root / f"pkg{i % 20}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"module_{i}.py").write_text(text)
        lines += text.count("\n")
    return lines


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(cmd: list[str], cpu: list[float]) -> float:
    """Wall seconds of one run; its CPU seconds (all its processes) are appended to ``cpu``."""
    before = _children_cpu()
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    cpu.append(_children_cpu() - before)
    return wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    peer = shutil.which("tf_upgrade_v2")
    if peer is None:
        sys.exit("tf_upgrade_v2 not found: pip install tensorflow")
    tf2port = [sys.executable, "-m", "tf2port"]
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        lines = make_corpus(corpus, args.files)
        one = corpus / "pkg0" / "module_0.py"
        print(f"corpus: {args.files} files, {lines} lines")
        keys = ("peer tree", "lint tree", "renames tree", "fix tree", "peer file", "lint file", "renames file",
                "fix file")
        runs: dict[str, list[float]] = {k: [] for k in keys}
        cpu: dict[str, list[float]] = {k: [] for k in keys}
        print("load average at start: " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
        for r in range(args.repeats):
            out = Path(tmp) / f"out{r}"
            runs["peer tree"].append(timed([peer, "--intree", str(corpus), "--outtree", str(out / "peer"),
                                            "--reportfile", str(out / "peer.txt")], cpu["peer tree"]))
            runs["lint tree"].append(timed([*tf2port, "lint", "--no-cache", str(corpus)], cpu["lint tree"]))
            runs["renames tree"].append(timed([*tf2port, "fix", "--no-cache", "--renames-only", "--out",
                                               str(out / "renames"), str(corpus)], cpu["renames tree"]))
            runs["fix tree"].append(timed([*tf2port, "fix", "--no-cache", "--out", str(out / "ours"), str(corpus)],
                                          cpu["fix tree"]))
            runs["peer file"].append(timed([peer, "--infile", str(one), "--outfile", str(out / "one_peer.py"),
                                            "--reportfile", str(out / "one.txt")], cpu["peer file"]))
            runs["lint file"].append(timed([*tf2port, "lint", "--no-cache", str(one)], cpu["lint file"]))
            runs["renames file"].append(timed([*tf2port, "fix", "--no-cache", "--renames-only", "--diff", str(one)],
                                              cpu["renames file"]))
            runs["fix file"].append(timed([*tf2port, "fix", "--no-cache", "--diff", str(one)], cpu["fix file"]))
        print("load average at end:   " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
        med = {k: statistics.median(v) for k, v in runs.items()}
        for key, value in med.items():
            print(f"{key:12s} median {value:7.3f} s   runs {', '.join(f'{t:.3f}' for t in runs[key])}"
                  f"   cpu median {statistics.median(cpu[key]):7.3f} s")
        print(f"ratio peer/lint (tree): {med['peer tree'] / med['lint tree']:.1f}x")
        print(f"ratio peer/fix --renames-only (tree): {med['peer tree'] / med['renames tree']:.1f}x")
        print(f"ratio peer/fix, structural too (tree): {med['peer tree'] / med['fix tree']:.1f}x")
        print(f"ratio peer/lint (file): {med['peer file'] / med['lint file']:.1f}x")
        print(f"ratio peer/fix --renames-only (file): {med['peer file'] / med['renames file']:.1f}x")
        print(f"ratio peer/fix, structural too (file): {med['peer file'] / med['fix file']:.1f}x")


if __name__ == "__main__":
    main()
