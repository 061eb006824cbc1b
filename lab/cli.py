"""The `seclab` command: a click group whose subcommands load only when they are used."""

from __future__ import annotations

import importlib
import sys

import click

from lab import __version__

# name -> "module:attribute" of a click.Command. Loading lazily keeps `seclab --help` and
# `seclab start` fast: Textual, the docker SDK and libseccomp load only for the commands that
# need them. Keep this table sorted by the order a learner meets the commands.
COMMANDS: dict[str, str] = {
    "lint": "lab.commands.lint:command",
    "explain": "lab.commands.explain:command",
    "exec": "lab.commands.exec:command",
    "watch": "lab.commands.watch:command",
    "cluster": "lab.commands.cluster:command",
    "lessons": "lab.commands.lessons:command",
    "run": "lab.commands.run:command",
    "record": "lab.commands.record:command",
    "profile": "lab.commands.profile:command",
    "doctor": "lab.commands.doctor:command",
    "reset": "lab.commands.reset:command",
    "start": "lab.commands.start:command",
    "serve": "lab.commands.serve:command",
}

EPILOG = """\b
Start here:
  seclab lint profiles/*.json          check profiles before a runtime silently ignores a mistake
  seclab exec --profile block-mkdir.json -- mkdir /tmp/x
  dmesg | seclab explain               decode the kernel's seccomp audit lines
"""


class LazyGroup(click.Group):
    """A group that imports a subcommand's module on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        command = getattr(importlib.import_module(module_name), attr)
        assert isinstance(command, click.Command)
        return command


@click.group(cls=LazyGroup, epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="seclab")
def cli() -> None:
    """An interactive lab that teaches Linux seccomp through Kubernetes and Docker.

    Every exercise runs for real: on this machine's kernel (the local target), in Docker, or on a
    kind cluster, while the kernel's seccomp audit records are decoded as they arrive.
    """


def main() -> None:
    """Console-script entry point; Ctrl-C ends quietly with the conventional status 130."""
    try:
        cli.main(prog_name="seclab")
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)


if __name__ == "__main__":
    main()
