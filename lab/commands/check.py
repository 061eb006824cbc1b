"""`seclab check LESSON [--step S] [--target T] [--json]`: check the learner's exercise files."""

from __future__ import annotations

import contextlib
import json
import sys
from typing import Any

import click

from lab.course.errors import LessonError
from lab.course.model import TARGETS, Lesson, Step

HELP = """Run LESSON's exercises on your files, for real, and say what passed.

\b
Each exercise step runs its trial on the files in your workspace (`seclab workspace LESSON`)
on the target, then its checks. A failure says what was expected, what was seen and, from the
kernel's audit records, what your profile made the kernel do (audit records need root).

\b
Exit status: 0 every check passed, 1 a check failed (each failure says what and why),
2 usage: unknown lesson or step, a step that is not an exercise, a target it does not run on,
no data folder for the exercise's files.
--json prints {"lesson", "target", "passed", "steps": [{"id", "passed", "checks":
[{"kind", "name", "passed", "expected", "seen", "why", "warnings"}]}]}, for graders; a check
that was not run (the profile does not load) has "not_run": true and its reason in "why".
"""

EPILOG = """\b
Examples:
  sudo seclab check exercise-chmod
  seclab check exercise-fix-profiles --step comments --json
  sudo seclab check exercise-chmod --target docker
"""


def _steps(lesson: Lesson, step_id: str | None) -> list[Step]:
    exercises = [s for s in lesson.steps if s.exercise]
    if step_id is None:
        if not exercises:
            raise click.UsageError(f"{lesson.id} has no exercise steps to check")
        return exercises
    try:
        step = lesson.step(step_id)
    except KeyError:
        known = ", ".join(s.id for s in exercises) or "none"
        raise click.UsageError(f"{lesson.id} has no step '{step_id}'; exercises: {known}") from None
    if not step.exercise:
        raise click.UsageError(
            f"step '{step_id}' of {lesson.id} is not an exercise (nothing of yours to check); "
            f"`seclab run {lesson.id}` plays it"
        )
    return [step]


@click.command("check", help=HELP, epilog=EPILOG)
@click.argument("lesson_ref", metavar="LESSON")
@click.option("--step", "step_id", metavar="S", help="Only this exercise step.")
@click.option("--target", "-t", type=click.Choice(TARGETS), default="local", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON document, for graders.")
def command(lesson_ref: str, step_id: str | None, target: str, as_json: bool) -> None:
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
    steps = _steps(lesson, step_id)
    progress = ProgressStore(warn=lambda text: click.echo(f"warning: {text}", err=True))
    sys.exit(check(lesson, steps, target, as_json=as_json, progress=progress))


def check(lesson: Lesson, steps: list[Step], target_name: str, *, as_json: bool,
          progress: Any) -> int:  # fmt: skip
    """Check the steps; the exit status of `seclab check`."""
    from lab.commands.run import build_target, observers
    from lab.course import events as ev
    from lab.course.interrupts import first_interrupt_only
    from lab.course.runner import LessonRunner
    from lab.course.transcript import Printer
    from lab.paths import StateDirError
    from lab.targets.base import TargetError

    try:
        target = build_target(target_name)
    except (TargetError, ImportError) as exc:
        click.echo(f"the {target_name} target cannot be used here: {exc}", err=True)
        return 2
    printer = Printer(lambda text: click.echo(text, err=as_json))
    collected: list[ev.Event] = []

    def listen(event: ev.Event) -> None:
        collected.append(event)
        if not as_json:
            printer(event)

    report: list[dict[str, Any]] = []
    problems: list[str] = []
    say = (lambda text: click.echo(text, err=True)) if as_json else click.echo
    with (
        first_interrupt_only("still removing what the check started; one moment…"),
        contextlib.ExitStack() as stack,
        observers(say, problems) as (capture, forks),
    ):
        if hasattr(target, "close"):
            stack.callback(target.close)
        runner = LessonRunner(lesson, target, listen, audit=capture, forks=forks, progress=progress)
        if problems:
            runner.obs.audit_problem = problems[0]
        try:
            runner.start()
            for step in steps:
                index = lesson.steps.index(step) + 1
                collected.clear()
                if not runner.begin_step(step, index):
                    report.append({"id": step.id, "passed": False, "skipped": True, "checks": []})
                    continue
                passed = runner.run_checks(step)
                runner.finish_step(step, passed)
                report.append({"id": step.id, "passed": passed, "checks": _checks(collected)})
        except (TargetError, StateDirError) as exc:  # StateDirError: no folder for the files
            click.echo(f"error: {exc}", err=True)
            return 2
        finally:
            runner.cleanup()
    passed = all(row["passed"] for row in report)
    if as_json:
        body = {"lesson": lesson.id, "target": target_name, "passed": passed, "steps": report}
        click.echo(json.dumps(body, indent=2))
    else:
        for row in report:
            click.echo(f"{'✔' if row['passed'] else '✘'} {lesson.id} / {row['id']}")
    return 0 if passed else 1


def _checks(events: list[Any]) -> list[dict[str, Any]]:
    from lab.course import events as ev
    from lab.course.checks import describe

    rows = []
    for event in events:
        if isinstance(event, ev.CheckPassed | ev.CheckFailed):
            result = event.result
            rows.append(
                {
                    "kind": result.check.kind,
                    "name": result.check.name,
                    "passed": result.passed,
                    "expected": result.expected,
                    "seen": result.seen,
                    "why": result.why,
                    "unobservable": result.unobservable,
                    "warnings": list(result.warnings),
                }
            )
        elif isinstance(event, ev.CheckNotRun):
            check = event.check
            rows.append(
                {
                    "kind": check.kind,
                    "name": check.name,
                    "passed": False,
                    "not_run": True,
                    "expected": describe(check).split(": ", 1)[-1],
                    "seen": "",
                    "why": event.reason,
                    "unobservable": False,
                }
            )
    return rows
