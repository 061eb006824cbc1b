"""`seclab run LESSON --target T [--auto]`: a lesson in the plain terminal, checks included."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import Any

import click

from lab.course.errors import LessonError
from lab.course.model import TARGETS, Lesson, Step
from lab.course.runner import LessonRunner
from lab.course.transcript import Printer

KEYS = "Enter: check   h: hint   s: show and do the solution   q: quit"


@contextlib.contextmanager
def observers(echo: Any) -> Iterator[tuple[Any, Any]]:
    """The kernel's seccomp records and fork events for audit checks; None when unavailable."""
    with contextlib.ExitStack() as stack:
        capture = forks = None
        try:
            from lab.audit.capture import AuditCapture

            capture = stack.enter_context(AuditCapture())
        except Exception as exc:  # it only disables the audit checks, and says so
            echo(f"note: audit records cannot be read here ({exc}); audit checks will fail.")
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
        if not runner.begin_step(step, index):
            continue
        if not step.checks:
            runner.finish_step(step, True)
            _ask("Enter to continue", "")
            continue
        while not _attempt(runner, step):
            pass


def _attempt(runner: LessonRunner, step: Step) -> bool:
    key = _ask(KEYS, "").strip().lower()
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
    return str(click.prompt(prompt, default=default, show_default=False, prompt_suffix=" > "))


@click.command("run")
@click.argument("lesson_ref", metavar="LESSON")
@click.option("--target", "-t", type=click.Choice(TARGETS), default="local", show_default=True)
@click.option("--auto", is_flag=True, help="Perform every step unattended, solutions included.")
@click.option("--reset", is_flag=True, help="Forget this lesson's progress on the target first.")
def command(lesson_ref: str, target: str, auto: bool, reset: bool) -> None:
    """Play LESSON (an id such as `audit`, or a path to a lesson file) in this terminal.

    \b
    Exit status: 0 when every check passed, 1 when one failed, 2 when the lesson or the target
    cannot be used here.
    \b
      seclab run block-mkdir --auto
      seclab run audit --target docker
    """
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
        progress.reset_lesson(lesson.id, target)
    sys.exit(play(lesson, target, auto=auto, progress=progress))


def play(lesson: Lesson, target_name: str, *, auto: bool, progress: Any) -> int:
    """Run the lesson; the exit status of `seclab run`."""
    from lab.targets.base import TargetError

    printer = Printer(click.echo)
    try:
        target = build_target(target_name)
    except (TargetError, ImportError) as exc:
        click.echo(f"the {target_name} target cannot be used here: {exc}", err=True)
        return 2
    with contextlib.ExitStack() as stack, observers(click.echo) as (capture, forks):
        if hasattr(target, "close"):  # the local target stops what it started, even on errors
            stack.callback(target.close)
        runner = LessonRunner(
            lesson, target, printer, audit=capture, forks=forks, progress=progress
        )
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
            runner.cleanup()
            return 2
        except (KeyboardInterrupt, click.Abort):
            click.echo("\nstopping: removing what this lesson started…", err=True)
            runner.cleanup()
            return 130
