"""`seclab record [--target T] [--out FILE] -- CMD…`: observe a command, write its allow-list."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import click

from lab.course.model import TARGETS
from lab.targets.local.record import CannotRecord, local_runner

HELP = """Run CMD under LOG, list its syscalls, write an allow-list (default ERRNO) and verify it
under default LOG until no record is left. Needs root (the kernel's audit records).

\b
The profile covers what CMD did while it was recorded: record it as it will really run (same
arguments, same working folder), and let it finish normally. On docker and kind, CMD runs as
the busybox workload (keep it running, e.g. a server); the container runtime's own syscalls
are added to the list.

\b
--out FILE is written only when the recording is complete (never half a file); an existing
FILE is kept unless --force is given.

\b
Who runs CMD (local): under `sudo seclab record`, CMD runs as the user who ran sudo (SUDO_UID,
SUDO_GID and that user's groups), without root's privileges or capabilities, and seclab says
so on stderr; --as-root runs it as root. Recording needs root for the audit records only.

\b
Exit status: 0 when the profile was verified (no record left), 1 when records remained after
the last verification run (the profile is still written), 2 when nothing could be recorded
(no audit access, CMD cannot start, --out unusable), 130 when interrupted.
"""

EPILOG = """\b
Examples:
  sudo seclab record --out echo.json -- python3 -m lab.workloads.http_echo -text=hi
  sudo seclab record -- busybox mkdir /tmp/x          print the profile
  sudo seclab record -t docker -o sh.json -- sh -c 'mkdir -p /tmp/x && sleep 2'
"""


def check_out(out: Path, force: bool) -> None:
    """Refuse, before recording, an --out that cannot be written or would replace a file."""
    folder = out.parent
    if not folder.is_dir():
        raise click.BadParameter(
            f"the folder {folder} does not exist; create it first", param_hint="--out"
        )
    if not os.access(folder, os.W_OK):
        raise click.BadParameter(f"the folder {folder} is not writable", param_hint="--out")
    if out.exists() and not force:
        raise click.BadParameter(
            f"{out} exists and is kept; choose another name, or add --force to replace it",
            param_hint="--out",
        )


def write_atomically(out: Path, text: str) -> None:
    """Write through a temporary file in the same folder: never half a profile under that name."""
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, out)
    except BaseException:
        os.unlink(tmp)
        raise


@click.command("record", help=HELP, epilog=EPILOG)
@click.option("--target", "-t", type=click.Choice(TARGETS), default="local", show_default=True)
@click.option(
    "--out",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the profile here (default, or -: print it).",
)
@click.option("--force", is_flag=True, help="Replace --out if it exists.")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=60,
    show_default=True,
    help="Seconds each run may take (local); a command still running then (a server) is stopped.",
)
@click.option(
    "--max-iterations",
    type=click.IntRange(1, 20),
    default=5,
    show_default=True,
    help="Verification runs before giving up.",
)
@click.option(
    "--as-root",
    is_flag=True,
    help="Under sudo, run CMD as root (default: as the user who ran sudo; local target).",
)
@click.argument("argv", nargs=-1, required=True, metavar="-- CMD…")
def command(
    target: str,
    out: Path | None,
    force: bool,
    timeout: float,
    max_iterations: int,
    as_root: bool,
    argv: tuple[str, ...],
) -> None:
    from lab.audit.capture import AuditCapture
    from lab.audit.source import SourceUnavailable
    from lab.course.interrupts import first_interrupt_only
    from lab.profile.record import profile_json, record
    from lab.targets.base import TargetError
    from lab.targets.proctree import ForkWatcher

    def say(text: str) -> None:
        click.echo(text, err=True)

    run_as = None
    if target == "local" and not as_root:
        from lab.commands.exec import who
        from lab.sandbox import invoking_user

        run_as = invoking_user()
        if run_as is not None:
            say(f"seclab record: running {argv[0]} as {who(run_as)}; --as-root runs it as root")
    if out == Path("-"):  # the usual word for standard output, not a file called "-"
        out = None
    if out is not None:
        check_out(out, force)
    try:
        # Fork events widen the match to the command's children (a shell's commands).
        with (
            first_interrupt_only("still stopping what the recording started; one moment…"),
            AuditCapture() as capture,
            ForkWatcher() as forks,
        ):
            if target == "local":
                outcome = record(
                    local_runner(argv, timeout, say, run_as),
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
    except CannotRecord as exc:
        click.echo(f"error: cannot record: {exc}", err=True)
        sys.exit(2)
    except (OSError, RuntimeError, TargetError, SourceUnavailable) as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    say(outcome.summary())
    text = profile_json(outcome.profile)
    if out is None:
        click.echo(text, nl=False)
    else:
        try:
            write_atomically(out, text)
        except OSError as exc:  # the folder went away, or the disk is full: show the profile
            click.echo(f"error: cannot write {out}: {exc.strerror}; the profile:", err=True)
            click.echo(text, nl=False)
            sys.exit(2)
        say(f"wrote {out}")
    sys.exit(0 if outcome.verified else 1)
