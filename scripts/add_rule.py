#!/usr/bin/env python3
"""Scaffold a new lint rule: its file with every doc section and examples, registered in ALL_RULES.

Why: every rule starts complete (STYLE.md 12). The generated rule is deliberately unfinished:
its INVALID example is a placeholder that does not fire, so ``tests/test_rule_registry.py``
fails until the author writes the matchers and real examples.

    python scripts/add_rule.py TF209 control-dependencies graph ControlDependencies

Refuses a code, name or class name already used, a malformed code/name, and a folder whose
family does not match the code. ``--root`` points at another checkout (the tests use a copy).
"""
from __future__ import annotations

import argparse
import ast
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FOLDER_FAMILY = {"api": "TF1", "graph": "TF2", "contrib": "TF3", "layers": "TF4", "training": "TF5", "inputs": "TF6"}
REMEDY_WORDS = ("use-", "avoid-", "prefer-", "no-")

TEMPLATE = '''from __future__ import annotations

from tf2port.diagnostics import FixClass
from tf2port.rules.base import Example, Rule


class {cls}(Rule):
    """TODO({code}): one line naming the TF1 pattern this rule finds.

    ## What it does
    TODO({code}): which TF1 names, methods, keywords or imports it finds, and where it stays
    silent on purpose.

    ## Why is this bad?
    TODO({code}): what fails or changes meaning under TensorFlow 2.

    ## Example
    ```python
    # TODO({code}): TF1 code
    ```

    ## Use instead
    ```python
    # TODO({code}): the TF2 idiom
    ```

    ## Fix safety
    TODO({code}): none, or why the fix keeps the program the same. With a fix, set
    FIX = FixClass.SAFE and pin the exact output of `tf2port fix` in an INVALID example.
    """

    CODE = "{code}"
    NAME = "{name}"
    FIX = FixClass.NONE
    MESSAGE = "`{{name}}` TODO({code}): what is wrong and what to write instead"
    # TODO({code}): matchers, all data (see tf2port/rules/base.py), e.g.
    # names = frozenset({{"tf.some_tf1_name"}}); prefixes, methods, keywords, imports likewise
    VALID = (
        "import tensorflow as tf\\n# TODO({code}): TF2 code this rule must not report\\n",
    )
    INVALID = (
        # TODO({code}): replace with TF1 code that fires; the registry test fails until you do
        Example(
            """
            import tensorflow as tf
            # TODO({code}): TF1 code this rule reports
            """
        ),
    )
'''


class ScaffoldError(Exception):
    """The request conflicts with the registry or the conventions; nothing was written."""


@dataclass(frozen=True)
class Existing:
    """A rule already in the tree, read from its source (no import: the tree may be a copy)."""

    code: str
    name: str
    cls: str
    path: Path


def existing_rules(rules_dir: Path) -> list[Existing]:
    found: list[Existing] = []
    for path in sorted(rules_dir.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in tree.body:
            if not isinstance(node, ast.ClassDef):
                continue
            attrs: dict[str, str] = {}
            for stmt in node.body:
                if (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
                        and isinstance(stmt.targets[0], ast.Name)
                        and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str)):
                    attrs[stmt.targets[0].id] = stmt.value.value
            if "CODE" in attrs and "NAME" in attrs:
                found.append(Existing(attrs["CODE"], attrs["NAME"], node.name, path))
    return found


def validate(root: Path, code: str, name: str, folder: str, cls: str) -> Path:
    """The path of the new rule file, or ScaffoldError saying what is wrong."""
    if not re.fullmatch(r"TF[1-6]\d\d", code):
        raise ScaffoldError(f"code {code!r} must look like TF204 (TF1xx..TF6xx)")
    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name):
        raise ScaffoldError(f"name {name!r} must be kebab-case, e.g. variable-scope")
    if name.startswith(REMEDY_WORDS):
        raise ScaffoldError(f"name {name!r} must name the TF1 pattern, not the remedy ({', '.join(REMEDY_WORDS)})")
    if not re.fullmatch(r"[A-Z][A-Za-z0-9]*", cls):
        raise ScaffoldError(f"class name {cls!r} must be CamelCase")
    if folder not in FOLDER_FAMILY:
        raise ScaffoldError(f"folder {folder!r} is not one of {', '.join(FOLDER_FAMILY)}")
    if not code.startswith(FOLDER_FAMILY[folder]):
        raise ScaffoldError(f"{code} belongs to family {code[:3]}xx, but folder {folder!r} holds "
                            f"{FOLDER_FAMILY[folder]}xx rules")
    rules_dir = root / "tf2port" / "rules"
    for rule in existing_rules(rules_dir):
        where = rule.path.relative_to(root)
        if rule.code == code:
            raise ScaffoldError(f"code {code} is already used by {rule.cls} ({where}); codes are never reused")
        if rule.name == name:
            raise ScaffoldError(f"name {name!r} is already used by {rule.code} ({where})")
        if rule.cls == cls:
            raise ScaffoldError(f"class {cls} already exists ({where})")
    path = rules_dir / folder / (name.replace("-", "_") + ".py")
    if path.exists():
        raise ScaffoldError(f"{path.relative_to(root)} already exists")
    return path


def register(init_text: str, module: str, cls: str, code: str, codes_by_class: dict[str, str]) -> str:
    """``tf2port/rules/__init__.py`` with the import added (sorted) and the class in ALL_RULES (by code)."""
    lines = init_text.splitlines(keepends=True)
    new_import = f"from {module} import {cls}\n"
    rule_imports = [i for i, line in enumerate(lines) if line.startswith("from tf2port.rules.")]
    if not rule_imports:
        raise ScaffoldError("no `from tf2port.rules.… import …` lines found in tf2port/rules/__init__.py")
    at = next((i for i in rule_imports if lines[i] > new_import), rule_imports[-1] + 1)
    lines.insert(at, new_import)

    start = next((i for i, line in enumerate(lines) if line.startswith("ALL_RULES")), None)
    if start is None:
        raise ScaffoldError("ALL_RULES not found in tf2port/rules/__init__.py")
    end = next(i for i in range(start, len(lines)) if lines[i].startswith(")"))
    insert_at = end
    for i in range(start + 1, end):
        entry = lines[i].strip().rstrip(",")
        if codes_by_class.get(entry, "") > code:
            insert_at = i
            break
    lines.insert(insert_at, f"    {cls},\n")
    return "".join(lines)


def scaffold(root: Path, code: str, name: str, folder: str, cls: str) -> Path:
    path = validate(root, code, name, folder, cls)
    init = root / "tf2port" / "rules" / "__init__.py"
    codes_by_class = {rule.cls: rule.code for rule in existing_rules(root / "tf2port" / "rules")}
    module = f"tf2port.rules.{folder}.{path.stem}"
    new_init = register(init.read_text(encoding="utf-8"), module, cls, code, codes_by_class)
    path.write_text(TEMPLATE.format(code=code, name=name, cls=cls), encoding="utf-8")
    init.write_text(new_init, encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("code", help="stable rule code, e.g. TF209")
    parser.add_argument("name", help="kebab-case name of the TF1 pattern, e.g. control-dependencies")
    parser.add_argument("folder", help=f"family folder under tf2port/rules: {', '.join(FOLDER_FAMILY)}")
    parser.add_argument("cls", metavar="ClassName", help="CamelCase class name")
    parser.add_argument("--root", type=Path, default=ROOT, help="repository root (default: this checkout)")
    args = parser.parse_args(argv)
    try:
        path = scaffold(args.root, args.code, args.name, args.folder, args.cls)
    except ScaffoldError as exc:
        print(f"add_rule: {exc}", file=sys.stderr)
        return 2
    print(f"created {path.relative_to(args.root)} and registered {args.cls} in tf2port/rules/__init__.py\n"
          f"next: fill every TODO({args.code}), set the matchers, write real VALID/INVALID examples, then\n"
          f"  python -m pytest tests/test_rule_registry.py -q -k {args.code}\n"
          f"  python scripts/gen_rule_docs.py", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
