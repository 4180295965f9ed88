"""What keeps a fallback runnable and a rewrite honest: the eager switch and the compile check."""
from __future__ import annotations

import ast
import os
import subprocess
import sys
import textwrap

import pytest

from tf2port.fix.pipeline import _compile_error, fix_text

ALL = lambda code, line: True  # noqa: E731


def dd(src: str) -> str:
    return textwrap.dedent(src).lstrip("\n")


SCRIPT_WRITER = """
    import tensorflow as tf

    a = tf.constant(2.0, name="a")
    b = tf.multiply(a, 3.0, name="b")
    writer = tf.summary.FileWriter(LOGDIR, tf.get_default_graph())
    writer.close()
    """


def test_a_script_level_file_writer_keeps_graph_mode_so_the_fallback_runs():
    assert fix_text(dd(SCRIPT_WRITER), "t.py", ALL).text == dd("""
        import tensorflow as tf
        tf.compat.v1.disable_eager_execution()

        a = tf.constant(2.0, name="a")
        b = tf.multiply(a, 3.0, name="b")
        writer = tf.compat.v1.summary.FileWriter(LOGDIR, tf.compat.v1.get_default_graph())
        writer.close()
        """)


def test_a_file_writer_inside_a_function_does_not_switch_eager_execution_off_for_importers():
    source = dd("""
        import tensorflow as tf


        def log_graph(path):
            writer = tf.summary.FileWriter(path, tf.get_default_graph())
            writer.close()
        """)
    assert fix_text(source, "t.py", ALL).text == source.replace(
        "tf.summary.FileWriter(path, tf.get_default_graph())",
        "tf.compat.v1.summary.FileWriter(path, tf.compat.v1.get_default_graph())")


@pytest.mark.tf
def test_the_script_level_file_writer_fallback_runs_on_tf2(tmp_path):
    converted = fix_text(dd(SCRIPT_WRITER), "t.py", ALL).text
    script = tmp_path / "writer.py"
    script.write_text(f"LOGDIR = {str(tmp_path / 'logs')!r}\n" + converted)
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert done.returncode == 0, done.stderr[-2000:]
    assert any(p.name.startswith("events.out.tfevents") for p in (tmp_path / "logs").iterdir())


def test_the_compile_check_sees_what_the_parser_accepts():
    assert _compile_error(ast.parse("import os\nfrom __future__ import annotations\n"), "t.py") == \
        "from __future__ imports must occur at the beginning of the file, line 2"
    assert _compile_error(ast.parse("def f():\n    nonlocal x\n"), "t.py") is not None
    assert _compile_error(ast.parse("import asyncio\nawait asyncio.sleep(0)\n"), "t.py") is None  # notebooks
    assert _compile_error(ast.parse("from __future__ import annotations\nx = 1\n"), "t.py") is None


def test_a_source_that_did_not_compile_before_is_still_renamed():
    """The check refuses what the rewrite broke, not what was broken already."""
    source = "import tensorflow as tf\nfrom __future__ import division\ny = tf.log(2.0)\n"
    assert fix_text(source, "t.py", ALL).text == source.replace("tf.log", "tf.math.log")
