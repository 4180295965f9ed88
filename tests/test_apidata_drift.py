"""The shipped API table is what the installed TensorFlow says, and what it claims holds."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHIPPED = REPO / "tf2port" / "data" / "api_v1.json"


@pytest.mark.tf
@pytest.mark.slow
def test_regenerated_table_equals_shipped(tmp_path: Path) -> None:
    out = tmp_path / "api_v1.json"
    proc = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "gen_api_tables.py"), "--out", str(out)],
        capture_output=True, text=True, check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    fresh, shipped = out.read_text(), SHIPPED.read_text()
    if fresh != shipped:
        a, b = json.loads(fresh), json.loads(shipped)
        changed = sorted(k for k in set(a["entries"]) | set(b["entries"]) if a["entries"].get(k) != b["entries"].get(k))
        pytest.fail(f"api_v1.json drifted from the installed TensorFlow ({len(changed)} entries, e.g. {changed[:10]}); "
                    "rerun scripts/gen_api_tables.py")


_CHECK = r'''
import json, sys
import tensorflow as tf
import tensorflow.compat.v1 as v1

def resolve(root, dotted):
    obj = root
    for part in dotted.split("."):
        obj = getattr(obj, part)
    return obj

entries = json.load(open(sys.argv[1]))["entries"]
bad = []
for name, e in sorted(entries.items()):
    if e["k"] not in ("native", "renamed"):
        continue
    try:
        old = resolve(v1, name[3:])
        new = resolve(tf, e.get("v2", name)[3:])
    except Exception as exc:
        bad.append((name, repr(exc)[:120]))
        continue
    if isinstance(old, (type(None), bool, int, float, str, bytes)):
        ok = type(old) is type(new) and old == new
    else:
        ok = old is new
    if not ok:
        bad.append((name, "not identical"))
for name, e in sorted(entries.items()):
    if e["k"] == "legacy_keras":
        try:
            resolve(v1, name[3:])
            bad.append((name, "resolves under Keras 3"))
        except Exception:
            pass
    if e.get("fb"):
        try:
            resolve(v1, name[3:])
        except Exception as exc:
            bad.append((name, "fallback: " + repr(exc)[:120]))
for name, e in sorted(entries.items()):
    for key in ("v2", "r"):
        if e.get(key) and e["k"] != "native":
            try:
                resolve(tf, e[key][3:])
            except Exception as exc:
                bad.append((name, key + ": " + repr(exc)[:120]))
print(json.dumps(bad))
'''


@pytest.mark.tf
@pytest.mark.slow
def test_native_and_renamed_resolve_to_the_identical_object(tmp_path: Path) -> None:
    """Under TF2 with default Keras 3: every native/renamed v2 name `is` the tf.compat.v1 object,
    every fallback, different-object target and replacement resolves, and no legacy_keras name
    resolves."""
    script = tmp_path / "check.py"
    script.write_text(_CHECK)
    env = {k: v for k, v in os.environ.items() if k != "TF_USE_LEGACY_KERAS"}
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    proc = subprocess.run([sys.executable, str(script), str(SHIPPED)], env=env, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == []
