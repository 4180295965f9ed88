"""Script pairs from two mirrored folders, and stable CI shards.

A pair is ``ORIG/rel.py`` with ``CONV/rel.py``, kept when the original is
runnable (it has top-level code beyond imports and definitions). Shard ``I/N``
(1-based) keeps the pairs whose relative path hashes to ``I-1`` mod ``N``: the
assignment never depends on which other files exist, so shards stay disjoint
and stable as a codebase grows.
"""
from __future__ import annotations

import ast
import hashlib
from pathlib import Path

_DEFINITIONS = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef,
                ast.ClassDef)


def is_runnable(path: Path) -> bool:
    """True when running the file does something: a main guard or top-level work."""
    try:
        tree = ast.parse(path.read_bytes())
    except (SyntaxError, ValueError):
        return True  # let the run report it
    for node in tree.body:
        if isinstance(node, _DEFINITIONS):
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # docstring
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and isinstance(
                getattr(node, "value", None), ast.Constant):
            continue
        return True
    return False


def shard_of(relpath: str, count: int) -> int:
    """1-based shard of a relative path (posix form) among ``count``."""
    digest = hashlib.sha256(relpath.encode()).digest()
    return int.from_bytes(digest[:8], "big") % count + 1


def parse_shard(text: str) -> tuple[int, int]:
    index, _, count = text.partition("/")
    i, n = int(index), int(count)
    if not 1 <= i <= n:
        raise ValueError(f"shard {text!r}: expected I/N with 1 <= I <= N")
    return i, n


def find_pairs(original_dir: Path, converted_dir: Path,
               shard: tuple[int, int] | None = None) -> list[tuple[Path, Path]]:
    """Runnable pairs present on both sides, sorted, filtered to one shard."""
    pairs = []
    for orig in sorted(original_dir.rglob("*.py")):
        rel = orig.relative_to(original_dir)
        if any(part.startswith(".") or part == "__pycache__" for part in rel.parts):
            continue
        conv = converted_dir / rel
        if not conv.is_file() or not is_runnable(orig):
            continue
        if shard is not None and shard_of(rel.as_posix(), shard[1]) != shard[0]:
            continue
        pairs.append((orig, conv))
    return pairs
