"""Every step shows the workload's real address: `{address:NAME}` filled on each target."""

from __future__ import annotations

import re

import pytest

from lab.course.address import fill
from lab.course.loader import load_lesson
from lab.course.model import TARGETS
from lab.paths import lessons_dir, profiles_dir


def test_placeholders_take_the_real_address_or_say_the_container_port() -> None:
    known = {"audit-pod": "127.0.0.1:41234"}
    text = "Send a GET to {address:audit-pod}; {address:other} is not running."
    assert fill(text, known.get) == (
        "Send a GET to `127.0.0.1:41234`; other (port 5678 in its container) is not running."
    )


@pytest.mark.parametrize("target", TARGETS)
def test_no_lesson_names_a_port_the_workload_may_not_have(target: str) -> None:
    # The local server gets a free port and Docker publishes 5678 on a random one: a fixed
    # "port 5678" in what a learner is told to reach would be wrong there.
    for path in sorted(lessons_dir().glob("*.yaml")):
        lesson = load_lesson(path, profiles_dir())
        for step in lesson.steps:
            for text in (step.text_for(target), step.solution.text or ""):
                told = re.findall(r"(?:GET|request|server)[^.;]*on port 5678", text)
                assert not told, f"{path.name} {step.id}: {told}"


def test_the_local_run_shows_the_address_it_serves_on(tmp_path, monkeypatch) -> None:
    from lab.course.events import Event, SolutionShown, StepStarted
    from lab.course.runner import LessonRunner
    from lab.targets.local.target import LocalTarget

    lesson = load_lesson(lessons_dir() / "audit.yaml", profiles_dir())
    events: list[Event] = []
    target = LocalTarget(profiles_dir())
    runner = LessonRunner(lesson, target, events.append, workdir=tmp_path)
    try:
        runner.start()
        for index, step in enumerate(lesson.steps[:2], 1):
            runner.begin_step(step, index)
            runner.solve(step)
        port = target.address("audit-pod")
        assert port and port.startswith("127.0.0.1:")
        request = [e for e in events if isinstance(e, StepStarted)][1]
        assert f"`{port}`" in request.text
        solution = [e for e in events if isinstance(e, SolutionShown)][-1]
        assert f"`{port}`" in solution.text
    finally:
        runner.cleanup()
        target.close()
