"""Which `datadive` command a container's arguments run, asked of the real CLI."""

from __future__ import annotations

from typer.testing import CliRunner

from datadive.cli import cli


def usage_of(arguments: list[str]) -> str:
    """The usage line of the command these arguments run ("exit 2" for an unknown command or
    option, as the container would stop). `--help` is eager: nothing runs."""
    result = CliRunner().invoke(cli, [*arguments, "--help"])
    if result.exit_code != 0:
        return f"exit {result.exit_code}"
    return next(line.strip() for line in result.output.splitlines() if "Usage:" in line)
