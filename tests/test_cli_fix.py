"""`tf2port fix` as users run it: in place, --diff, --check, --out, newline and encoding care."""
from __future__ import annotations

import json

import pytest

TF1 = "import tensorflow as tf\n\nx = tf.placeholder(tf.float32)  # input\ny = tf.log(x)\n"
FIXED = ("import tensorflow as tf\ntf.compat.v1.disable_eager_execution()\n\n"
         "x = tf.compat.v1.placeholder(tf.float32)  # input\ny = tf.math.log(x)\n")


def write(path, text, **kw):
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, **kw)
    return path


def test_fix_in_place_and_summary(tmp_path, cli):
    f = write(tmp_path / "m.py", TF1)
    plain = write(tmp_path / "plain.py", "import os\nprint(os.sep)\n")
    result = cli("fix", str(tmp_path))
    assert f.read_text() == FIXED
    assert plain.read_text() == "import os\nprint(os.sep)\n"
    assert "1 file changed, 1 left as they are." in result.stderr
    assert "fixes by rule: TF101 ×1, TF202 ×1" in result.stderr
    assert "TF202 ×1" in result.stderr.splitlines()[-1]  # the placeholder is still graph code
    assert result.returncode == 1  # findings remain (graph mode kept)
    again = cli("fix", str(tmp_path))
    assert f.read_text() == FIXED and "0 files changed" in again.stderr


def test_fully_fixable_file_exits_0(tmp_path, cli):
    f = write(tmp_path / "m.py", "import tensorflow as tf\ny = tf.log(2.0)\n")
    assert cli("fix", str(f)).returncode == 0
    assert f.read_text() == "import tensorflow as tf\ny = tf.math.log(2.0)\n"


def test_diff_and_check_write_nothing(tmp_path, cli):
    f = write(tmp_path / "m.py", TF1)
    diff = cli("fix", "--diff", str(f))
    assert diff.returncode == 1
    assert f"--- {f}\n+++ {f}\n" in diff.stdout
    assert "-y = tf.log(x)\n" in diff.stdout and "+y = tf.math.log(x)\n" in diff.stdout
    check = cli("fix", "--check", str(f))
    assert check.returncode == 1 and check.stdout == ""
    assert f.read_text() == TF1
    f.write_text(FIXED)
    assert cli("fix", "--check", str(f)).returncode == 0


def test_out_writes_a_converted_copy_of_the_tree(tmp_path, cli):
    src = tmp_path / "project"
    write(src / "pkg" / "m.py", TF1)
    write(src / "pkg" / "data.csv", "a,b\n1,2\n")
    write(src / "other.py", "print('hi')\n")
    out = tmp_path / "converted"
    cli("fix", "--out", str(out), str(src))
    assert (src / "pkg" / "m.py").read_text() == TF1
    assert (out / "pkg" / "m.py").read_text() == FIXED
    assert (out / "pkg" / "data.csv").read_text() == "a,b\n1,2\n"
    assert (out / "other.py").read_text() == "print('hi')\n"


def test_crlf_and_latin1_cookie_round_trip(tmp_path, cli):
    crlf = write(tmp_path / "crlf.py", TF1.replace("\n", "\r\n").encode())
    latin = write(tmp_path / "latin.py",
                  "# -*- coding: latin-1 -*-\nimport tensorflow as tf\ny = tf.log(2.0)  # café\n".encode("latin-1"))
    cli("fix", str(tmp_path))
    assert crlf.read_bytes() == FIXED.replace("\n", "\r\n").encode()
    assert latin.read_bytes() == ("# -*- coding: latin-1 -*-\nimport tensorflow as tf\n"
                                  "y = tf.math.log(2.0)  # café\n").encode("latin-1")


def test_unparsable_file_is_untouched_and_others_are_fixed(tmp_path, cli):
    bad = write(tmp_path / "a_bad.py", "import tensorflow as tf\nprint 'x'\ny = tf.log(1.0)\n")
    good = write(tmp_path / "b_good.py", TF1)
    result = cli("fix", str(tmp_path))
    assert result.returncode == 2
    assert bad.read_text() == "import tensorflow as tf\nprint 'x'\ny = tf.log(1.0)\n"
    assert good.read_text() == FIXED
    assert f"{bad}:2:" in result.stderr and "TF001" in result.stderr


def test_noqa_blocks_the_fix(tmp_path, cli):
    f = write(tmp_path / "m.py", "import tensorflow as tf\ny = tf.log(2.0)  # noqa: TF101\nz = tf.log(3.0)\n")
    cli("fix", str(f))
    assert f.read_text() == "import tensorflow as tf\ny = tf.log(2.0)  # noqa: TF101\nz = tf.math.log(3.0)\n"


def test_compat_import_kept_when_its_rule_is_ignored(tmp_path, cli):
    text = "import tensorflow.compat.v1 as tf\ny = tf.log(2.0)\n"
    f = write(tmp_path / "m.py", text)
    cli("fix", "--ignore", "TF105", str(f))
    assert f.read_text() == text  # the body cannot be renamed while tf means tf.compat.v1


def test_stdin_fix_prints_the_result(cli):
    result = cli("fix", "-", stdin=TF1)
    assert result.stdout == FIXED


def test_notebook_fix_keeps_magics_and_outputs(tmp_path, cli):
    nb = {"cells": [
        {"cell_type": "code", "metadata": {}, "execution_count": 1, "outputs": [{"output_type": "stream",
                                                                                 "name": "stdout", "text": ["1\n"]}],
         "source": ["%matplotlib inline\n", "import tensorflow as tf\n", "!ls\n", "y = tf.log(2.0)"]},
        {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
         "source": ["%%bash\n", "echo tf.log"]},
    ], "metadata": {"kernelspec": {"name": "python3"}}, "nbformat": 4, "nbformat_minor": 5}
    f = tmp_path / "nb.ipynb"
    f.write_text(json.dumps(nb, indent=1) + "\n")
    result = cli("fix", str(f))
    assert result.returncode == 0, result.stderr
    fixed = json.loads(f.read_text())
    assert fixed["cells"][0]["source"] == ["%matplotlib inline\n", "import tensorflow as tf\n", "!ls\n",
                                           "y = tf.math.log(2.0)"]
    assert fixed["cells"][0]["outputs"] == nb["cells"][0]["outputs"]
    assert fixed["cells"][1] == nb["cells"][1]
    assert fixed["metadata"] == nb["metadata"]


@pytest.mark.tf
@pytest.mark.slow
def test_fix_verify_proves_the_conversion(tmp_path, cli):
    from pathlib import Path

    source = Path(__file__).resolve().parent.parent / "fixtures" / "programs" / "linear_regression"
    result = cli("fix", "--out", str(tmp_path / "out"), str(source / "original.py"), "--verify")
    assert "EQUIVALENT" in result.stdout, result.stdout + result.stderr
    assert result.returncode == 0


def test_fix_says_why_a_graph_rewrite_was_declined(tmp_path, cli):
    f = write(tmp_path / "m.py", "import tensorflow as tf\nx = tf.placeholder(tf.bool)\n"
                                 "y = tf.cond(x, lambda: 1.0, lambda: 2.0)\n"
                                 "with tf.Session() as sess:\n    print(sess.run(y, feed_dict={x: True}))\n")
    result = cli("fix", "--diff", str(f))
    assert f"{f}:3:5: TF201 graph-to-eager rewrite declined: tf.cond on graph values" in result.stderr


SESSION_SCRIPT = ("import tensorflow as tf\n\nx = tf.placeholder(tf.float32, [None])\ny = tf.log(x)\n"
                  "with tf.Session() as sess:\n    print(sess.run(y, feed_dict={x: [1.0]}))\n")


def test_renames_only_leaves_sessions_in_the_compat_form(tmp_path, cli):
    """--renames-only is the rename-level fix (what tf_upgrade_v2 does): no structural rewrite."""
    f = write(tmp_path / "m.py", SESSION_SCRIPT)
    cli("fix", "--renames-only", "--no-cache", str(f))
    assert f.read_text() == (
        "import tensorflow as tf\ntf.compat.v1.disable_eager_execution()\n\n"
        "x = tf.compat.v1.placeholder(tf.float32, [None])\ny = tf.math.log(x)\n"
        "with tf.compat.v1.Session() as sess:\n    print(sess.run(y, feed_dict={x: [1.0]}))\n")
    g = write(tmp_path / "full" / "m.py", SESSION_SCRIPT)
    cli("fix", "--no-cache", str(g))
    assert "Session" not in g.read_text() and "@tf.function" in g.read_text()  # without the flag: eager code
