"""`seclab lessons [--json]`: the lessons, the targets each runs on, and the learner's progress."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from lab.course.errors import LessonError, did_you_mean
from lab.course.model import TARGETS, Lesson
from lab.course.progress import ProgressStore


def summary(lesson: Lesson, progress: ProgressStore) -> dict[str, Any]:
    """One lesson as plain data: id, title, targets (with why not) and steps passed per target."""
    steps = [s.id for s in lesson.steps]
    done = {t: sorted(set(progress.passed(lesson.id, t)) & set(steps)) for t in lesson.targets}
    return {
        "id": lesson.id,
        "title": lesson.title,
        "summary": lesson.summary.strip(),
        "path": str(lesson.path),
        "targets": list(lesson.targets),
        "unsupported": dict(lesson.unsupported),
        "steps": steps,
        "step_details": [
            {"id": s.id, "title": s.title, "exercise": s.exercise, "files": list(s.files)}
            for s in lesson.steps
        ],
        "passed": done,
    }


@click.command("lessons")
@click.option("--json", "as_json", is_flag=True, help="One JSON document, for scripts and the TUI.")
@click.option("--reset", "reset", metavar="ID|all", help="Forget your progress first.")
@click.option("--target", type=click.Choice(TARGETS), help="With --reset: on this target only.")
def command(as_json: bool, reset: str | None, target: str | None) -> None:
    """List the lessons with the targets they run on and your progress on each.

    Progress is kept per lesson and target under $XDG_STATE_HOME/seclab/progress; a progress
    file that cannot be read is set aside with a warning and that lesson starts afresh.

    \b
    --json prints a list of {"id", "title", "summary", "path", "targets",
    "unsupported": {target: why not}, "steps", "step_details": [{"id", "title",
    "exercise": true when the learner writes files, "files": [workspace files]}],
    "passed": {target: [step ids]}}.

    \b
    Exit status: 0 listed, 1 progress could not be forgotten, 2 unknown lesson id or a broken
    lesson file (the others are still listed; each broken one is reported with its fix).

    \b
    Examples:
      seclab lessons
      seclab lessons --reset audit --target docker
      seclab lessons --json | jq -r '.[].id'
    """
    from lab.course.loader import load_each_lesson

    try:
        lessons, broken = load_each_lesson()
    except LessonError as exc:
        click.echo(exc.format(), err=True)
        sys.exit(2)
    if target is not None and reset is None:
        raise click.UsageError("--target says where to forget progress: use it with --reset")
    progress = ProgressStore(warn=lambda text: click.echo(f"warning: {text}", err=True))
    known = [lesson.id for lesson in lessons]
    if reset is not None and reset != "all" and reset not in known:
        click.echo(f"no lesson called '{reset}'; {did_you_mean(reset, known, 'lessons')}", err=True)
        sys.exit(2)
    try:
        if reset == "all" and target is None:
            progress.reset_all()
        elif reset is not None:
            for ident in known if reset == "all" else [reset]:
                progress.reset_lesson(ident, target)
    except OSError as exc:
        click.echo(f"error: cannot forget the progress: {exc}", err=True)
        sys.exit(1)
    rows = [summary(lesson, progress) for lesson in lessons]
    for refusal in broken:  # one broken file (an instructor's draft) does not hide the others
        click.echo(f"not listed: {refusal.format()}", err=True)
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        sys.exit(2 if broken else 0)
    width = max((len(row["id"]) for row in rows), default=10)
    for row in rows:
        marks = []
        for target in TARGETS:
            if target in row["targets"]:
                marks.append(f"{target} {len(row['passed'][target])}/{len(row['steps'])}")
            else:
                marks.append(f"{target} –")
        click.echo(f"{row['id']:<{width}}  {row['title']}")
        click.echo(f"{'':<{width}}  {'   '.join(marks)}")
    click.echo("\n`seclab run ID --target T` plays a lesson; `–`: not on that target (see --json).")
    sys.exit(2 if broken else 0)
