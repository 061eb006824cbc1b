"""`seclab workspace LESSON [--reset]`: where the learner's files for a lesson's exercises are."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from lab.course.errors import LessonError


@click.command("workspace")
@click.argument("lesson_ref", metavar="LESSON")
@click.option(
    "--reset", is_flag=True, help="Put the starting files back (yours kept as NAME.before-reset)."
)
def command(lesson_ref: str, reset: bool) -> None:
    """Print the path of LESSON's workspace, creating it from the starting files when needed.

    The workspace holds the files you edit for the lesson's exercises, in your own data folder
    ($XDG_DATA_HOME/seclab/workspaces/LESSON; under sudo, the invoking user's, owned by them).
    Edit them with any editor, then `seclab check LESSON`.

    \b
    Exit status: 0 printed, 1 the folder cannot be written, 2 unknown lesson or a lesson
    without exercises.

    \b
    Examples:
      seclab workspace exercise-chmod
      $EDITOR "$(seclab workspace exercise-chmod)/chmod.json"
      seclab workspace exercise-chmod --reset
    """
    from lab.course import workspace
    from lab.course.loader import find_lesson

    try:
        lesson = find_lesson(lesson_ref)
    except LessonError as exc:
        click.echo(exc.format(), err=True)
        sys.exit(2)
    if not workspace.exercise_files(lesson):
        click.echo(
            f"{lesson.id} has no exercises, so no workspace; "
            '`seclab lessons --json` marks the steps with "exercise": true',
            err=True,
        )
        sys.exit(2)
    try:
        if reset:
            kept: list[Path] = []
            for path in workspace.reset(lesson, kept=kept):
                click.echo(f"restored {path}", err=True)
            for path in kept:
                click.echo(f"kept your version as {path}", err=True)
        click.echo(workspace.ensure(lesson))
    except OSError as exc:
        click.echo(f"error: cannot write the workspace: {exc}", err=True)
        sys.exit(1)
