"""CI: every lesson that runs on the local target passes with --auto, on this kernel."""

from __future__ import annotations

from pathlib import Path

import pytest
from lesson_play import LESSONS, explain, lesson_ids, play

from lab.course.events import CheckPassed, StepSkipped
from lab.targets.factory import make_target

pytestmark = pytest.mark.root


@pytest.mark.parametrize("lesson_id", lesson_ids("local"))
def test_lesson_passes_on_local(lesson_id: str, tmp_path: Path) -> None:
    target = make_target("local")
    passed, events = play(lesson_id, target, tmp_path)
    assert passed, explain(events)
    assert not any(isinstance(e, StepSkipped) for e in events)
    # Every check that applies on local ran and passed (none was silently left out).
    expected = sum(
        1
        for step in LESSONS[lesson_id].steps
        for check in step.checks
        if not check.only or "local" in check.only
    )
    assert sum(isinstance(e, CheckPassed) for e in events) == expected


def test_every_lesson_says_which_targets_and_why_not() -> None:
    assert len(LESSONS) == 15
    for lesson in LESSONS.values():
        # Every lesson runs on this kernel, unless it says why it cannot (a Docker-only order).
        assert "local" in lesson.targets or len(lesson.why_not("local")) > 40
        for target, why in lesson.unsupported:
            assert len(why) > 40, f"{lesson.id}: say why it does not run on {target}"
