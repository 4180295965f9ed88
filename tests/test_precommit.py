"""The pre-commit hooks, run by the real ``pre-commit`` on a throwaway git repository.

pre-commit builds each hook environment with pip from PyPI (about 40 s per
environment here), so this module makes exactly two: one through ``try-repo``
on the project itself, one through a config pinned to a snapshot commit with
``PRE_COMMIT_HOME`` in the test's temp folder, which is then inspected for
TensorFlow. ``try-repo`` keeps its environments in a temporary store that is
deleted when it exits, which is why the second route exists.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / ".pre-commit-hooks.yaml"

TF1_SOURCE = """\
import tensorflow as tf

x = tf.placeholder(tf.float32, [None, 3])
total = tf.reduce_sum(x, axis=1, keep_dims=True)
with tf.Session() as sess:
    print(sess.run(total, feed_dict={x: [[1.0, 2.0, 3.0]]}))
"""

TF2_SOURCE = """\
import tensorflow as tf


@tf.function
def total(x):
    return tf.reduce_sum(x, axis=1, keepdims=True)


print(total(tf.constant([[1.0, 2.0, 3.0]])).numpy())
"""

GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid",
           "GIT_CONFIG_NOSYSTEM": "1"}

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed"),
]


def _env(home: Path | None = None) -> dict[str, str]:
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_COLOR": "never", "TF2PORT_NO_CACHE": "1"}
    env.pop("SKIP", None)
    if home is not None:
        env["PRE_COMMIT_HOME"] = str(home)
    return env


def _git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, env=_env(), check=True, capture_output=True,
                          text=True).stdout


def _pre_commit(*args: str, cwd: Path, home: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pre_commit", *args], cwd=cwd, env=_env(home),
                          capture_output=True, text=True, timeout=900)


def _user_repo(path: Path) -> Path:
    """A git repository holding one TF1 and one TF2 file, both staged."""
    path.mkdir()
    _git("init", "-q", cwd=path)
    (path / "old_model.py").write_text(TF1_SOURCE)
    (path / "new_model.py").write_text(TF2_SOURCE)
    _git("add", "old_model.py", "new_model.py", cwd=path)
    return path


def _snapshot(dest: Path) -> str:
    """Commit the project's tracked files as they are on disk (HEAD + uncommitted edits).

    This is the tree ``try-repo`` would use; a config can then pin its commit.
    """
    tracked = _git("ls-files", "-z", cwd=ROOT).split("\0")
    dest.mkdir()
    for rel in filter(None, tracked):
        src = ROOT / rel
        if src.is_file():
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, target)
    _git("init", "-q", cwd=dest)
    _git("add", "-A", cwd=dest)
    _git("commit", "-q", "--no-gpg-sign", "-m", "snapshot", cwd=dest)
    return _git("rev-parse", "HEAD", cwd=dest).strip()


@pytest.fixture(scope="module")
def hook_setup(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """(user repo, config file, PRE_COMMIT_HOME) with the hook environment installed once."""
    if not (ROOT / ".git").exists():
        pytest.skip("the project is not a git checkout; pre-commit needs one")
    base = tmp_path_factory.mktemp("precommit")
    snapshot = base / "tf2port-snapshot"
    rev = _snapshot(snapshot)
    config = base / "pre-commit-config.yaml"
    config.write_text(f"repos:\n- repo: {snapshot}\n  rev: {rev}\n  hooks:\n"
                      "  - id: tf2port-lint\n  - id: tf2port-fix\n")
    home = base / "pre-commit-home"
    user = _user_repo(base / "user")
    done = _pre_commit("install-hooks", "--config", str(config), cwd=user, home=home)
    assert done.returncode == 0, done.stdout + done.stderr
    return user, config, home


def _hook_env(home: Path) -> Path:
    envs = sorted(home.glob("repo*/py_env-*"))
    assert len(envs) == 1, f"expected one python hook environment under {home}: {envs}"
    return envs[0]


def test_manifest_declares_both_hooks_for_python_and_notebooks() -> None:
    text = MANIFEST.read_text()
    for hook, entry in (("tf2port-lint", "tf2port lint"), ("tf2port-fix", "tf2port fix")):
        block = text.split(f"- id: {hook}\n", 1)[1].split("\n- id:", 1)[0]
        assert f"entry: {entry}\n" in block
        assert "language: python\n" in block
        assert "types_or: [python, jupyter]\n" in block
        assert "additional_dependencies" not in block  # core deps come from pyproject only


def test_try_repo_lint_fails_on_tf1_file_only(tmp_path: Path) -> None:
    user = _user_repo(tmp_path / "user")
    done = _pre_commit("try-repo", str(ROOT), "tf2port-lint", "--files", "old_model.py",
                       "new_model.py", cwd=user)
    out = done.stdout + done.stderr
    assert done.returncode == 1, out
    assert "tf2port lint" in out and "Failed" in out
    assert "old_model.py:3:5: TF202" in out  # the placeholder, at its exact place
    assert "new_model.py:" not in out  # the TF2 file has no findings


def test_fix_hook_rewrites_the_tf1_file(hook_setup: tuple[Path, Path, Path]) -> None:
    user, config, home = hook_setup
    done = _pre_commit("run", "tf2port-fix", "--config", str(config), "--files", "old_model.py",
                       cwd=user, home=home)
    out = done.stdout + done.stderr
    assert done.returncode == 1, out  # pre-commit fails a hook that modified files
    assert "files were modified by this hook" in out
    fixed = (user / "old_model.py").read_text()
    assert fixed != TF1_SOURCE
    assert "keep_dims" not in fixed and "keepdims=True" in fixed
    assert (user / "new_model.py").read_text() == TF2_SOURCE


def test_lint_hook_passes_a_tf2_file(hook_setup: tuple[Path, Path, Path]) -> None:
    user, config, home = hook_setup
    done = _pre_commit("run", "tf2port-lint", "--config", str(config), "--files", "new_model.py",
                       cwd=user, home=home)
    out = done.stdout + done.stderr
    assert done.returncode == 0, out
    assert "tf2port lint" in out and "Passed" in out


def test_hook_environment_has_core_deps_and_no_tensorflow(hook_setup: tuple[Path, Path, Path]) -> None:
    _, _, home = hook_setup
    python = _hook_env(home) / "bin" / "python"
    listing = subprocess.run([str(python), "-m", "pip", "list", "--format=freeze"],
                             capture_output=True, text=True, check=True).stdout
    names = {line.split("==")[0].lower().replace("_", "-") for line in listing.splitlines()}
    assert {"tf2port", "libcst", "click"} <= names, names
    assert not {n for n in names if n.startswith(("tensorflow", "tf-keras", "keras"))}, names
    probe = subprocess.run([str(python), "-c", "import importlib.util as u; "
                            "print(u.find_spec('tensorflow'), u.find_spec('tf2port') is not None)"],
                           capture_output=True, text=True, check=True).stdout.split()
    assert probe == ["None", "True"]
