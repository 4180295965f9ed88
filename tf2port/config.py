"""Configuration: ``[tool.tf2port]`` in pyproject.toml, command-line overrides, suppressions.

Keys: ``select``, ``ignore`` (codes or prefixes such as ``TF2``), ``exclude`` and
``extend-exclude`` (glob patterns), ``per-file-ignores`` (glob → codes).
Inline: ``# noqa`` / ``# noqa: TF201,TF202`` on a finding's first line; a line
``# tf2port: noqa`` (optionally ``: CODES``) anywhere silences the file.
"""
from __future__ import annotations

import fnmatch
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

if True:  # Python 3.11 ships tomllib
    import tomllib


class ConfigError(Exception):
    """Invalid configuration (exit code 2)."""


@dataclass(frozen=True)
class Config:
    select: tuple[str, ...] = ("TF",)
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    root: str = "."
    source: str | None = None  # the pyproject.toml it came from

    def enabled(self, code: str, path: str = "") -> bool:
        """Is ``code`` selected for ``path``? The longest matching selector wins (ruff's rule)."""
        best_select = max((len(s) for s in self.select if code.startswith(s)), default=-1)
        best_ignore = max((len(s) for s in self.ignore if code.startswith(s)), default=-1)
        if path and self.per_file_ignores:
            rel = _relative(path, self.root)
            for pattern, codes in self.per_file_ignores:
                if fnmatch.fnmatch(rel, pattern) or fnmatch.fnmatch(os.path.basename(path), pattern):
                    best_ignore = max([best_ignore, *(len(c) for c in codes if code.startswith(c))])
        return best_select > best_ignore

    def with_overrides(self, select: tuple[str, ...] = (), ignore: tuple[str, ...] = (),
                       extend_select: tuple[str, ...] = ()) -> Config:
        cfg = self
        if select:
            cfg = replace(cfg, select=select)
        if extend_select:
            cfg = replace(cfg, select=cfg.select + extend_select)
        if ignore:
            cfg = replace(cfg, ignore=cfg.ignore + ignore)
        return cfg

    def cache_key(self) -> str:
        return repr((self.select, self.ignore, self.per_file_ignores))


def _relative(path: str, root: str) -> str:
    try:
        return os.path.relpath(os.path.abspath(path), os.path.abspath(root)).replace(os.sep, "/")
    except ValueError:
        return path


def _codes(value: object, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"[tool.tf2port] {key} must be a list of strings")
    for code in value:
        if not re.fullmatch(r"TF\d{0,3}|ALL", code):
            raise ConfigError(f"[tool.tf2port] {key}: {code!r} is not a rule code or prefix (e.g. TF2, TF201)")
    return tuple("TF" if c == "ALL" else c for c in value)


def find_pyproject(start: str) -> Path | None:
    try:
        here = Path(start).resolve()
    except (OSError, RuntimeError):  # a symlink loop: look from where it is named
        here = Path(os.path.abspath(start))
    if here.is_file():
        here = here.parent
    for folder in [here, *here.parents]:
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def load(start: str = ".", explicit: str | None = None) -> Config:
    """Read ``[tool.tf2port]`` from ``explicit`` or the nearest pyproject.toml above ``start``."""
    path = Path(explicit) if explicit else find_pyproject(start)
    if path is None:
        return Config(root=os.path.abspath(start if os.path.isdir(start) else os.path.dirname(start) or "."))
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read configuration: {exc}") from exc
    section = data.get("tool", {}).get("tf2port", {})
    if not isinstance(section, dict):
        raise ConfigError(f"{path}: [tool.tf2port] must be a table")
    known = {"select", "ignore", "exclude", "extend-exclude", "per-file-ignores"}
    unknown = set(section) - known
    if unknown:
        raise ConfigError(f"{path}: unknown [tool.tf2port] keys: {', '.join(sorted(unknown))}")
    cfg = Config(root=str(path.parent), source=str(path))
    if "select" in section:
        cfg = replace(cfg, select=_codes(section["select"], "select"))
    if "ignore" in section:
        cfg = replace(cfg, ignore=_codes(section["ignore"], "ignore"))
    excludes: list[str] = []
    for key in ("exclude", "extend-exclude"):
        value = section.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{path}: [tool.tf2port] {key} must be a list of glob patterns")
        excludes.extend(value)
    pfi = section.get("per-file-ignores", {})
    if not isinstance(pfi, dict):
        raise ConfigError(f"{path}: [tool.tf2port] per-file-ignores must be a table")
    return replace(cfg, exclude=tuple(excludes),
                   per_file_ignores=tuple((k, _codes(v, f"per-file-ignores.{k}")) for k, v in pfi.items()))


_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>TF\d+(?:\s*,\s*TF\d+)*))?", re.IGNORECASE)
_FILE_NOQA = re.compile(r"^\s*#\s*tf2port:\s*noqa(?::\s*(?P<codes>TF\d+(?:\s*,\s*TF\d+)*))?\s*$",
                        re.IGNORECASE | re.MULTILINE)


@dataclass
class Suppressions:
    """Which codes are silenced where, read from a file's comments once."""

    file_all: bool = False
    file_codes: frozenset[str] = frozenset()
    lines: dict[int, frozenset[str] | None] = field(default_factory=dict)  # None: all codes

    def suppressed(self, code: str, line: int) -> bool:
        if self.file_all or code in self.file_codes:
            return True
        if line in self.lines:
            codes = self.lines[line]
            return codes is None or code in codes
        return False


def suppressions(text: str) -> Suppressions:
    """Collect ``noqa`` comments. Cheap: a regex over lines that mention noqa at all."""
    result = Suppressions()
    if "noqa" not in text and "NOQA" not in text:
        return result
    for match in _FILE_NOQA.finditer(text):
        codes = match.group("codes")
        if codes is None:
            result.file_all = True
        else:
            result.file_codes |= {c.strip().upper() for c in codes.split(",")}
    for number, line in enumerate(text.splitlines(), start=1):
        if "noqa" not in line.lower() or _FILE_NOQA.match(line):
            continue
        line_match = _NOQA.search(line)
        if line_match:
            codes = line_match.group("codes")
            result.lines[number] = None if codes is None else frozenset(c.strip().upper() for c in codes.split(","))
    return result
