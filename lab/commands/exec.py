"""`seclab exec`: run a local command under a seccomp profile, as a container runtime would."""

from __future__ import annotations

import os
import pwd
import signal
import sys
from collections.abc import Callable
from types import FrameType

import click

from lab.launcher import EXIT_CANNOT_RUN, EXIT_NOT_FOUND
from lab.paths import resolve_profile
from lab.profile.compile import (
    CompiledProfile,
    CompileError,
    compile_profile,
    describe_compiled,
)
from lab.profile.diagnostics import ProfileError
from lab.profile.lint import load_profile
from lab.profile.model import Profile
from lab.sandbox import RunAs, SandboxedProcess, SandboxOutcome, invoking_user, start_sandboxed

HELP = """Run CMD on this machine's kernel under the seccomp profile PROFILE.

seclab compiles the profile with libseccomp, starts a fresh launcher process that loads the
filter, and has it exec CMD, as runc does for a container. PROFILE is a path, the name of one
of the lab's profiles (block-mkdir.json, or just block-mkdir), or `unconfined` for no filter.
A profile that fails `seclab lint` is refused with the lint message.

\b
Examples:
  seclab exec --profile block-mkdir.json -- mkdir /tmp/x      ERRNO: mkdir fails, nothing dies
  seclab exec --profile kill-mkdir.json -- mkdir /tmp/x       KILL: SIGSYS, exit status 159
  seclab exec --profile audit.json -- ls /                    LOG: runs, and leaves audit records
  seclab exec --profile violation.json -- true                the exec itself is denied
  seclab exec -v --profile fine-grained-local.json -- python3 -m lab.workloads.http_echo -text=hi

\b
Who runs CMD: under `sudo seclab exec`, CMD runs as the user who ran sudo (SUDO_UID,
SUDO_GID and that user's groups), without root's privileges or capabilities, and seclab says
so on stderr. --as-root runs it as root instead. Run without sudo, CMD runs as you.

\b
Exit status: the command's own; 128+N when signal N killed it (159 for SIGSYS);
126 when the command could not be started; 127 when it was not found;
125 when seclab refused the profile; 2 on usage errors.
"""
EXIT_REFUSED = 125
# A program that prints nothing and exits 127 under a deny-by-default profile is most often the
# dynamic loader failing to map its libraries: allow-lists are written for one program.
_STATUS_127_HINT = (
    "status 127 under a profile that denies by default: if the command printed nothing, the "
    "dynamic loader could not load its libraries. An allow-list fits the program it was "
    "recorded for; `seclab record -- CMD` finds what this one needs."
)
_SHOWN_NAMES = 20  # unknown syscall names listed; `seclab lint` lists them all
Handler = Callable[[int, FrameType | None], None] | int | signal.Handlers


def load(name: str) -> Profile:
    """The profile named on the command line, linted; ClickException with the diagnostics."""
    if not name.strip():
        raise click.BadParameter(
            "is empty: give a profile file, a lab profile's name (audit.json) or unconfined",
            param_hint="'--profile'",
        )
    if name == "-":
        raise click.BadParameter(
            "cannot be - : standard input stays the command's; give the profile as a file",
            param_hint="'--profile'",
        )
    try:
        return load_profile(name)
    except ProfileError as exc:
        raise _refused(f"refusing profile {resolve_profile(name)}:\n{exc}") from None


class _Refused(click.ClickException):
    """A profile or command seclab will not run; exits like `docker run` does for its own errors."""

    exit_code = EXIT_REFUSED


def _refused(message: str) -> click.ClickException:
    return _Refused(message)


@click.command("exec", help=HELP, context_settings={"allow_interspersed_args": False})
@click.option(
    "--profile",
    "-p",
    "profile_name",
    required=True,
    metavar="PROFILE",
    help="A profile file, a lab profile's name (audit.json), or `unconfined`.",
)
@click.option("--verbose", "-v", is_flag=True, help="Show what was compiled before running.")
@click.option(
    "--as-root",
    is_flag=True,
    help="Under sudo, run CMD as root (default: as the user who ran sudo).",
)
@click.argument("cmd", nargs=-1, required=True, type=click.UNPROCESSED, metavar="-- CMD [ARGS]...")
def command(profile_name: str, verbose: bool, as_root: bool, cmd: tuple[str, ...]) -> None:
    """Run a command under a profile."""
    profile = None if profile_name.lower() == "unconfined" else load(profile_name)
    compiled = None
    if profile is not None:
        try:
            compiled = compile_profile(profile)  # the only compilation: the launcher loads it
        except CompileError as exc:
            raise _refused(f"cannot enforce {profile_name}: {exc}") from None
        lines = describe_compiled(compiled) if verbose else []
        if compiled.unknown_syscalls and not verbose:
            unknown = compiled.unknown_syscalls
            names = ", ".join(unknown[:_SHOWN_NAMES])
            more = f" and {len(unknown) - _SHOWN_NAMES} more" if len(unknown) > _SHOWN_NAMES else ""
            lines.append(f"ignoring unknown syscalls, as runc does: {names}{more}")
        for line in lines:
            click.echo(f"seclab exec: {line}", err=True)
    run_as = None if as_root else invoking_user()
    if run_as is not None:
        click.echo(f"seclab exec: running {cmd[0]} as {who(run_as)}; --as-root runs it as root",
                   err=True)  # fmt: skip
    outcome = _run(profile, compiled, cmd, run_as)
    message = outcome.message()
    if message:
        click.echo(f"seclab exec: {message}", err=True)
    elif outcome.exit_code == EXIT_NOT_FOUND and _denies_by_default(profile):
        click.echo(f"seclab exec: {_STATUS_127_HINT}", err=True)
    sys.exit(outcome.exit_code)


def who(user: RunAs) -> str:
    """`alice (uid 1000), the user who ran sudo`."""
    return f"{user.name} (uid {user.uid}), the user who ran sudo"


def _run(
    profile: Profile | None, compiled: CompiledProfile | None, cmd: tuple[str, ...],
    run_as: RunAs | None = None,
) -> SandboxOutcome:  # fmt: skip
    """Start the command and wait for its verdict, never leaving it behind."""
    proc: SandboxedProcess | None = None
    pending: list[int] = []

    # SIGTERM and SIGHUP sent to seclab are passed on, so the command is never left behind.
    # Their handlers go in before the start: a signal in between is kept and passed on after.
    def forward(signum: int, _frame: FrameType | None) -> None:
        if proc is None:
            pending.append(signum)
        else:
            proc.send_signal(signum)

    handlers: dict[signal.Signals, Handler] = {signal.SIGTERM: forward, signal.SIGHUP: forward}
    previous = {sig: signal.signal(sig, handler) for sig, handler in handlers.items()}
    try:
        try:
            proc = start_sandboxed(profile, cmd, stdin=None, compiled=compiled, run_as=run_as)
        except OSError as exc:  # the launcher's interpreter itself could not be run
            return SandboxOutcome(_shell_code(exc), launch_error=_cannot_start_launcher(exc))
        # Ctrl-C reaches the command through the terminal, so seclab only waits for its
        # verdict. Ignored only now: the command must not inherit an ignored SIGINT.
        previous[signal.SIGINT] = signal.signal(signal.SIGINT, signal.SIG_IGN)
        for signum in pending:
            proc.send_signal(signum)
        return proc.outcome()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _shell_code(exc: OSError) -> int:
    return EXIT_NOT_FOUND if isinstance(exc, FileNotFoundError) else EXIT_CANNOT_RUN


def _cannot_start_launcher(exc: OSError) -> str:
    """Why the launcher (seclab's own Python, not CMD) did not start, and what to do."""
    missing = isinstance(exc, FileNotFoundError)
    why = "is not there" if missing else f"cannot be run by {_user_name()}"
    return (
        f"cannot run seclab's launcher: its Python interpreter {sys.executable} {why} "
        f"({exc.strerror or exc}), so the command did not start. Install seclab with a Python "
        "this user can run (a venv outside /root, whose interpreter is root's alone), or run "
        "seclab as root."
    )


def _user_name() -> str:
    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        return f"uid {os.geteuid()}"


def _denies_by_default(profile: Profile | None) -> bool:
    return profile is not None and profile.default_action not in ("SCMP_ACT_ALLOW", "SCMP_ACT_LOG")
