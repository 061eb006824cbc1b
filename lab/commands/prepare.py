"""`seclab prepare`: get the room ready for a talk, so nothing downloads while the class watches."""

from __future__ import annotations

import sys
from collections.abc import Callable

import click

from lab.check import Check
from lab.targets.commands import Runner, SubprocessRunner

TARGETS = ("local", "docker", "kind")

# Tests replace these: a runner replaying recorded kind transcripts, and fixed doctor lines.
make_runner: Callable[[], Runner] = SubprocessRunner


def doctor_checks(runner: Runner) -> list[Check]:
    from lab.doctor import run_checks

    return run_checks(runner)


HELP = """Get the room ready for a talk: run it the evening before, and again in the room.

\b
It checks, for the target you will teach on:
  1. the doctor's verdict: everything the target needs works on this machine
  2. every lesson loads, and every profile it uses lints clean and compiles
     with libseccomp on this kernel (a broken file is found tonight)
  3. docker: each image the lessons start is in the engine
  4. kind: the cluster exists, the lab's profiles are on its nodes at
     /var/lib/kubelet/seccomp/profiles, the pods' images are loaded into the
     nodes, and the pods' imagePullPolicy will not pull them again
and ends with a checklist: ✔ ready, ✘ not ready with the command that fixes it.

\b
What it downloads (never with --check):
  docker  hashicorp/http-echo:1.0 and busybox:latest when there is network;
          without it, it builds the lab's offline stand-ins from the host's
          busybox-static (no download)
  kind    the node image (kind create cluster), then hashicorp/http-echo:1.0
          and busybox:1.36, pulled on this machine and loaded into the nodes
  local   nothing
--check changes nothing: no pull, no build, no cluster; it reports, and
prints the commands it would run.

\b
Examples:
  seclab prepare --target kind               the evening before (with network)
  seclab prepare --target kind --check       in the room: is it all still there?
  seclab prepare --target docker --lesson audit --lesson block-mkdir
  seclab prepare                             local: lessons and profiles only
  seclab start --demo --target kind          then present (demo mode)

Exit status: 0 when the room is ready (nothing will download during the talk),
1 when something is not (each ✘ says how to fix it), 2 on usage errors,
130 when stopped with Ctrl-C (the command in flight is stopped; a cluster
being created is deleted again).
"""


def _lesson_ids(target: str, wanted: tuple[str, ...]) -> tuple[str, ...]:
    """The ids asked for; an unknown one, or one not played on `target`, is a usage error."""
    from lab.course.errors import LessonError
    from lab.course.loader import find_lesson

    ids = []
    for name in wanted:
        try:
            lesson = find_lesson(name)
        except LessonError as exc:
            raise click.BadParameter(exc.format(), param_hint="--lesson") from None
        if not lesson.supports(target):
            why = lesson.why_not(target) or "the lesson does not list it"
            raise click.BadParameter(
                f"lesson {lesson.id!r} does not run on {target}: {why}; "
                f"choose another --target, or leave the lesson out",
                param_hint="--lesson",
            )
        ids.append(lesson.id)
    return tuple(ids)


@click.command("prepare", help=HELP)
@click.option("--target", "-t", type=click.Choice(TARGETS), default="local", show_default=True,
              help="The target the talk runs on.")  # fmt: skip
@click.option("--lesson", "-l", "lessons", multiple=True, metavar="LESSON",
              help="Only this lesson (repeat for more; default: all on the target).")  # fmt: skip
@click.option("--check", is_flag=True, help="Change nothing: report, and print what would run.")
def command(target: str, lessons: tuple[str, ...], check: bool) -> None:
    from lab.prepare import Room, Steps
    from lab.prepare.report import print_report

    ids = _lesson_ids(target, lessons)
    mode = "checking (changes nothing)" if check else "getting it ready"
    click.echo(f"seclab prepare --target {target}: {mode}", err=True)
    runner = make_runner()
    room = Room(
        target,
        Steps(lambda line: click.echo(line, err=True)),
        check=check,
        lessons=ids,
        doctor=lambda: doctor_checks(runner),
        kind_target=lambda: _kind(runner),
    )
    items = room.items()
    ready = print_report(target, items, room.notes, check=check)
    sys.exit(0 if ready else 1)


def _kind(runner: Runner) -> object:
    from lab import paths
    from lab.targets.kind.target import KindTarget

    return KindTarget(paths.profiles_dir(), runner=runner)
