"""Predict, then run: the question comes before the run, the answer after; both are kept."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from lab.audit.capture import AuditCapture
from lab.cli import cli
from lab.course.errors import LessonError
from lab.course.events import CommandShown, Event, Info
from lab.course.loader import find_lesson, load_lesson
from lab.course.model import Step
from lab.course.progress import ProgressStore
from lab.course.runner import LessonRunner
from lab.paths import lessons_dir
from lab.targets.local.target import LocalTarget
from lab.targets.proctree import ForkWatcher


def test_an_answer_that_is_not_a_choice_is_refused_with_its_place(tmp_path: Path) -> None:
    text = (lessons_dir() / "block-mkdir.yaml").read_text()
    broken = tmp_path / "block-mkdir.yaml"
    broken.write_text(text.replace('answer: "159"', 'answer: "158"'))
    with pytest.raises(LessonError) as caught:
        load_lesson(broken)
    said = caught.value.format()
    assert "'158' is not one of the choices" in said and f"{broken}:" in said


@pytest.mark.root
def test_the_question_comes_before_the_run_and_the_answer_after(
    tmp_path: Path, profiles_dir: Path
) -> None:
    lesson = find_lesson("block-mkdir")
    events: list[Event] = []
    progress = ProgressStore(tmp_path / "progress")
    target = LocalTarget(profiles_dir)
    with AuditCapture() as capture, ForkWatcher() as forks:
        runner = LessonRunner(
            lesson, target, events.append, audit=capture, forks=forks, progress=progress,
            workdir=tmp_path,
        )  # fmt: skip
        _play_kill(runner, lesson.step("kill"))
        target.close()
    kinds = [
        "command" if isinstance(e, CommandShown) else e.title
        for e in events
        if isinstance(e, CommandShown) or (isinstance(e, Info) and e.title == "prediction")
    ]
    assert kinds.index("command") < kinds.index("prediction")  # the answer after the run
    reveal = next(e for e in events if isinstance(e, Info) and e.title == "prediction")
    assert reveal.body.startswith("You predicted 1, as under ERRNO; it was 159.")
    kept = progress.predictions("block-mkdir", "local")
    assert kept["kill"]["choice"] == "1, as under ERRNO" and kept["kill"]["correct"] is False
    assert "kill" in progress.passed("block-mkdir", "local")  # the tick kept the prediction


def _play_kill(runner: LessonRunner, kill: Step) -> None:
    try:
        assert runner.predict(kill, 0) is False  # "1, as under ERRNO": wrong
        assert runner.begin_step(kill, 2)
        assert runner.run_checks(kill)
        runner.finish_step(kill, True)
    finally:
        runner.cleanup()


def test_predictions_sit_in_guided_lessons_and_exercises() -> None:
    asked = {
        (lesson, step.id)
        for lesson in ("block-mkdir", "missing-profile", "exercise-kill-scope")
        for step in find_lesson(lesson).steps
        if step.predict is not None
    }
    assert {("block-mkdir", "kill"), ("missing-profile", "missing")} <= asked
    assert ("exercise-kill-scope", "kill-process") in asked


@pytest.mark.root
def test_seclab_run_asks_first_and_keeps_the_answer(tmp_path: Path) -> None:
    # errno: predict 2, then Enter checks; mkdirat-only: Enter checks; kill: a wrong answer is
    # asked again, then 2, Enter.
    result = CliRunner().invoke(cli, ["run", "block-mkdir"], input="2\n\n\n9\n2\n\n")
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.index("Predict, then run: Will this ERRNO") < out.index("$ seclab exec")
    assert "Answer with a number from 1 to 3." in out
    assert "You predicted No: ERRNO is logged only with the log flag: right." in out
    kept = ProgressStore().predictions("block-mkdir", "local")
    assert kept["errno"]["correct"] is True and kept["kill"]["choice"] == "159"
