"""`seclab start`: the interactive lab in this terminal (Textual)."""

from __future__ import annotations

import importlib
import sys

import click

TARGET_CHOICES = ("local", "docker", "kind")


@click.command("start")
@click.option(
    "--target",
    "-t",
    type=click.Choice(TARGET_CHOICES),
    default=None,
    help="Where exercises run. Default: kind if the lab's cluster is up, else docker if an "
    "engine answers, else local.",
)
@click.option("--lesson", "-l", metavar="LESSON", help="Open this lesson (an id, e.g. `audit`).")
@click.option("--demo", is_flag=True, help="Instructor mode: play the lessons for a room.")
@click.option(
    "--pace",
    type=click.FloatRange(min=1),
    default=None,
    metavar="CHARS_PER_S",
    help="Demo mode: how fast commands are typed out (+/- change it live).",
)
@click.option("--source", metavar="SOURCE", help="Audit source (netlink, kmsg, journal, …).")
def command(
    target: str | None, lesson: str | None, demo: bool, pace: float | None, source: str | None
) -> None:
    """Open the lab: lessons, the commands they run, and the kernel's seccomp audit records.

    \b
    Keys: r run · c check · n/p next/previous · h hint · s solution · x reset step
          / filter audit · v profile · t target · ? help · q quit (stops what it started)
    \b
      seclab start                       resume where you left off
      seclab start --target docker --lesson block-mkdir
      sudo seclab start                  with the live audit pane (needs CAP_AUDIT_READ)
      seclab start --demo --pace 15      present the lessons to a room (after seclab prepare)
    """
    if lesson is not None:
        lesson = _lesson_id(lesson)
    # The front end lives in lab.tui, the only package that imports Textual; it is loaded
    # here, at run time, so `seclab --help` and the other commands never pay for it.
    launch = importlib.import_module("lab.tui.launch")
    sys.exit(launch.run(target, lesson, demo, pace=pace, source=source))


def _lesson_id(lesson: str) -> str:
    """The lesson's id; an unknown one is refused before the screen opens, with the choices."""
    from lab.course.errors import LessonError
    from lab.course.loader import find_lesson

    try:
        return find_lesson(lesson).id
    except LessonError as exc:
        raise click.BadParameter(exc.format(), param_hint="--lesson") from None
