"""How much does verify cost over running the two programs plainly?

    python scripts/bench_verify.py [--repeat 3] [--all] [TOPIC ...]

For each fixture pair: the original run plainly (``tensorflow`` mapped to
``tf.compat.v1`` with v2 behaviour off, the least any TF1 program needs, plus
the contrib / MNIST stand-ins where it imports them), the converted program
run plainly (``python tf2.py``, with only the offline MNIST put in place), and
``verify_pair`` on both. Each is timed
``--repeat`` times (interleaved) and the fastest kept, since other work on the
machine only ever adds time. Both wall time and CPU time (user + system of the
child processes, which other load barely disturbs) are reported. Prints
per-pair figures and the overall ratio ``verify / (plain original + plain
converted)``; the target is at most 1.20.
"""
from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tf2port.verify import verify_pair  # noqa: E402

PROGRAMS = ROOT / "fixtures" / "programs"
DEFAULT = ["linear_regression", "xor_mlp", "deep_mlp_xavier", "cnn_layers", "mnist_softmax"]

PLAIN_V1 = """
import runpy, sys
import tensorflow.compat.v1 as tf
tf.disable_v2_behavior()
from tf2port.verify import standins
from tf2port.verify.v1runtime import _contrib
mods = _contrib(tf)
mods.update(standins.tutorials_modules())
sys.modules.update(mods)
tf.contrib = mods["tensorflow.contrib"]
sys.modules["tensorflow"] = tf
sys.argv = [sys.argv[1]]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


PLAIN_V2 = """
import runpy, sys
import tensorflow as tf
from tf2port.verify import standins
tf.keras.datasets.mnist.load_data = standins.load_data  # offline, as under verify
sys.argv = [sys.argv[1]]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def plain(script: Path, v1: bool) -> tuple[float, float]:
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONPATH=str(ROOT))
    if v1:
        env["TF_USE_LEGACY_KERAS"] = "1"
        cmd = [sys.executable, "-c", PLAIN_V1, str(script)]
    else:
        env.pop("TF_USE_LEGACY_KERAS", None)
        cmd = [sys.executable, "-c", PLAIN_V2, str(script)]
    with tempfile.TemporaryDirectory() as work:
        start, cpu = time.perf_counter(), _cpu()
        subprocess.run(cmd, cwd=work, env=env, check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        return time.perf_counter() - start, _cpu() - cpu


def verified(topic: str) -> tuple[float, float]:
    """Cost of one verification; the verdict is printed, not required (cost is the same)."""
    start, cpu = time.perf_counter(), _cpu()
    verdict = verify_pair(PROGRAMS / topic / "original.py", PROGRAMS / topic / "tf2.py")
    seconds = time.perf_counter() - start, _cpu() - cpu
    if verdict.status not in ("equivalent", "mismatch"):
        raise SystemExit(f"{topic}: {verdict.status}: {verdict.reason}")
    if verdict.status != "equivalent":
        print(f"  ({topic}: {verdict.status} at default tolerance: {verdict.reason})")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("topics", nargs="*")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--all", action="store_true")
    opts = parser.parse_args()
    every = sorted(p.name for p in PROGRAMS.iterdir() if (p / "tf2.py").is_file())
    topics = opts.topics or (every if opts.all else DEFAULT)
    print(f"{'pair (seconds, wall / cpu)':28} {'plain v1':>13} {'plain v2':>13} {'verify':>13}"
          f" {'ratio':>13}")
    plain_sum, verify_sum = [0.0, 0.0], [0.0, 0.0]
    for topic in topics:
        runs: dict[str, list[tuple[float, float]]] = {"o": [], "c": [], "v": []}
        for _ in range(opts.repeat):
            runs["o"].append(plain(PROGRAMS / topic / "original.py", True))
            runs["c"].append(plain(PROGRAMS / topic / "tf2.py", False))
            runs["v"].append(verified(topic))
        best = {k: (min(w for w, _ in r), min(c for _, c in r)) for k, r in runs.items()}
        o, c, v = best["o"], best["c"], best["v"]
        for i in (0, 1):
            plain_sum[i] += o[i] + c[i]
            verify_sum[i] += v[i]
        ratio = (v[0] / (o[0] + c[0]), v[1] / (o[1] + c[1]))
        print(f"{topic:28} {o[0]:6.2f}/{o[1]:6.2f} {c[0]:6.2f}/{c[1]:6.2f} {v[0]:6.2f}/{v[1]:6.2f}"
              f" {ratio[0]:6.3f}/{ratio[1]:6.3f}")
    wall, cpu = verify_sum[0] / plain_sum[0], verify_sum[1] / plain_sum[1]
    print(f"{'total':28} plain {plain_sum[0]:.2f}/{plain_sum[1]:.2f}  verify "
          f"{verify_sum[0]:.2f}/{verify_sum[1]:.2f}")
    print(f"verify overhead over plain runs: wall {100 * (wall - 1):+.1f} %, cpu "
          f"{100 * (cpu - 1):+.1f} % (target <= +20 %)")


if __name__ == "__main__":
    main()
