"""CI: every lesson that runs on the local target passes with --auto, on this kernel."""

from __future__ import annotations

from pathlib import Path

import pytest
from lesson_play import LESSONS, explain, lesson_ids, play

from lab.course.checks import arch_mismatch
from lab.course.events import CheckPassed, CheckSkipped, StepSkipped
from lab.targets.factory import make_target

pytestmark = pytest.mark.root


@pytest.mark.parametrize("lesson_id", lesson_ids("local"))
def test_lesson_passes_on_local(lesson_id: str, tmp_path: Path) -> None:
    target = make_target("local")
    passed, events = play(lesson_id, target, tmp_path)
    assert passed, explain(events)
    assert not any(isinstance(e, StepSkipped) for e in events)
    # Every check that applies on local (and this machine's architecture) ran and passed.
    expected = sum(
        1
        for step in LESSONS[lesson_id].steps
        for check in step.checks
        if (not check.only or "local" in check.only) and arch_mismatch(check) is None
    )
    assert sum(isinstance(e, CheckPassed) for e in events) == expected
    skipped = [e for e in events if isinstance(e, CheckSkipped)]
    assert all(arch_mismatch(e.check) for e in skipped)  # as root, only another arch's checks


def test_every_lesson_says_which_targets_and_why_not() -> None:
    assert len(LESSONS) == 15
    for lesson in LESSONS.values():
        # Every lesson runs on this kernel, unless it says why it cannot (a Docker-only order).
        assert "local" in lesson.targets or len(lesson.why_not("local")) > 40
        for target, why in lesson.unsupported:
            assert len(why) > 40, f"{lesson.id}: say why it does not run on {target}"
