"""Parse ``--input name=4,16[:dtype[:high]]``, ``--arg key=value`` and ``file.py:name``.

Shared by ``verify --entry`` and ``ckpt convert``; no TensorFlow here.

    parse_input("mask=4,16:int32:2")  # InputSpec("mask", (4, 16), "int32", 2)
"""
from __future__ import annotations

import ast
import importlib
import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

FLOAT_DTYPES = ("float32", "float64", "float16")
INT_DTYPES = ("int32", "int64")


@dataclass(frozen=True)
class InputSpec:
    """A generated input: floats ~ N(0, 1); ints uniform in [0, high)."""

    name: str
    shape: tuple[int, ...]
    dtype: str = "float32"
    high: int = 2

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "shape": list(self.shape), "dtype": self.dtype,
                "high": self.high}


def parse_input(text: str) -> InputSpec:
    name, sep, rest = text.partition("=")
    if not sep or not name.isidentifier():
        raise ValueError(f"--input {text!r}: expected name=d0,d1[:dtype[:high]]")
    shape_text, _, tail = rest.partition(":")
    try:
        shape = tuple(int(d) for d in shape_text.split(",") if d.strip())
    except ValueError:
        raise ValueError(f"--input {text!r}: dimensions must be integers") from None
    dtype, _, high_text = tail.partition(":")
    dtype = dtype or "float32"
    if dtype not in FLOAT_DTYPES + INT_DTYPES:
        raise ValueError(f"--input {text!r}: dtype must be one of "
                         f"{', '.join(FLOAT_DTYPES + INT_DTYPES)}")
    if high_text and dtype not in INT_DTYPES:
        raise ValueError(f"--input {text!r}: an upper bound applies to integer inputs only")
    high = int(high_text) if high_text else 2
    return InputSpec(name, shape, dtype, high)


def parse_arg(text: str) -> tuple[str, Any]:
    """``units=8`` -> ("units", 8); a value that is not a Python literal stays a string."""
    key, sep, value = text.partition("=")
    if not sep or not key.isidentifier():
        raise ValueError(f"--arg {text!r}: expected key=value")
    try:
        return key, ast.literal_eval(value)
    except (ValueError, SyntaxError):
        return key, value


def generate_inputs(specs: list[InputSpec], seed: int) -> list[np.ndarray]:
    """The same arrays on both sides: one seeded generator, inputs in declared order."""
    rng = np.random.RandomState(seed)
    out = []
    for spec in specs:
        if spec.dtype in INT_DTYPES:
            out.append(rng.randint(0, spec.high, size=spec.shape).astype(spec.dtype))
        else:
            out.append(rng.standard_normal(spec.shape).astype(spec.dtype))
    return out


def split_target(text: str) -> tuple[str, str]:
    """``models/enc.py:Encoder`` or ``pkg.models:Encoder`` -> (module part, attribute)."""
    module, sep, attr = text.rpartition(":")
    if not sep or not module or not attr.isidentifier():
        raise ValueError(f"{text!r}: expected FILE.py:name or module:name")
    return module, attr


def load_target(module: str, attr: str) -> Any:
    """Import ``module`` (a path ending in .py, or a dotted name) and return ``attr``."""
    if module.endswith(".py"):
        path = Path(module).resolve()
        if not path.is_file():
            raise FileNotFoundError(f"no such file: {module}")
        sys.path.insert(0, str(path.parent))
        spec = importlib.util.spec_from_file_location(path.stem, path)
        assert spec is not None and spec.loader is not None
        mod = importlib.util.module_from_spec(spec)
        sys.modules[path.stem] = mod
        spec.loader.exec_module(mod)
    else:
        mod = importlib.import_module(module)
    if not hasattr(mod, attr):
        raise AttributeError(f"{module} has no attribute {attr!r}")
    return getattr(mod, attr)
