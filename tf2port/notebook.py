"""Jupyter notebooks: their code cells as one Python module, and back.

Code cells are joined with marker comments so imports in one cell resolve names in
the next; IPython magics (``%x``, ``%%x``, ``!cmd``, ``x?``) are masked as comments
before parsing and restored after, byte for byte. Cells that are entirely a cell
magic are left alone. Outputs and metadata are never touched.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass

from tf2port.files import SourceError

CELL_MARK = "# %%tf2port-cell "
MAGIC_MARK = "#%%tf2port-magic%%"
# a magic line: `%x`, `!cmd`, `?x`, `x?`, and the assignment forms `out = !cmd`, `t = %time f()`
_MAGIC = re.compile(r"^\s*(%|!|\?)|^\s*[\w.]+\?{1,2}\s*$|^\s*[\w.]+(\s*,\s*[\w.]+)*\s*=\s*[%!]")
_MARK_LINE = re.compile(r"^(\s*)#%%tf2port-magic%%(\d+)$")


@dataclass
class NotebookModule:
    """The Python view of a notebook plus what restores it."""

    data: dict
    text: str
    cells: list[int]  # notebook cell index of each joined code cell, in order
    magics: list[str]  # masked lines, by mask number
    line_map: list[tuple[int, int]]  # python line (0-based) -> (cell index, line in cell, 1-based)


def _cell_source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def load(raw: bytes, path: str) -> NotebookModule:
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise SourceError(f"notebook is not UTF-8: {exc.reason}") from exc
    except json.JSONDecodeError as exc:
        raise SourceError(f"notebook is not valid JSON: {exc.msg}", exc.lineno) from exc
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        raise SourceError("notebook has no 'cells' list")
    pieces: list[str] = []
    cells: list[int] = []
    magics: list[str] = []
    line_map: list[tuple[int, int]] = []
    for number, cell in enumerate(data["cells"]):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = _cell_source(cell)
        if source.lstrip().startswith("%%"):
            continue  # a cell magic: the whole cell is not Python
        pieces.append(f"{CELL_MARK}{number}\n")
        line_map.append((number, 0))
        lines = source.split("\n")
        for i, line in enumerate(lines):
            if _MAGIC.search(line):
                indent = line[: len(line) - len(line.lstrip())]
                line = f"{indent}{MAGIC_MARK}{len(magics)}"
                magics.append(lines[i])
            pieces.append(line + "\n")
            line_map.append((number, i + 1))
        cells.append(number)
    return NotebookModule(data, "".join(pieces), cells, magics, line_map)


def dump(module: NotebookModule, new_text: str) -> bytes:
    """Put fixed code back into its cells; the JSON is written the way Jupyter writes it."""
    parts = re.split(r"^# %%tf2port-cell (\d+)\n", new_text, flags=re.MULTILINE)
    by_cell: dict[int, str] = {}
    for i in range(1, len(parts), 2):
        body = parts[i + 1]
        assert body.endswith("\n")
        body = body[:-1]
        lines = []
        for line in body.split("\n"):
            match = _MARK_LINE.match(line)
            lines.append(module.magics[int(match.group(2))] if match else line)
        by_cell[int(parts[i])] = "\n".join(lines)
    data = module.data
    for number, source in by_cell.items():
        cell = data["cells"][number]
        if _cell_source(cell) != source:
            cell["source"] = source.splitlines(keepends=True) if isinstance(cell.get("source"), list) else source
    return (json.dumps(data, indent=1, ensure_ascii=False) + "\n").encode("utf-8")
