"""`tf2port lint` as users run it: real subprocesses, exit codes, formats, config, suppressions."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET

TF1 = "import tensorflow as tf\nx = tf.placeholder(tf.float32)\ny = tf.log(x)\n"
TF2 = "import tensorflow as tf\ny = tf.math.log(tf.constant(2.0))\n"


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_clean_file_exits_0(tmp_path, cli):
    write(tmp_path / "ok.py", TF2)
    result = cli("lint", str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""


def test_findings_exit_1_with_exact_locations(tmp_path, cli):
    f = write(tmp_path / "old.py", TF1)
    result = cli("lint", str(f))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines == [
        f"{f}:2:5: TF202 [*] `tf.placeholder` is graph-mode only; in TF2 inputs are function arguments",
        f"{f}:3:5: TF101 [*] `tf.log` is `tf.math.log` in TensorFlow 2",
    ]
    assert "Found 2 findings" in result.stderr


def test_exit_zero_and_parse_error_wins(tmp_path, cli):
    write(tmp_path / "old.py", TF1)
    assert cli("lint", "--exit-zero", str(tmp_path)).returncode == 0
    bad = write(tmp_path / "py2.py", "import tensorflow as tf\nprint 'hello'\n")
    result = cli("lint", "--exit-zero", str(tmp_path))
    assert result.returncode == 2
    assert f"{bad}:2:" in result.stdout and "TF001" in result.stdout
    assert "old.py:2:5: TF202" in result.stdout  # the other file is still checked


def test_missing_path_is_an_error(tmp_path, cli):
    result = cli("lint", str(tmp_path / "nope.py"))
    assert result.returncode == 2
    assert "no such file" in result.stdout


def test_select_and_ignore_by_prefix(tmp_path, cli):
    f = write(tmp_path / "old.py", TF1)
    only_graph = cli("lint", "--select", "TF2", str(f))
    assert [l.split()[1] for l in only_graph.stdout.splitlines()] == ["TF202"]
    no_graph = cli("lint", "--ignore", "TF2", str(f))
    assert [l.split()[1] for l in no_graph.stdout.splitlines()] == ["TF101"]
    assert cli("lint", "--select", "XYZ", str(f)).returncode == 2


def test_noqa_and_file_level_noqa(tmp_path, cli):
    f = write(tmp_path / "a.py", "import tensorflow as tf\nx = tf.placeholder(tf.float32)  # noqa: TF202\n"
                                 "y = tf.log(x)  # noqa\nz = tf.log(x)  # noqa: TF999\n")
    result = cli("lint", str(f))
    assert [l.split(":")[1] for l in result.stdout.splitlines()] == ["4"]
    g = write(tmp_path / "b.py", "# tf2port: noqa\n" + TF1)
    assert cli("lint", str(g)).returncode == 0


def test_pyproject_config(tmp_path, cli):
    write(tmp_path / "pyproject.toml", textwrap.dedent("""
        [tool.tf2port]
        ignore = ["TF101"]
        exclude = ["generated"]
        [tool.tf2port.per-file-ignores]
        "legacy_*.py" = ["TF2"]
    """))
    write(tmp_path / "src" / "a.py", TF1)
    write(tmp_path / "src" / "legacy_b.py", TF1)
    write(tmp_path / "generated" / "c.py", TF1)
    result = cli("lint", ".", cwd=tmp_path)
    assert result.stdout.splitlines() == [
        "src/a.py:2:5: TF202 [*] `tf.placeholder` is graph-mode only; in TF2 inputs are function arguments"]
    write(tmp_path / "pyproject.toml", "[tool.tf2port]\nselect = 3\n")
    broken = cli("lint", ".", cwd=tmp_path)
    assert broken.returncode == 2 and "select" in broken.stderr


def test_json_format_fields(tmp_path, cli):
    f = write(tmp_path / "old.py", TF1)
    items = json.loads(cli("lint", "--format", "json", str(f)).stdout)
    assert [i["code"] for i in items] == ["TF202", "TF101"]
    log = items[1]
    assert log["location"] == {"row": 3, "column": 5} and log["end_location"] == {"row": 3, "column": 11}
    assert log["fix"]["applicability"] == "safe"
    assert log["fix"]["edits"] == [{"start": 59, "end": 65, "content": "tf.math.log"}]
    assert TF1[59:65] == "tf.log"
    assert log["url"].endswith("TF101.md") and log["filename"] == str(f)


def test_sarif_github_junit(tmp_path, cli):
    f = write(tmp_path / "old.py", TF1)
    sarif = json.loads(cli("lint", "--format", "sarif", str(f)).stdout)
    run = sarif["runs"][0]
    assert sarif["version"] == "2.1.0"
    assert {r["ruleId"] for r in run["results"]} == {"TF202", "TF101"}
    rule_ids = {r["id"] for r in run["tool"]["driver"]["rules"]}
    assert {"TF101", "TF202"} <= rule_ids
    assert all(r["helpUri"].endswith(".md") for r in run["tool"]["driver"]["rules"])
    github = cli("lint", "--format", "github", str(f)).stdout.splitlines()
    assert github[0].startswith(f"::warning title=tf2port (TF202),file={f},line=2,col=5,")
    junit = ET.fromstring(cli("lint", "--format", "junit", str(f)).stdout)
    assert junit.get("failures") == "2"
    out = tmp_path / "report.json"
    result = cli("lint", "--format", "json", "--output", str(out), str(f))
    assert result.stdout == "" and len(json.loads(out.read_text())) == 2


def test_statistics(tmp_path, cli):
    write(tmp_path / "a.py", TF1)
    write(tmp_path / "b.py", TF1)
    rows = cli("lint", "--statistics", str(tmp_path)).stdout.splitlines()
    assert rows[0].split("\t")[:3] == ["     2", "TF202", "placeholder"]


def test_stdin(cli):
    result = cli("lint", "-", "--stdin-filename", "model.py", stdin=TF1)
    assert result.returncode == 1
    assert result.stdout.startswith("model.py:2:5: TF202")


def test_notebook_findings_point_at_cells(tmp_path, cli):
    nb = {"cells": [
        {"cell_type": "markdown", "metadata": {}, "source": ["# title"]},
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
         "source": ["%matplotlib inline\n", "import tensorflow as tf"]},
        {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
         "source": ["!nvidia-smi\n", "y = tf.log(2.0)"]},
    ], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    f = tmp_path / "nb.ipynb"
    f.write_text(json.dumps(nb, indent=1) + "\n")
    result = cli("lint", str(tmp_path))
    assert result.stdout.splitlines() == [f"{f}:cell 2:2:5: TF101 [*] `tf.log` is `tf.math.log` in TensorFlow 2"]


def test_rules_and_explain(cli):
    listing = cli("rules").stdout
    assert "TF202  placeholder" in listing
    doc = cli("explain", "tf202")
    assert doc.returncode == 0 and "## Why is this bad?" in doc.stdout and "TF202" in doc.stdout
    assert cli("explain", "TF999").returncode == 2


def test_lint_never_imports_tensorflow(tmp_path):
    write(tmp_path / "old.py", TF1)
    code = textwrap.dedent(f"""
        import sys
        from tf2port.cli import cli
        try:
            cli(["lint", "--no-cache", {str(tmp_path)!r}], standalone_mode=False)
        except SystemExit:
            pass
        try:
            cli(["fix", "--diff", "--no-cache", {str(tmp_path)!r}], standalone_mode=False)
        except SystemExit:
            pass
        heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("tensorflow", "keras", "numpy"))
        print(heavy)
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_cache_serves_findings_with_their_edits(tmp_path, cli):
    """A second lint of unchanged TF1 code comes from the cache, edits included (`--format json` shows them)."""
    (tmp_path / "pyproject.toml").write_text("[tool.tf2port]\n")
    (tmp_path / "m.py").write_text("import tensorflow as tf\ny = tf.log(2.0)\n")
    env = {"TF2PORT_NO_CACHE": ""}
    first = cli("lint", "--format", "json", "m.py", cwd=tmp_path, env=env)
    entries = [p for p in (tmp_path / ".tf2port_cache").rglob("*") if p.is_file() and p.name != ".gitignore"]
    assert len(entries) == 1 and '"edits": [[' in entries[0].read_text()
    entries[0].write_text(entries[0].read_text().replace("tf.math.log", "tf.math.CACHED"))  # mark the entry
    second = cli("lint", "--format", "json", "m.py", cwd=tmp_path, env=env)
    assert second.stdout == first.stdout.replace("tf.math.log", "tf.math.CACHED") != first.stdout
    assert "tf.math.CACHED" in json.dumps(json.loads(second.stdout))
    fresh = cli("lint", "--format", "json", "--no-cache", "m.py", cwd=tmp_path, env=env)
    assert fresh.stdout == first.stdout
