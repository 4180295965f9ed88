"""What one side of a verification recorded, and how it crosses the process gap.

A trace is a folder with ``trace.json`` (order, names, notes) and ``arrays.npz``
(numbers, loaded with ``allow_pickle=False`` so the parent never unpickles
anything the user's program could have written). Every recorded item carries a
sequence number from one counter, so steps and prints share one timeline.
"""
from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

TRACE_JSON = "trace.json"
ARRAYS_NPZ = "arrays.npz"


def leaves(value: Any) -> list[np.ndarray]:
    """Numeric leaves of a fetch/return structure in a stable order.

    ``None`` (ops), bytes (serialized summaries) and strings carry no number and
    are dropped; dict entries go in key order, like ``tf.nest``.
    """
    out: list[np.ndarray] = []
    if value is None or isinstance(value, (bytes, str)):
        return out
    if isinstance(value, dict):
        for key in sorted(value, key=str):
            out.extend(leaves(value[key]))
        return out
    if isinstance(value, (list, tuple)):
        for item in value:
            out.extend(leaves(item))
        return out
    if hasattr(value, "numpy") and not isinstance(value, np.ndarray):
        value = value.numpy()
    arr = np.asarray(value)
    if arr.dtype.kind in "biufc":
        out.append(np.array(arr))
    return out


@dataclass
class Recorder:
    """Child-side accumulator; ``save`` writes the trace folder once at exit."""

    side: str
    seq: int = 0
    events: list[dict[str, Any]] = field(default_factory=list)
    writes: list[tuple[int, str]] = field(default_factory=list)
    init: list[dict[str, Any]] = field(default_factory=list)
    final: dict[int, np.ndarray] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    arrays: dict[str, np.ndarray] = field(default_factory=dict)

    def tick(self) -> int:
        self.seq += 1
        return self.seq

    def event(self, name: str, value: Any) -> None:
        index = len(self.events)
        values = leaves(value)
        keys = []
        for j, arr in enumerate(values):
            key = f"e{index}_{j}"
            self.arrays[key] = arr
            keys.append(key)
        self.events.append({"seq": self.tick(), "name": name, "keys": keys})

    def write(self, text: str) -> None:
        if text:
            self.writes.append((self.tick(), text))

    def add_init(self, name: str, value: np.ndarray, random: bool | None) -> None:
        key = f"init_{len(self.init)}"
        self.arrays[key] = np.asarray(value)
        self.init.append({"name": name, "shape": list(np.shape(value)),
                          "dtype": str(np.asarray(value).dtype), "key": key,
                          "random": random})

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def save(self, folder: Path, *, status: str, error: str = "") -> None:
        finals = {}
        for index, value in self.final.items():
            self.arrays[f"final_{index}"] = np.asarray(value)
            finals[str(index)] = f"final_{index}"
        doc = {"side": self.side, "status": status, "error": error,
               "events": self.events, "writes": self.writes, "init": self.init,
               "final": finals, "notes": self.notes, "meta": self.meta}
        folder.mkdir(parents=True, exist_ok=True)
        np.savez(folder / ARRAYS_NPZ, **self.arrays)  # type: ignore[arg-type]
        (folder / TRACE_JSON).write_text(json.dumps(doc, default=str))


@dataclass(frozen=True)
class Event:
    """One ``sess.run`` (original) or one step-function call (converted)."""

    seq: int
    name: str
    values: tuple[np.ndarray, ...]


@dataclass(frozen=True)
class Trace:
    """Parent-side, read-only view of a trace folder."""

    side: str
    status: str
    error: str
    events: tuple[Event, ...]
    writes: tuple[tuple[int, str], ...]
    init: tuple[dict[str, Any], ...]
    final: dict[int, np.ndarray]
    notes: tuple[str, ...]
    meta: dict[str, Any]
    init_values: dict[int, np.ndarray] = field(default_factory=dict)
    own_init: dict[int, np.ndarray] = field(default_factory=dict)

    @property
    def stdout(self) -> str:
        return "".join(text for _, text in self.writes)

    @staticmethod
    def load(folder: Path) -> Trace:
        doc = json.loads((folder / TRACE_JSON).read_text())
        with np.load(io.BytesIO((folder / ARRAYS_NPZ).read_bytes()),
                     allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in npz.files}
        events = tuple(Event(e["seq"], e["name"], tuple(arrays[k] for k in e["keys"]))
                       for e in doc["events"] if e["keys"])
        return Trace(
            side=doc["side"], status=doc["status"], error=doc["error"], events=events,
            writes=tuple((int(s), str(t)) for s, t in doc["writes"]),
            init=tuple(doc["init"]),
            final={int(k): arrays[v] for k, v in doc["final"].items()},
            notes=tuple(doc["notes"]), meta=dict(doc["meta"]),
            init_values={i: arrays[spec["key"]] for i, spec in enumerate(doc["init"])},
            own_init={int(k[4:]): v for k, v in arrays.items() if k.startswith("own_")},
        )


def load_init_arrays(folder: Path) -> list[tuple[dict[str, Any], np.ndarray]]:
    """Initial values recorded by the original side, in creation order."""
    doc = json.loads((folder / TRACE_JSON).read_text())
    with np.load(io.BytesIO((folder / ARRAYS_NPZ).read_bytes()), allow_pickle=False) as npz:
        return [(spec, npz[spec["key"]]) for spec in doc["init"]]
