"""The ``tf2port`` command group.

Subcommands are imported only when invoked, so ``tf2port lint`` never pays for
verify/train (which import TensorFlow). Exit codes: 0 clean, 1 findings / would
change / mismatch, 2 usage, config, parse or internal error (2 wins over 1).
"""
from __future__ import annotations

import importlib

import click

# name -> "module:attribute" of a click.Command; imported on first use.
LAZY_COMMANDS: dict[str, str] = {
    "lint": "tf2port.commands:lint_command",
    "fix": "tf2port.commands:fix_command",
    "rules": "tf2port.commands:rules_command",
    "explain": "tf2port.commands:explain_command",
    "verify": "tf2port.verify.cli:verify_command",
    "train": "tf2port.train.cli:train_command",
    "report": "tf2port.report.html:report_command",
    "ckpt": "tf2port.ckpt.cli:ckpt_group",
}


class LazyGroup(click.Group):
    """A click group whose subcommands live in other modules, loaded on demand."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(LAZY_COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = LAZY_COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:  # an optional part is not built/installed
            raise click.UsageError(f"'{cmd_name}' is not available: {exc}") from exc
        return getattr(module, attr)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="tf2port")
def cli() -> None:
    """Migrate TensorFlow 1.x code to TensorFlow 2 and prove the migration right."""


def main() -> None:
    """Console entry point; click turns usage errors into exit code 2."""
    cli(prog_name="tf2port")
