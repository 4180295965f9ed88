"""scripts/add_rule.py on a temporary copy of the package (the real tree is never touched)."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NEW = ("TF209", "control-dependencies", "graph", "ControlDependencies")


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the package, the scaffold script and the registry test."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "tf2port", tmp_path / "tf2port", ignore=ignore)
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "add_rule.py", tmp_path / "scripts")
    (tmp_path / "tests").mkdir()
    shutil.copy(ROOT / "tests" / "test_rule_registry.py", tmp_path / "tests")
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")  # rootdir = the copy
    return tmp_path


def _run(tree: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run a Python module or script inside the copy; `tf2port` resolves to the copy."""
    env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([sys.executable, *args], cwd=tree, env=env, capture_output=True, text=True, timeout=300)


def _snapshot(tree: Path) -> dict[str, str]:
    return {str(p.relative_to(tree)): p.read_text(encoding="utf-8") for p in (tree / "tf2port" / "rules").rglob("*.py")}


def _registry_test(tree: Path) -> subprocess.CompletedProcess[str]:
    return _run(tree, "-m", "pytest", "tests/test_rule_registry.py", "-q", "-p", "no:cacheprovider")


def test_scaffold_creates_a_registered_rule_that_fails_the_registry_test_until_filled(tree):
    proc = _run(tree, "scripts/add_rule.py", *NEW)
    assert proc.returncode == 0, proc.stderr
    path = tree / "tf2port" / "rules" / "graph" / "control_dependencies.py"
    source = path.read_text(encoding="utf-8")
    for section in ("What it does", "Why is this bad?", "Example", "Use instead", "Fix safety"):
        assert f"## {section}" in source
    probe = _run(tree, "-c", "import tf2port; from tf2port.rules import ALL_RULES, by_code; "
                             "r = by_code()['TF209']; print(tf2port.__file__); print(r.NAME, r.FIX.value); "
                             "print([c.CODE for c in ALL_RULES])")
    assert probe.returncode == 0, probe.stderr
    file_line, rule_line, codes_line = probe.stdout.splitlines()
    assert file_line.startswith(str(tree))  # the copy was imported, not the real package
    assert rule_line == "control-dependencies none"
    codes = eval(codes_line)  # noqa: S307 - our own printed list
    assert codes.index("TF209") == codes.index("TF208") + 1  # registered in code order

    result = _registry_test(tree)
    assert result.returncode == 1
    assert "1 failed" in result.stdout
    assert "test_invalid_examples_fire_and_fix_exactly[TF209-invalid-0]" in result.stdout


def test_filled_in_scaffold_passes_the_registry_test(tree):
    assert _run(tree, "scripts/add_rule.py", *NEW).returncode == 0
    path = tree / "tf2port" / "rules" / "graph" / "control_dependencies.py"
    source = path.read_text(encoding="utf-8")
    source = source.replace(
        '    # names = frozenset({"tf.some_tf1_name"}); prefixes, methods, keywords, imports likewise\n',
        '    names = frozenset({"tf.control_dependencies"})\n')
    source = source.replace("# TODO(TF209): TF1 code this rule reports", "deps = tf.control_dependencies([update])")
    path.write_text(source, encoding="utf-8")
    result = _registry_test(tree)
    assert result.returncode == 0, result.stdout[-3000:]


def test_untouched_copy_passes_the_registry_test(tree):
    """The no-op twin: without a scaffolded rule the copied registry test is green."""
    result = _registry_test(tree)
    assert result.returncode == 0, result.stdout[-3000:]


@pytest.mark.parametrize(("args", "says"), [
    (("TF201", "control-dependencies", "graph", "ControlDependencies"), "code TF201 is already used by Session"),
    (("TF209", "session", "graph", "ControlDependencies"), "name 'session' is already used by TF201"),
    (("TF209", "control-dependencies", "graph", "Session"), "class Session already exists"),
    (("TF209", "control-dependencies", "training", "ControlDependencies"), "belongs to family TF2xx"),
    (("TF209", "use-tf-function", "graph", "UseTfFunction"), "not the remedy"),
    (("TF2099", "control-dependencies", "graph", "ControlDependencies"), "must look like TF204"),
    (("TF209", "Control_Dependencies", "graph", "ControlDependencies"), "kebab-case"),
    (("TF209", "control-dependencies", "graphs", "ControlDependencies"), "is not one of"),
])
def test_scaffold_refuses_conflicts_and_writes_nothing(tree, args, says):
    before = _snapshot(tree)
    proc = _run(tree, "scripts/add_rule.py", *args)
    assert proc.returncode == 2
    assert says in proc.stderr
    assert _snapshot(tree) == before


def test_scaffold_refuses_a_code_it_created_itself(tree):
    assert _run(tree, "scripts/add_rule.py", *NEW).returncode == 0
    again = _run(tree, "scripts/add_rule.py", "TF209", "other-pattern", "graph", "OtherPattern")
    assert again.returncode == 2
    assert "code TF209 is already used by ControlDependencies" in again.stderr


def test_register_keeps_imports_sorted_and_appends_after_the_highest_code():
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import add_rule
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    init = textwrap.dedent("""\
        from tf2port.rules.base import Example, Rule
        from tf2port.rules.graph.session import Session

        ALL_RULES: tuple[type[Rule], ...] = (
            Session,
        )
        """)
    out = add_rule.register(init, "tf2port.rules.inputs.queue_runner", "QueueRunner", "TF601", {"Session": "TF201"})
    assert out == textwrap.dedent("""\
        from tf2port.rules.base import Example, Rule
        from tf2port.rules.graph.session import Session
        from tf2port.rules.inputs.queue_runner import QueueRunner

        ALL_RULES: tuple[type[Rule], ...] = (
            Session,
            QueueRunner,
        )
        """)
    out = add_rule.register(init, "tf2port.rules.api.renamed_api", "RenamedApi", "TF101", {"Session": "TF201"})
    assert out.index("renamed_api import RenamedApi") < out.index("base import")
    assert out.index("    RenamedApi,") < out.index("    Session,")
