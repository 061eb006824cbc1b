"""`seclab run LESSON --target T [--auto]`: a lesson in the plain terminal, checks included."""

from __future__ import annotations

import contextlib
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from lab.course.errors import LessonError
from lab.course.interrupts import first_interrupt_only
from lab.course.model import TARGETS, Lesson, Step
from lab.course.runner import LessonRunner
from lab.course.transcript import Printer

KEYS = "Enter: check   h: hint   s: show and do the solution   q: quit"


class InputClosed(Exception):
    """Standard input ended while the lesson waited for a key."""


@contextlib.contextmanager
def observers(echo: Any, problems: list[str] | None = None) -> Iterator[tuple[Any, Any]]:
    """The kernel's seccomp records and fork events for audit checks; None when unavailable.

    Why the records cannot be read is appended to `problems`, for the checks to repeat it.
    """
    with contextlib.ExitStack() as stack:
        capture = forks = None
        try:
            from lab.audit.capture import AuditCapture
            from lab.audit.reach import delivery_problem

            capture = stack.enter_context(AuditCapture())
            why = delivery_problem(capture)
            if why:  # joined, yet nothing will ever arrive: say so now rather than wait
                capture = None
                raise RuntimeError(why)
        except Exception as exc:  # it only disables the audit checks, and says so
            echo(f"note: audit records cannot be read here ({exc}); audit checks are skipped.")
            if problems is not None:
                problems.append(str(exc))
        if capture is not None:
            try:
                from lab.targets.proctree import ForkWatcher

                forks = stack.enter_context(ForkWatcher())
            except OSError as exc:  # then only the workload's own pids are matched
                echo(f"note: fork events cannot be read here ({exc}).")
        yield capture, forks


def build_target(name: str) -> Any:
    from lab.targets.factory import make_target

    return make_target(name)


def interactive(runner: LessonRunner, printer: Printer) -> None:
    """Each step waits for the learner: check, hint, solution or quit."""
    for index, step in enumerate(runner.steps(), 1):
        if step.predict is not None:
            _predict(runner, step, index)
        if not runner.begin_step(step, index):
            continue
        if not step.checks:
            runner.finish_step(step, True)
            _ask("Enter to continue", "")
            continue
        while not _attempt(runner, step):
            pass


def _predict(runner: LessonRunner, step: Step, index: int) -> None:
    """Predict, then run: the learner answers before the step's commands run."""
    assert step.predict is not None
    click.echo(f"\n-- step {index}: {step.title}\nPredict, then run: {step.predict.question}")
    for number, choice in enumerate(step.predict.choices, 1):
        click.echo(f"  {number}) {choice}")
    count = len(step.predict.choices)
    while True:
        answer = _ask(f"Your prediction (1-{count}, Enter to skip)", "").strip()
        if not answer:
            return
        if answer.isdigit() and 1 <= int(answer) <= count:
            runner.predict(step, int(answer) - 1)
            click.echo("Kept. Now the run.")
            return
        click.echo(f"Answer with a number from 1 to {count}.")


def _attempt(runner: LessonRunner, step: Step) -> bool:
    key = _ask(KEYS, "").strip().lower()[:1]  # "hint", "quit" and "solution" work too
    if key not in ("", "q", "h", "s"):
        click.echo(f"Not a key here. {KEYS}")
        return False
    if key == "q":
        raise click.Abort
    if key == "h":
        if runner.next_hint(step) is None:
            click.echo("No more hints: press s for the solution.")
        return False
    if key == "s":
        runner.solve(step)
    passed = runner.run_checks(step)
    if passed or key == "s":
        runner.finish_step(step, passed)
        return True
    return False


def _ask(prompt: str, default: str) -> str:
    # input(), not click.prompt: click turns end of input into the same Abort as Ctrl-C, and
    # a closed standard input deserves its own message.
    if sys.stdin is None:  # started with `<&-`: input() would raise RuntimeError
        raise InputClosed
    try:
        return input(f"{prompt} > ") or default
    except EOFError:
        raise InputClosed from None


HELP = """Play LESSON in this terminal: each step's text, the commands the target runs, and the
checks, with hints when a check fails.

\b
LESSON is an id (`seclab lessons` lists them) or the path to a lesson file of your own; a file
with a mistake is refused with its line and a fix. Without --auto each step waits for a key:
  Enter  check          h  next hint
  s      show the solution and do it for me          q  quit (as Ctrl-C does)
Whatever the lesson started is removed when it ends, on q, Ctrl-C or SIGTERM. Audit checks
read the kernel's seccomp records, which needs root in the host's network namespace; without
that they are skipped, each saying why (and steps that record a profile are skipped).

\b
Exit status: 0 when every check passed, 1 when one failed, 2 when the lesson, the target,
standard input or the data folder (an exercise's files) cannot be used, 130 when interrupted.
"""

EPILOG = """\b
Examples:
  seclab run block-mkdir --auto               every step, unattended, on this kernel
  sudo seclab run audit --target docker       the same lesson in Docker, step by step
  seclab run ./my-lesson.yaml --target kind   your own lesson on the lab's kind cluster
"""


@click.command("run", help=HELP, epilog=EPILOG)
@click.argument("lesson_ref", metavar="LESSON")
@click.option(
    "--target",
    "-t",
    type=click.Choice(TARGETS),
    default="local",
    show_default=True,
    help="This kernel, Docker, or the lab's kind cluster (`seclab doctor` says which work).",
)
@click.option("--auto", is_flag=True, help="Perform every step unattended, solutions included.")
@click.option("--reset", is_flag=True, help="Forget this lesson's progress on the target first.")
def command(lesson_ref: str, target: str, auto: bool, reset: bool) -> None:
    from lab.course.loader import find_lesson
    from lab.course.progress import ProgressStore

    try:
        lesson = find_lesson(lesson_ref)
    except LessonError as exc:
        click.echo(exc.format(), err=True)
        sys.exit(2)
    if not lesson.supports(target):
        click.echo(f"{lesson.id} does not run on {target}: {lesson.why_not(target)}", err=True)
        sys.exit(2)
    progress = ProgressStore(warn=lambda text: click.echo(f"warning: {text}", err=True))
    if reset:
        try:
            progress.reset_lesson(lesson.id, target)
        except OSError as exc:  # no state folder: there is no progress to forget either
            click.echo(f"warning: progress not reset: {exc}", err=True)
    sys.exit(play(lesson, target, auto=auto, progress=progress))


def play(lesson: Lesson, target_name: str, *, auto: bool, progress: Any) -> int:
    """Run the lesson; the exit status of `seclab run`."""
    from lab.paths import StateDirError
    from lab.targets.base import TargetError

    printer = Printer(click.echo)
    try:
        target = build_target(target_name)
    except (TargetError, ImportError) as exc:
        click.echo(f"the {target_name} target cannot be used here: {exc}", err=True)
        return 2
    note = "still removing what this lesson started; one moment…"
    problems: list[str] = []
    with (
        first_interrupt_only(note),
        contextlib.ExitStack() as stack,
        observers(click.echo, problems) as (capture, forks),
    ):
        if hasattr(target, "close"):  # the local target stops what it started, even on errors
            stack.callback(target.close)
        runner = LessonRunner(
            lesson, target, printer, audit=capture, forks=forks, progress=progress,
            workdir=_workdir(stack, lesson.id),
        )  # fmt: skip
        if problems:
            runner.obs.audit_problem = problems[0]
        try:
            if auto:
                return 0 if runner.play(auto=True) else 1
            runner.start()
            try:
                interactive(runner, printer)
            finally:
                runner.cleanup()
            return 0 if runner.finish() else 1
        except TargetError as exc:
            click.echo(f"error: {exc}", err=True)
            if target_name == "kind" and "cluster up" not in str(exc):
                # Installing kind is only the first step: the lessons need the lab's cluster.
                click.echo("  then: seclab cluster up   (the lab's kind cluster)", err=True)
            runner.cleanup()
            return 2
        except StateDirError as exc:  # an exercise's files have no folder to go in
            click.echo(f"error: {exc}", err=True)
            runner.cleanup()
            return 2
        except InputClosed:
            click.echo(
                "\nstandard input ended: the lesson waits for keys from a terminal; "
                "`seclab run LESSON --auto` plays it unattended",
                err=True,
            )
            runner.cleanup()
            return 2
        except (KeyboardInterrupt, click.Abort):
            click.echo("\nstopping: removing what this lesson started…", err=True)
            runner.cleanup()
            return 130


def _workdir(stack: contextlib.ExitStack, lesson_id: str) -> Path:
    """Where the lesson writes derived profiles: the state folder, or a temporary one."""
    from lab import paths

    try:
        return paths.state_dir() / "work" / lesson_id
    except paths.StateDirError as exc:
        click.echo(f"warning: {exc}; using a temporary folder this time", err=True)
        return Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="seclab-")))
