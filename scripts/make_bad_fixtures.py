"""Write the committed bad-input fixtures in ``fixtures/bad/`` byte for byte.

Why a script: several inputs are defined by their exact bytes (a BOM, CR/LF mixes,
latin-1, NUL bytes) which editors and git settings like to "repair". The script is the
source of truth; ``tests/test_reliability_bad_inputs.py`` regenerates and compares, so a
damaged checkout is caught. Inputs that cannot live in git (10 MB, symlink loops, FIFOs,
unreadable or read-only files) are made by the tests under ``tmp_path``.

The TensorFlow code in the inputs that must be *fixed* uses only plain renames
(``tf.random_uniform`` → ``tf.random.uniform``, ``tf.random_normal`` → ``tf.random.normal``)
so the exact expected bytes are the input with those spellings replaced.

    python scripts/make_bad_fixtures.py            # rewrite fixtures/bad/
    python scripts/make_bad_fixtures.py --check    # exit 1 if the folder differs
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

BAD = Path(__file__).resolve().parent.parent / "fixtures" / "bad"

RENAMES = ((b"tf.random_uniform", b"tf.random.uniform"), (b"tf.random_normal", b"tf.random.normal"))


def expected_fixed(raw: bytes) -> bytes:
    """The exact bytes a correct ``fix`` writes for a rename-only input."""
    if raw == magics_notebook(fixed=False):
        return magics_notebook(fixed=True)
    for old, new in RENAMES:
        raw = raw.replace(old, new)
    return raw


def _notebook(cells: list[tuple[str, list[str] | str]]) -> bytes:
    """A notebook in the layout Jupyter (and tf2port) writes: indent 1, UTF-8, final newline."""
    data = {
        "cells": [
            {"cell_type": kind, "metadata": {}, "source": source,
             **({"execution_count": None, "outputs": []} if kind == "code" else {})}
            for kind, source in cells
        ],
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return (json.dumps(data, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def magics_notebook(fixed: bool) -> bytes:
    """Magics of every kind around TF code; ``fixed`` gives what a correct fix writes.

    Only Python lines change: line magics, shell escapes (also ``x = !cmd``), help
    (``w?``), whole-cell magics and markdown stay byte for byte.
    """
    uniform = "tf.random.uniform" if fixed else "tf.random_uniform"
    normal = "tf.random.normal" if fixed else "tf.random_normal"
    return _notebook([
        ("markdown", ["# Magics stay; `tf.random_uniform` in markdown stays too\n"]),
        ("code", ["%matplotlib inline\n", "%load_ext autoreload\n", "import tensorflow as tf\n",
                  "!pip install --quiet something\n", f"w = {uniform}([2])\n", "w?\n",
                  "files = !ls\n", "  %time v = tf.random_normal([3])"]),
        ("code", ["%%bash\n", "echo tf.random_uniform stays in a bash cell\n"]),
        ("code", f"def f():\n    return {normal}([1])\nf()"),
        ("code", ["%%time\n", "z = tf.random_uniform([1])\n"]),
    ])


def fixtures() -> dict[str, bytes]:
    """Every committed bad input, by file name."""
    files: dict[str, bytes] = {}
    files["py2_print.py"] = (
        b"import tensorflow as tf\n"
        b"noise = tf.random_uniform([3])\n"
        b"print \"noise:\", noise\n"
    )
    files["py2_except.py"] = (
        b"import tensorflow as tf\n"
        b"try:\n"
        b"    w = tf.random_normal([2, 2])\n"
        b"except ValueError, err:\n"
        b"    raise\n"
    )
    files["syntax_error.py"] = (
        b"import tensorflow as tf\n"
        b"\n"
        b"w = tf.random_uniform([4]\n"
        b"def broken(:\n"
        b"    return w\n"
    )
    files["undecodable.py"] = (
        b"import tensorflow as tf\n"
        b"w = tf.random_uniform([4])\n"
        b"label = \"caf\xe9 \xff\xfe\"\n"
    )
    files["latin1_cookie.py"] = (
        b"# -*- coding: latin-1 -*-\n"
        b"\"\"\"Gr\xfc\xdfe aus M\xfcnchen: a latin-1 file that must stay latin-1.\"\"\"\n"
        b"import tensorflow as tf\n"
        b"caf\xe9 = tf.random_uniform([2])  # \xe9t\xe9\n"
        b"na\xefve = \"\xa9\" + str(tf.random_normal([1]))\n"
    )
    files["utf8_bom.py"] = (
        b"\xef\xbb\xbf\"\"\"A file saved by an editor that writes a byte-order mark.\"\"\"\n"
        b"import tensorflow as tf\n"
        b"w = tf.random_uniform([3])\n"
    )
    files["crlf.py"] = (
        b"import tensorflow as tf\r\n"
        b"\r\n"
        b"def noise(n):\r\n"
        b"    return tf.random_normal([n])\r\n"
        b"\r\n"
        b"w = tf.random_uniform([3])\r\n"
    )
    files["mixed_newlines.py"] = (
        b"import tensorflow as tf\r\n"
        b"a = tf.random_uniform([1])\n"
        b"b = tf.random_normal([2])\r\n"
        b"\n"
        b"c = 1  \t\n"
        b"d = tf.random_uniform([3])"  # no final newline
    )
    files["cr_only.py"] = (  # classic Mac line endings: Python accepts a lone CR as a newline
        b"import tensorflow as tf\r"
        b"# a comment line\r"
        b"a = tf.random_uniform([1])\r"
        b"b = 2\r"
    )
    files["tabs.py"] = (
        b"import tensorflow as tf\n"
        b"\n"
        b"def build(flag):\n"
        b"\tif flag:\n"
        b"\t\tw = tf.random_uniform([2])\t# tab before the comment\n"
        b"\telse:\n"
        b"\t\tw = tf.random_normal([2])\n"
        b"\treturn w\n"
    )
    files["empty.py"] = b""
    files["deep_parens.py"] = (  # deeper than CPython's tokenizer allows (200): not valid Python
        b"import tensorflow as tf\n"
        b"w = " + b"(" * 250 + b"tf.random_uniform([1])" + b")" * 250 + b"\n"
    )
    files["binary.py"] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01tensorflow\x00\xff\xfe"
    files["unknown_encoding.py"] = (
        b"# -*- coding: klingon-1 -*-\n"
        b"import tensorflow as tf\n"
        b"w = tf.random_uniform([1])\n"
    )
    files["non_ascii_columns.py"] = (  # multi-byte text before an edit on the same line
        "# -*- coding: utf-8 -*-\n"
        "import tensorflow as tf\n"
        "größe = tf.random_uniform([2]); ü = '→é' + str(tf.random_normal([1]))  # ✓\n"
        "emoji = '🙂'; w = tf.random_uniform([3])\n"
    ).encode("utf-8")
    files["modern_syntax.py"] = (
        b"import tensorflow as tf\n"
        b"\n"
        b"if (n := len([1, 2])) > 1:\n"
        b"    a = tf.random_uniform([n])\n"
        b"match n:\n"
        b"    case 2 | 3:\n"
        b"        b = tf.random_normal([n])\n"
        b"    case {\"k\": v}:\n"
        b"        b = v\n"
        b"    case _:\n"
        b"        b = None\n"
        b"print(f\"{n=} {tf.random_uniform([1])!r:>10}\")\n"
        b"with (\n"
        b"    open(__file__) as f,\n"
        b"    open(__file__) as g,\n"
        b"):\n"
        b"    c = tf.random_uniform([2])\n"
        b"try:\n"
        b"    pass\n"
        b"except* ValueError:\n"
        b"    d = tf.random_normal([1])\n"
        b"def pos_only(x, /, *, y: int | None = None) -> list[int]:\n"
        b"    return [x, y]\n"
    )
    files["not_tensorflow.py"] = (  # mentions tensorflow, but `tf` is another library: never changed
        b"# This module does not use tensorflow; `tf` is a terraform helper.\n"
        b"import terraform_helpers as tf\n"
        b"plan = tf.random_uniform([1])\n"
    )
    files["notebook_invalid.ipynb"] = (
        b"{\n \"cells\": [\n  {\n   \"cell_type\": \"code\",\n"
        b"   \"source\": [\"import tensorflow as tf\\n\", \"w = tf.random_uniform([1])\"]\n"
        b"  }\n \n"
    )
    files["notebook_magics.ipynb"] = magics_notebook(fixed=False)
    return files


def main(argv: list[str]) -> int:
    check = "--check" in argv
    wanted = fixtures()
    if check:
        differ = [name for name, raw in wanted.items()
                  if not (BAD / name).exists() or (BAD / name).read_bytes() != raw]
        for name in differ:
            print(f"fixtures/bad/{name} differs from scripts/make_bad_fixtures.py", file=sys.stderr)
        return 1 if differ else 0
    BAD.mkdir(parents=True, exist_ok=True)
    for name, raw in wanted.items():
        (BAD / name).write_bytes(raw)
    (BAD / ".gitattributes").write_text("# exact bytes matter here (CRLF, CR, BOM, latin-1)\n* -text -diff\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
