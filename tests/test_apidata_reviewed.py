"""Every reviewed fact, proved on real TensorFlow: the TF1 call under ``tf.compat.v1`` (graph
mode, v2 behaviour disabled) returns the same value as the hand-written TF2 call under TF2.

Both sides run in their own subprocess (one each for all cases, run concurrently), because
disabling v2 behaviour is process-wide.
"""
from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from tf2port.apidata import reviewed_cases
from tf2port.reviewed import PRE_1_0_CASES

_RUNNER = r'''
import json, os, pickle, sys
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
mode, cases_path, out_path = sys.argv[1:4]
import numpy as np
if mode == "v1":
    import tensorflow.compat.v1 as tf
    tf.disable_v2_behavior()
    Session = tf.Session
else:  # "v2" evaluates eagerly; "v2graph" builds a graph, as a converted program that keeps graph mode
    import tensorflow as tf
    Session = tf.compat.v1.Session

def plain(value):
    """Nested tensors/arrays -> nested (dtype name, shape, list) for comparison."""
    if isinstance(value, (tuple, list)):
        return [plain(v) for v in value]
    if value is None:
        return None
    arr = np.asarray(value)
    return (str(arr.dtype), arr.shape, arr.tolist())

results = []
for text in json.load(open(cases_path)):
    try:
        if mode in ("v1", "v2graph"):
            graph = tf.Graph()
            with graph.as_default():
                fetch = eval(text, {"tf": tf})
                with Session(graph=graph) as sess:
                    value = sess.run(fetch) if fetch is not None else None
        else:
            value = eval(text, {"tf": tf})
            value = tf.nest.map_structure(lambda t: t.numpy() if hasattr(t, "numpy") else t, value)
        results.append(("ok", plain(value)))
    except Exception as exc:  # reported per case by the test
        results.append(("error", f"{type(exc).__name__}: {exc}"))
pickle.dump(results, open(out_path, "wb"))
'''


def _run_all(tmp: Path, texts: dict[str, list[str]]) -> dict[str, list]:
    """Evaluate each mode's texts in its own subprocess, all concurrently."""
    (tmp / "runner.py").write_text(_RUNNER)
    env = {k: v for k, v in os.environ.items() if k != "TF_USE_LEGACY_KERAS"}
    procs = {}
    for mode, mode_texts in texts.items():
        (tmp / f"{mode}.json").write_text(json.dumps(mode_texts))
        procs[mode] = subprocess.Popen(
            [sys.executable, str(tmp / "runner.py"), mode, str(tmp / f"{mode}.json"), str(tmp / f"{mode}.pkl")],
            env=env, cwd=tmp, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
    for p in procs.values():
        _, err = p.communicate(timeout=600)
        assert p.returncode == 0, err[-3000:]
    return {mode: pickle.loads((tmp / f"{mode}.pkl").read_bytes()) for mode in texts}


def _run_both(tmp: Path) -> tuple[list, list]:
    """Reviewed cases and pre-1.0 renames in one run: TF1 side, TF2 eager side, TF2 graph side."""
    cases = reviewed_cases()
    pre = PRE_1_0_CASES
    out = _run_all(tmp, {
        "v1": [c.v1 for c in cases] + [successor for _, _, successor, _, _ in pre],
        "v2": [c.v2 for c in cases] + [tf2 for _, _, _, tf2, graph in pre if not graph],
        "v2graph": [tf2 for _, _, _, tf2, graph in pre if graph],
    })
    eager, graph_mode = iter(out["v2"][len(cases):]), iter(out["v2graph"])
    pre_v2 = [next(graph_mode) if graph else next(eager) for *_, graph in pre]
    return out["v1"], out["v2"][: len(cases)] + pre_v2


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory: pytest.TempPathFactory) -> tuple[list, list]:
    return _run_both(tmp_path_factory.mktemp("reviewed"))


def _assert_same(a: object, b: object, where: str) -> None:
    import numpy as np

    if isinstance(a, list) and isinstance(b, list):
        assert len(a) == len(b), where
        for x, y in zip(a, b):
            _assert_same(x, y, where)
        return
    if a is None or b is None:
        assert a is None and b is None, where
        return
    assert isinstance(a, tuple) and isinstance(b, tuple), where
    (da, sa, va), (db, sb, vb) = a, b
    assert (da, sa) == (db, sb), f"{where}: dtype/shape {da}{sa} != {db}{sb}"
    if da.startswith(("float", "complex", "bfloat")):
        np.testing.assert_allclose(np.asarray(va), np.asarray(vb), rtol=1e-6, atol=0, err_msg=where)
    else:
        assert va == vb, where


@pytest.mark.tf
@pytest.mark.slow
@pytest.mark.parametrize("index", range(len(reviewed_cases())), ids=[f"{c.name}-{i}" for i, c in enumerate(reviewed_cases())])
def test_reviewed_case_same_value(evaluated: tuple[list, list], index: int) -> None:
    case = reviewed_cases()[index]
    v1, v2 = evaluated
    s1, r1 = v1[index]
    s2, r2 = v2[index]
    assert s1 == "ok", f"TF1 side failed: {case.v1}: {r1}"
    assert s2 == "ok", f"TF2 side failed: {case.v2}: {r2}"
    _assert_same(r1, r2, f"{case.v1}  vs  {case.v2}")


@pytest.mark.tf
@pytest.mark.slow
@pytest.mark.parametrize("index", range(len(PRE_1_0_CASES)), ids=[c[0] for c in PRE_1_0_CASES])
def test_pre_1_0_rename_gives_the_tf1_successors_value(evaluated: tuple[list, list], index: int) -> None:
    """What fix makes of a pre-1.0 call runs on TF 2.21 and equals the TF 1.x successor under compat.v1."""
    name, _, successor, tf2, _ = PRE_1_0_CASES[index]
    v1, v2 = evaluated
    at = len(reviewed_cases()) + index
    (s1, r1), (s2, r2) = v1[at], v2[at]
    assert s1 == "ok", f"TF1 side failed: {successor}: {r1}"
    assert s2 == "ok", f"TF2 side failed: {tf2}: {r2}"
    _assert_same(r1, r2, f"{successor}  vs  {tf2}")
