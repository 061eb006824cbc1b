"""Playing a shipped lesson with --auto on a real target, as CI does, and what went wrong."""

from __future__ import annotations

import uuid
from pathlib import Path

from lab.audit.capture import AuditCapture
from lab.course.events import ActionFailed, CheckFailed, Event, LessonFinished
from lab.course.loader import load_lessons
from lab.course.runner import LessonRunner
from lab.course.transcript import render
from lab.targets.base import Target
from lab.targets.proctree import ForkWatcher

LESSONS = {lesson.id: lesson for lesson in load_lessons()}


def lesson_ids(target: str) -> list[str]:
    return [lesson.id for lesson in LESSONS.values() if lesson.supports(target)]


def play(lesson_id: str, target: Target, workdir: Path) -> tuple[bool, list[Event]]:
    """Auto-play one lesson with the audit capture and fork watcher, under unique names."""
    events: list[Event] = []
    with AuditCapture() as capture, ForkWatcher() as forks:
        runner = LessonRunner(
            LESSONS[lesson_id],
            target,
            events.append,
            audit=capture,
            forks=forks,
            workdir=workdir,
            name_prefix=f"t{uuid.uuid4().hex[:6]}-",
        )
        passed = runner.play(auto=True)
    return passed, events


def explain(events: list[Event]) -> str:
    """The transcript of the failures, for the assertion message."""
    bad = [e for e in events if isinstance(e, CheckFailed | ActionFailed | LessonFinished)]
    return "\n".join(text for e in bad if (text := render(e)))
