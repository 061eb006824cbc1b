"""The `seclab` command: a click group whose subcommands load only when they are used."""

from __future__ import annotations

import difflib
import importlib
import signal
import sys
from collections.abc import Callable
from types import FrameType

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
    "workspace": "lab.commands.workspace:command",
    "check": "lab.commands.check:command",
    "record": "lab.commands.record:command",
    "profile": "lab.commands.profile:command",
    "doctor": "lab.commands.doctor:command",
    "prepare": "lab.commands.prepare:command",
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

    def invoke(self, ctx: click.Context) -> object:
        # click turns Ctrl-C into "Aborted!" and status 1; a learner's Ctrl-C is not a failure,
        # and scripts expect 130 (128 + SIGINT), as a shell reports it.
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            raise click.exceptions.Exit(130) from None

    def make_context(
        self, info_name: str | None, args: list[str], parent: click.Context | None = None,
        **extra: object,
    ) -> click.Context:  # fmt: skip
        # Parsing imports the command's module: a Ctrl-C there would be click's "Aborted!"
        # and status 1.
        try:
            return super().make_context(info_name, args, parent, **extra)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            raise click.exceptions.Exit(130) from None

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name = args[0] if args else ""
        if name and not name.startswith("-") and name not in COMMANDS:
            close = difflib.get_close_matches(name, list(COMMANDS), n=1)
            hint = f" Did you mean `seclab {close[0]}`?" if close else ""
            ctx.fail(f"No such command {name!r}.{hint} `seclab --help` lists them.")
        return super().resolve_command(ctx, args)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        command = getattr(importlib.import_module(module_name), attr)
        assert isinstance(command, click.Command)
        _interrupts_raise()  # the imports are done
        return command


@click.group(cls=LazyGroup, epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="seclab")
def cli() -> None:
    """An interactive lab that teaches Linux seccomp through Kubernetes and Docker.

    Every exercise runs for real: on this machine's kernel (the local target), in Docker, or on a
    kind cluster, while the kernel's seccomp audit records are decoded as they arrive.
    """


def _terminated(signum: int, _frame: FrameType | None) -> None:
    # An exception, unlike the default action, runs every `finally` and context manager on the
    # way out: the commands a runner started in their own sessions (kind create, docker) are
    # killed, and temporary state is removed. Commands with their own handlers replace this.
    # A second signal must not cut that cleanup short: from now on both are ignored.
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)
    raise SystemExit(128 + signum)


_interrupted: list[Callable[[], bool]] = []


def _interrupts_raise() -> None:
    """Ctrl-C is KeyboardInterrupt again, now that the command's modules are imported (lab.entry
    only noted it until now: raised inside importlib it can leave the import lock held); one
    noted meanwhile ends seclab now."""
    if not _interrupted:
        return
    noted = _interrupted.pop()
    if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    if noted():
        raise KeyboardInterrupt


def main(interrupted: Callable[[], bool] | None = None) -> None:
    """Ctrl-C ends quietly with the conventional status 130. `interrupted` says whether one
    came while seclab was still importing (lab.entry notes it instead of raising)."""
    for sig in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(sig) is signal.SIG_DFL:  # an ignored signal stays ignored (nohup)
            signal.signal(sig, _terminated)
    if interrupted is not None:
        _interrupted.append(interrupted)
    try:
        cli.main(prog_name="seclab")
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)


if __name__ == "__main__":
    main()
