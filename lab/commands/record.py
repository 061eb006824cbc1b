"""`seclab record [--target T] [--out FILE] -- CMD…`: observe a command, write its allow-list."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

import click

from lab.course.model import TARGETS
from lab.profile.model import Profile
from lab.profile.record import RunUnder


def local_runner(argv: Sequence[str], timeout: float) -> RunUnder:
    """Run the command on this kernel under each candidate profile; its pid for the records."""
    from lab.sandbox import run_sandboxed

    def run(profile: Profile) -> list[int]:
        result = run_sandboxed(profile, argv, timeout=timeout)
        return [result.pid]

    return run


@click.command("record")
@click.option("--target", "-t", type=click.Choice(TARGETS), default="local", show_default=True)
@click.option(
    "--out",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the profile here (default: print it).",
)
@click.option(
    "--timeout",
    type=float,
    default=60,
    show_default=True,
    help="Seconds each run of the command may take (local target).",
)
@click.option("--max-iterations", type=click.IntRange(1, 20), default=5, show_default=True)
@click.argument("argv", nargs=-1, required=True, metavar="-- CMD…")
def command(
    target: str, out: Path | None, timeout: float, max_iterations: int, argv: tuple[str, ...]
) -> None:
    """Run CMD under LOG, list its syscalls, write an allow-list (default ERRNO) and verify it
    under default LOG until no record is left. Needs root (the kernel's audit records).

    \b
    On docker and kind, CMD runs as the busybox workload (keep it running, e.g. a server);
    the container runtime's own syscalls are added to the list.
    \b
      sudo seclab record --out echo.json -- python3 -m lab.workloads.http_echo -text=hi
      sudo seclab record -- busybox mkdir /tmp/x
    """
    from lab.audit.capture import AuditCapture
    from lab.audit.sources import SourceUnavailable
    from lab.profile.record import profile_json, record
    from lab.targets.base import TargetError
    from lab.targets.proctree import ForkWatcher

    def say(text: str) -> None:
        click.echo(text, err=True)

    try:
        # Fork events widen the match to the command's children (a shell's commands).
        with AuditCapture() as capture, ForkWatcher() as forks:
            if target == "local":
                outcome = record(
                    local_runner(argv, timeout),
                    capture,
                    on_progress=say,
                    max_iterations=max_iterations,
                    descendants=forks.descendants,
                )
            else:
                from lab.course.recording import record_workload
                from lab.targets.factory import make_target

                outcome = record_workload(
                    make_target(target),
                    f"record-{os.getpid()}",  # two recordings never share a name
                    "busybox",
                    audit=capture,
                    args=argv,
                    on_progress=say,
                    max_iterations=max_iterations,
                    forks=forks,
                )
    except (OSError, RuntimeError, TargetError, SourceUnavailable) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    say(outcome.summary())
    text = profile_json(outcome.profile)
    if out is None:
        click.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        say(f"wrote {out}")
    sys.exit(0 if outcome.verified else 1)
