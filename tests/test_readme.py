"""The README's two commands are the contract with newcomers and with CI."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    block = re.search(r"```bash\n(.*?)```", text, re.S)
    assert block, "README must open with a bash block"
    return [line for line in block.group(1).splitlines() if line and not line.startswith("#")]


def test_readme_opens_with_the_two_commands():
    commands = _readme_commands()
    assert len(commands) == 2
    assert commands[0].startswith("pip install -e \".[tf]\" && tf2port ")
    assert commands[1] == 'pip install -e ".[test]" && python -m pytest -q'


def test_ci_runs_exactly_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    assert _readme_commands()[1] in ci.splitlines()


def test_readme_documents_every_cli_command():
    from tf2port.cli import LAZY_COMMANDS

    text = (ROOT / "README.md").read_text()
    for command in LAZY_COMMANDS:
        assert f"tf2port {command}" in text, command
