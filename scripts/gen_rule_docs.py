#!/usr/bin/env python3
"""Write docs/rules/<CODE>.md for every rule and docs/rules/README.md (the index).

Why: rule pages are generated from the rule classes (tf2port.rules.docs) so they never
drift from the code. Run after changing a rule; ``--check`` (used by the test suite and CI)
exits 1 and names the stale files instead of writing.

    python scripts/gen_rule_docs.py            # regenerate
    python scripts/gen_rule_docs.py --check    # exit 1 if anything is stale
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def stale_files(out_dir: Path) -> tuple[dict[str, str], list[str], list[str]]:
    """(expected files, names whose content differs or is missing, extra generated-looking pages)."""
    from tf2port.rules.docs import pages

    expected = pages()
    stale = [name for name, text in expected.items()
             if not (out_dir / name).is_file() or (out_dir / name).read_text(encoding="utf-8") != text]
    extra = sorted(p.name for p in out_dir.glob("TF*.md") if p.name not in expected) if out_dir.is_dir() else []
    return expected, sorted(stale), extra


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if any page is stale; write nothing")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "rules", help="output folder")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    expected, stale, extra = stale_files(args.out)
    if args.check:
        for name in stale:
            print(f"stale: {args.out / name}", file=sys.stderr)
        for name in extra:
            print(f"no such rule: {args.out / name}", file=sys.stderr)
        if stale or extra:
            print("run: python scripts/gen_rule_docs.py", file=sys.stderr)
            return 1
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    for name in stale:
        (args.out / name).write_text(expected[name], encoding="utf-8", newline="\n")
    for name in extra:
        (args.out / name).unlink()
    print(f"{len(stale)} written, {len(extra)} removed, {len(expected) - len(stale)} unchanged in {args.out}",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
