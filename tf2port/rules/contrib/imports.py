"""Import statements as the dotted module paths they bring in, for import-matching rules."""
from __future__ import annotations

import ast


def imported_paths(node: ast.stmt) -> list[str]:
    """`import a.b as c` → ["a.b"]; `from a import b, c` → ["a.b", "a.c"]."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom) and node.module:
        return [f"{node.module}.{alias.name}" if alias.name != "*" else node.module for alias in node.names]
    return []


def under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix + ".")
