#!/usr/bin/env python
"""Generate ``tf2port/data/api_v1.json`` from the installed TensorFlow.

Why: lint and fix must know, for every TF1 symbol, what to write in TF2 without importing
TensorFlow. The only trustworthy source is TensorFlow itself, so this script walks
``tf.compat.v1`` and the v2 namespace, compares objects by identity (``is``), and merges the
hand-reviewed facts from ``tf2port/reviewed.py``. A drift test reruns it and diffs the result.

Usage::

    python scripts/gen_api_tables.py                  # rewrite the shipped JSON
    python scripts/gen_api_tables.py --out /tmp/x.json

Classification of each v1 name (key ``tf.<path>``, the spelling of ``tf.compat.v1.<path>``):
native (same object at the same v2 path), renamed (same object under another v2 name; the
name comes from TensorFlow's export metadata ``_tf_api_names`` when it names a path holding the
identical object, else the shortest non-experimental path), different (a distinct v2 object
at the same path or at another v1 alias of the object, or a reviewed correspondence), compat,
legacy_keras, module, and removed (reviewed only). ``tf.keras``: see ``KERAS_POLICY`` in
``tf2port/reviewed.py`` (kept as ``tf.keras.*``; ``tf.keras.optimizers.legacy`` never emitted).

The parent process never imports TensorFlow; it runs two children: one under default Keras 3
(the full classification) and one with ``TF_USE_LEGACY_KERAS=1`` (only to list the names that
resolve there, so names that exist *only* with legacy Keras are recorded as ``legacy_keras``).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO / "tf2port" / "data" / "api_v1.json"
SCRIPT_NAME = "scripts/gen_api_tables.py"

# Module wrappers TensorFlow uses for its API namespaces (lazy Keras, deprecation wrappers).
_MODULE_TYPES = {"TFModuleWrapper", "KerasLazyLoader", "LazyLoader"}
# Subtrees never walked: Keras 3 keeps `optimizers.legacy` only as a stub whose attributes are
# unrelated warning classes; tf2port must never emit it (reviewed table says what to do instead).
_SKIP_SUBTREES = ("tf.keras.optimizers.legacy",)
_PRIMITIVES = (type(None), bool, int, float, str, bytes)


# ---------------------------------------------------------------------------------------------
# Child side: runs with TensorFlow imported.
# ---------------------------------------------------------------------------------------------
def _distinct_constant(value: Any) -> bool:
    """A constant whose object identity is meaningful: strings and bytes, ints outside the interned range."""
    if isinstance(value, bool) or value is None:
        return False
    if isinstance(value, int):
        return not -5 <= value <= 256
    return isinstance(value, (str, bytes)) and len(value) > 1


def _is_module(value: Any) -> bool:
    return isinstance(value, types.ModuleType) or type(value).__name__ in _MODULE_TYPES


def _module_name(value: Any) -> str:
    try:
        return str(getattr(value, "__name__", ""))
    except Exception:  # a lazy loader may fail to load its target
        return ""


def _walkable(modname: str) -> bool:
    """Only TensorFlow's generated API modules and Keras' public API modules are walked."""
    if ".src" in modname:
        return False
    return modname.startswith(("tensorflow._api.", "keras", "tf_keras"))


def _walk(module: Any, prefix: str, out: dict[str, Any], stack: tuple[int, ...]) -> None:
    try:
        names = sorted(dir(module))
    except Exception:  # e.g. tf.compat.v1.layers under Keras 3: its loader fails on dir()
        return
    for name in names:
        if name.startswith("_"):
            continue
        path = prefix + name
        if any(path == s or path.startswith(s + ".") for s in _SKIP_SUBTREES):
            continue
        try:
            value = getattr(module, name)
        except Exception:  # "`dense` is not available with Keras 3" and friends
            continue
        out[path] = value
        if _is_module(value) and id(value) not in stack and _walkable(_module_name(value)):
            _walk(value, path + ".", out, stack + (id(value),))


def _signature(obj: Any) -> list[Any] | None:
    """[params, required, has_varargs, has_varkw, defaults] of a callable, or None if not introspectable."""
    import inspect

    target = obj
    drop_self = False
    if isinstance(obj, type):
        try:
            sig = inspect.signature(obj)
            kinds = [p.kind for p in sig.parameters.values()]
            if kinds == [inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD] or not kinds:
                raise ValueError("opaque")
        except (TypeError, ValueError):
            target, drop_self = obj.__dict__.get("__init__", getattr(obj, "__init__")), True
    if not callable(target):
        return None
    try:
        sig = inspect.signature(target)
    except (TypeError, ValueError):
        return None
    params: list[str] = []
    defaults: dict[str, str] = {}
    required = 0
    counting = True
    varargs = varkw = False
    plist = list(sig.parameters.values())
    if drop_self and plist and plist[0].name in ("self", "cls"):
        plist = plist[1:]
    for p in plist:
        if p.kind is inspect.Parameter.VAR_POSITIONAL:
            varargs = True
            continue
        if p.kind is inspect.Parameter.VAR_KEYWORD:
            varkw = True
            continue
        params.append(p.name)
        if counting and p.default is inspect.Parameter.empty and p.kind is not inspect.Parameter.KEYWORD_ONLY:
            required += 1
        else:
            counting = False
        if p.default is not inspect.Parameter.empty:
            defaults[p.name] = _literal(p.default)
    return [params, required, int(varargs), int(varkw), defaults]


def _literal(value: Any) -> str:
    """Source text of a default when it is a plain literal; "?" otherwise (unknown, never emitted)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        text = repr(value)
        return text if len(text) <= 40 else "?"
    name = getattr(value, "name", None)  # dtypes: tf.float32
    if type(value).__name__ == "DType" and isinstance(name, str):
        return "tf." + name
    return "?"


def _same_impl(a: Any, b: Any) -> bool:
    """True when two distinct exported objects wrap the same function body (e.g. the v1
    ``tf.math.log`` is the bare generated op, the v2 one adds dispatch decorators)."""
    from tensorflow.python.util import tf_decorator

    ta = tf_decorator.unwrap(a)[1]
    tb = tf_decorator.unwrap(b)[1]
    if ta is tb:
        return True
    ca, cb = getattr(ta, "__code__", None), getattr(tb, "__code__", None)
    return ca is not None and ca is cb


def _rank(path: str) -> tuple[Any, ...]:
    """Order for choosing among several v2 names of one object when export metadata is silent."""
    parts = path.split(".")
    return (
        "raw_ops" in parts,
        "experimental" in parts or "keras" in parts or "v2" in parts,
        len(parts),
        path,
    )


def _child_names() -> None:
    """Legacy-Keras child: print the v1 names that resolve (and which are modules)."""
    import tensorflow.compat.v1 as v1

    found: dict[str, Any] = {}
    _walk(v1, "tf.", found, ())
    found = {p: v for p, v in found.items() if not p.startswith("tf.compat.")}
    json.dump({p: int(_is_module(v)) for p, v in sorted(found.items())}, sys.stdout)


def _child_classify() -> None:
    """Default-Keras child: walk v1 and v2, classify every v1 name, print JSON."""
    import tensorflow as tf
    import tensorflow.compat.v1 as v1
    from tensorflow.python.util import tf_export

    v1_objs: dict[str, Any] = {}
    _walk(v1, "tf.", v1_objs, ())
    # "no compat inside compat": tf.compat.v1.compat.* is not a TF1 spelling we need.
    v1_objs = {p: v for p, v in v1_objs.items() if not p.startswith("tf.compat.")}

    v2_objs: dict[str, Any] = {}
    root_names = [n for n in dir(tf) if not n.startswith("_") and n != "compat"]
    for name in sorted(root_names):
        try:
            value = getattr(tf, name)
        except Exception:
            continue
        if _is_module(value):
            if not _walkable(_module_name(value)):
                continue  # tf.python, tf.core, tf.tools...: implementation packages, not API
            v2_objs["tf." + name] = value
            _walk(value, "tf." + name + ".", v2_objs, (id(value),))
        else:
            v2_objs["tf." + name] = value

    by_id: dict[int, list[str]] = {}
    for path, value in v2_objs.items():
        if not isinstance(value, _PRIMITIVES):
            by_id.setdefault(id(value), []).append(path)
    # Constants exported under a new name (tf.COMPILER_VERSION -> tf.version.COMPILER_VERSION):
    # matched by identity, for values whose identity means something (not True, None or small ints).
    prim_by_id: dict[int, list[str]] = {}
    for path, value in v2_objs.items():
        if isinstance(value, _PRIMITIVES) and _distinct_constant(value):
            prim_by_id.setdefault(id(value), []).append(path)
    v1_alias: dict[int, list[str]] = {}
    for path, value in v1_objs.items():
        if not isinstance(value, _PRIMITIVES) and not _is_module(value):
            v1_alias.setdefault(id(value), []).append(path)

    def canonical(value: Any, paths: list[str]) -> str:
        try:
            meta = tf_export.get_v2_names(value)
        except Exception:
            meta = []
        for n in meta:
            if "tf." + n in paths and v2_objs["tf." + n] is value:
                return "tf." + str(n)
        return min(paths, key=_rank)

    entries: dict[str, Any] = {}
    for path, value in sorted(v1_objs.items()):
        if _is_module(value):
            e: dict[str, Any] = {"k": "module"}
            if path in v2_objs and _is_module(v2_objs[path]):
                e["v2"] = path
                if v2_objs[path] is value:
                    e["eq"] = 1  # the identical module object (e.g. tf.keras.* under Keras 3)
            entries[path] = e
            continue
        if isinstance(value, _PRIMITIVES):
            if path in v2_objs and type(v2_objs[path]) is type(value) and v2_objs[path] == value:
                entries[path] = {"k": "native", "v2": path}
            elif _distinct_constant(value) and prim_by_id.get(id(value)):
                entries[path] = {"k": "renamed", "v2": min(prim_by_id[id(value)], key=_rank)}
            else:
                entries[path] = {"k": "compat"}
            continue
        same = by_id.get(id(value), [])
        if path in same:
            entries[path] = {"k": "native", "v2": path}
            continue
        if same:
            entries[path] = {"k": "renamed", "v2": canonical(value, same)}
            continue
        # A different object under the same name, or under another v1 alias of this object.
        target = None
        for cand in [path] + sorted(a for a in v1_alias.get(id(value), []) if a != path):
            other = v2_objs.get(cand)
            if other is not None and not _is_module(other) and not isinstance(other, _PRIMITIVES):
                target = cand
                break
        if target is None:
            entries[path] = {"k": "compat"}
            continue
        e = {"k": "different", "v2": target, "s1": _signature(value), "s2": _signature(v2_objs[target])}
        if e["s1"] == e["s2"] and _same_impl(value, v2_objs[target]):
            e["eq"] = 1
        entries[path] = e

    v2_sigs: dict[str, Any] = {}
    payload = {
        "tensorflow": tf.__version__,
        "entries": entries,
        "v2_names": sorted(v2_objs),
        "v2_sigs": v2_sigs,
    }
    # Signatures of the objects the reviewed table points to (requested by the parent).
    want = json.loads(os.environ.get("TF2PORT_WANT_SIGS", "{}"))
    for name in want.get("v2", []):
        if name in v2_objs:
            v2_sigs[name] = _signature(v2_objs[name])
    v1_sigs: dict[str, Any] = {}
    for name in want.get("v1", []):
        if name in v1_objs:
            v1_sigs[name] = _signature(v1_objs[name])
    payload["v1_sigs"] = v1_sigs
    json.dump(payload, sys.stdout, sort_keys=True)


# ---------------------------------------------------------------------------------------------
# Parent side: never imports TensorFlow.
# ---------------------------------------------------------------------------------------------
def _run_child(mode: str, legacy: bool, extra_env: dict[str, str] | None = None) -> Any:
    env = dict(os.environ)
    env.pop("TF_USE_LEGACY_KERAS", None)
    if legacy:
        env["TF_USE_LEGACY_KERAS"] = "1"
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    env["PYTHONHASHSEED"] = "0"
    env.update(extra_env or {})
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", mode],
        env=env, capture_output=True, text=True, check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"child {mode} failed:\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout)


def _reviewed() -> Any:
    sys.path.insert(0, str(REPO))
    from tf2port import reviewed

    return reviewed


def _derive_args(name: str, s1: list[Any] | None, s2: list[Any] | None, renames: dict[str, str]) -> dict[str, Any] | None:
    if s1 is None or s2 is None:
        if not renames:
            return None
        return {"renames": dict(sorted(renames.items())), "dropped": [], "v1": [], "v2": []}
    p1, p2 = list(s1[0]), list(s2[0])
    applied = {a: b for a, b in renames.items() if a in p1 and b in p2}
    dropped = [p for p in p1 if p not in p2 and p not in applied]
    if not applied and not dropped and p1 == p2:
        return None
    return {"renames": dict(sorted(applied.items())), "dropped": dropped, "v1": p1, "v2": p2}


def build(tf_payload: dict[str, Any], legacy_names: dict[str, int]) -> dict[str, Any]:
    """Merge the two walks and the reviewed table into the shipped document."""
    rv = _reviewed()
    entries: dict[str, Any] = tf_payload["entries"]
    v2_names = set(tf_payload["v2_names"])
    for path, is_mod in legacy_names.items():
        if path in entries:
            continue
        entries[path] = {"k": "module" if is_mod else "legacy_keras"}
    for path, e in entries.items():
        k = e["k"]
        if k in ("native", "renamed", "different", "compat") or (k == "module" and not _legacy_only(path, entries, legacy_names)):
            e["fb"] = 1  # tf.compat.v1.<path> resolves to the identical object under Keras 3
        fallback = "tf.compat.v1." + path[len("tf."):]
        if k == "native":
            del e["v2"]  # always the name itself; the loader fills it in
        if k == "compat":
            e["a"] = f"No TF2-native equivalent; {fallback} keeps the TF1 behaviour."
        elif k == "different" and e.get("eq"):
            e["a"] = f"{e['v2']} wraps the same implementation with the same signature; only the export wrapper differs."
        elif k == "different":
            e["a"] = f"{e['v2']} in TF2 is a different object than the TF1 {path}; check arguments and behaviour."
        elif k == "legacy_keras":
            rep = rv.LEGACY_KERAS_REPLACEMENTS.get(path)
            if rep is not None:
                e["r"] = rep[0]
                e["a"] = rep[1]
            else:
                e["a"] = f"{path} exists only with tf-keras and TF_USE_LEGACY_KERAS=1; it does not resolve under Keras 3."
        elif k == "module" and _legacy_only(path, entries, legacy_names):
            e["a"] = f"Members of {path} exist only with tf-keras and TF_USE_LEGACY_KERAS=1."
    # Reviewed correspondences: v1 names whose TF2 counterpart lives under another name.
    for path, (target, why) in rv.CORRESPONDENCES.items():
        e = entries.get(path)
        if e is None or e["k"] not in ("compat", "different"):
            raise SystemExit(f"reviewed correspondence {path}: not a compat/different v1 symbol")
        if target not in v2_names:
            raise SystemExit(f"reviewed correspondence {path} -> {target}: target not in v2")
        e.update({"k": "different", "v2": target, "a": why})
        e["s1"] = tf_payload["v1_sigs"].get(path)
        e["s2"] = tf_payload["v2_sigs"].get(target)
    for path, advice in rv.ADVICE.items():
        if path not in entries:
            raise SystemExit(f"reviewed advice for unknown symbol {path}")
        entries[path]["a"] = advice
    # Reviewed: a TF2 object of the corresponding name that computes other values; keep compat.v1.
    for path, advice in rv.KEEP_COMPAT.items():
        e = entries.get(path)
        if e is None or e["k"] != "different":
            raise SystemExit(f"reviewed keep-compat {path}: not a `different` v1 symbol")
        entries[path] = {"k": "compat", "fb": 1, "a": advice}
    # Reviewed renames of names removed before TF 1.0 (absent from the walk by definition).
    pre_1_0: dict[str, Any] = {}
    for path, (successor, old_params, new_params) in rv.PRE_1_0_RENAMES.items():
        if path in entries:
            raise SystemExit(f"reviewed pre-1.0 name {path} exists in TF {tf_payload['tensorflow']}")
        if successor not in entries or len(old_params) != len(new_params):
            raise SystemExit(f"reviewed pre-1.0 rename {path} -> {successor}: unknown successor or unpaired parameters")
        pre_1_0[path] = {"to": successor, "params": [list(old_params), list(new_params)]}
    # Removed APIs (not walkable in TF 2.21).
    for path, (advice, replacement, drop_in) in rv.REMOVED.items():
        if path in entries:
            raise SystemExit(f"reviewed removed {path} exists in TF {tf_payload['tensorflow']}")
        if replacement is not None and replacement not in v2_names:
            raise SystemExit(f"reviewed removed {path}: replacement {replacement} not in v2")
        e = {"k": "removed", "a": advice}
        if replacement is not None:
            e["r"] = replacement
            e["di"] = int(drop_in)
        entries[path] = e
    for e in entries.values():
        for key in ("v2", "r"):
            if ".optimizers.legacy" in (e.get(key) or ""):
                raise SystemExit("refusing to emit tf.keras.optimizers.legacy")
    # Argument changes.
    args: dict[str, Any] = {}
    for path, e in sorted(entries.items()):
        renames = dict(rv.ARG_RENAMES.get(path, {}))
        if e["k"] == "different":
            d = _derive_args(path, e.get("s1"), e.get("s2"), renames)
        elif renames:  # same object in v1 and v2: its signature serves both sides
            sig = tf_payload["v1_sigs"].get(path)
            d = _derive_args(path, sig, sig, renames)
        else:
            d = None
        if d is not None:
            args[path] = d
    for path in rv.ARG_RENAMES:
        if path not in entries:
            raise SystemExit(f"reviewed arg renames for unknown symbol {path}")
        if not args.get(path, {}).get("renames"):
            raise SystemExit(f"reviewed arg renames for {path} did not apply to its signatures")
    specials: dict[str, Any] = {}
    for path, (kind, target, options) in rv.SPECIALS.items():
        if path not in entries:
            raise SystemExit(f"reviewed special for unknown symbol {path}")
        if kind not in rv.SPECIAL_KINDS:
            raise SystemExit(f"reviewed special {path}: unknown kind {kind}")
        specials[path] = {"kind": kind, "target": target, "options": dict(options)}
    return {
        "_generated": {
            "by": SCRIPT_NAME,
            "note": "Generated file; do not edit. Rerun the script (see its docstring).",
            "tensorflow": tf_payload["tensorflow"],
            "reviewed_sha256": rv.digest(),
        },
        "keras_policy": rv.KERAS_POLICY,
        "entries": entries,
        "args": args,
        "specials": specials,
        "pre_1_0": pre_1_0,
        # TF2 names TF1 never had (tf.random.set_seed): not typos, whatever module uses them
        "v2_only": sorted(n for n in v2_names if n not in entries and not n.startswith("tf.compat.")),
        "removed_prefixes": {p: a for p, a in sorted(rv.REMOVED_PREFIXES.items())},
    }


def _legacy_only(path: str, entries: dict[str, Any], legacy_names: dict[str, int]) -> bool:
    """A module whose members resolve only with legacy Keras (tf.layers, tf.nn.rnn_cell)."""
    pre = path + "."
    members = [p for p in legacy_names if p.startswith(pre)]
    return bool(members) and all(entries.get(p, {}).get("k") in ("legacy_keras", "module") for p in members) and any(
        entries.get(p, {}).get("k") == "legacy_keras" for p in members
    )


def dumps(doc: dict[str, Any]) -> str:
    """Compact, deterministic text: sorted keys, one entry per line for readable diffs."""
    lines = ["{"]
    keys = sorted(doc)
    for i, key in enumerate(keys):
        value = doc[key]
        sep = "," if i < len(keys) - 1 else ""
        if isinstance(value, dict) and key in ("entries", "args"):
            lines.append(json.dumps(key) + ": {")
            inner = sorted(value)
            for j, k in enumerate(inner):
                isep = "," if j < len(inner) - 1 else ""
                lines.append(json.dumps(k) + ": " + json.dumps(value[k], sort_keys=True, separators=(",", ":")) + isep)
            lines.append("}" + sep)
        else:
            lines.append(json.dumps(key) + ": " + json.dumps(value, sort_keys=True, separators=(",", ":")) + sep)
    lines.append("}")
    return "\n".join(lines) + "\n"


def generate() -> dict[str, Any]:
    rv = _reviewed()
    want = {
        "v1": sorted(set(rv.ARG_RENAMES) | set(rv.CORRESPONDENCES) | set(rv.SPECIALS)),
        "v2": sorted({t for t, _ in rv.CORRESPONDENCES.values()}),
    }
    tf_payload = _run_child("classify", legacy=False, extra_env={"TF2PORT_WANT_SIGS": json.dumps(want)})
    legacy = _run_child("names", legacy=True)
    return build(tf_payload, legacy)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--child", choices=["classify", "names"], help=argparse.SUPPRESS)
    ns = ap.parse_args(argv)
    if ns.child == "classify":
        _child_classify()
        return 0
    if ns.child == "names":
        _child_names()
        return 0
    doc = generate()
    ns.out.parent.mkdir(parents=True, exist_ok=True)
    ns.out.write_text(dumps(doc), encoding="utf-8")
    counts: dict[str, int] = {}
    for e in doc["entries"].values():
        counts[e["k"]] = counts.get(e["k"], 0) + 1
    print(f"wrote {ns.out}: {len(doc['entries'])} entries {dict(sorted(counts.items()))}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
