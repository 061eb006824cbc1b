"""An exercise solved through the editor pane, with the real course engine on the local target.

The pane shows the learner's workspace file with `seclab lint`'s findings; a save (ctrl+s) is
noticed by the watch worker, which checks the step again.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Static
from tui_helpers import pilot_test, settle, until

from lab.tui.app import make_app
from lab.tui.widgets.exercise import ExercisePane

pytestmark = pytest.mark.root


def _findings(pane: ExercisePane) -> str:
    return str(pane.query_one("#exercise-findings", Static).render())


@pilot_test
async def test_an_exercise_is_solved_in_the_editor_pane() -> None:
    app = make_app("local", "exercise-fix-profiles")
    async with app.run_test(size=(160, 50)) as pilot:
        # The session starts after the first frame: wait for its first step, not for a worker.
        await until(pilot, lambda: app.lab.step is not None, limit=1200)
        step = app.lab.step
        assert step is not None and step.files and step.files[0].endswith("comments.json")
        pane = app.lab.query_one(ExercisePane)
        await until(pilot, lambda: pane.path is not None and "//" in pane.editor.text)
        await until(pilot, lambda: "JSON has no comments" in _findings(pane))
        # A wrong fix first: the comment goes, a rule loses its action. Saved, then checked.
        pane.editor.focus()
        pane.editor.replace("", (1, 0), (2, 0))  # the learner deletes the `//` line
        broken = pane.editor.text.replace(', "action": "SCMP_ACT_ERRNO"', "")
        pane.editor.load_text(broken)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: '"action" is missing' in _findings(pane), limit=1200)
        await until(
            pilot,
            lambda: not any(w.group == "step" and w.is_running for w in app.workers),
            limit=2400,
        )
        await settle(pilot, "step")
        assert app.lab.step is not None and not app.lab.step.done
        # Then the real fix, pasted into the editor at the cursor: the action goes back in.
        text = pane.editor.text
        end = text.index('"mkdirat"]') + len('"mkdirat"]')
        row = text[:end].count("\n")
        column = end - (text[:end].rfind("\n") + 1)
        pane.editor.move_cursor((row, column))
        pane.editor.insert(', "action": "SCMP_ACT_ERRNO"')
        await pilot.press("ctrl+s")
        # Lint is satisfied: only its note that ERRNO denials leave no record remains.
        await until(
            pilot, lambda: "error" not in _findings(pane) and "info" in _findings(pane), limit=1200
        )
        await until(pilot, lambda: app.lab.step is not None and app.lab.step.done, limit=2400)
        saved = Path(step.files[0]).read_text()
        assert "//" not in saved and '"action": "SCMP_ACT_ERRNO"' in saved


@pilot_test
async def test_r_asks_for_a_prediction_first_and_keeps_it() -> None:
    from textual.widgets import OptionList

    from lab.course.progress import ProgressStore
    from lab.tui.screens.predict import PredictScreen

    app = make_app("local", "block-mkdir")
    async with app.run_test(size=(160, 50)) as pilot:
        await until(pilot, lambda: app.lab.step is not None, limit=1200)
        step = app.lab.step
        assert step is not None and step.question == "Will this ERRNO denial leave an audit record?"
        # The question is in the step's text, on screen before anything runs (a demo's room).
        assert step.text.startswith("**Predict, then run:**")
        await settle(pilot)
        await pilot.press("r")
        await until(pilot, lambda: isinstance(app.screen, PredictScreen))
        choices = app.screen.query_one(OptionList)
        choices.highlighted = 1
        await pilot.press("enter")
        await until(pilot, lambda: app.lab.step is not None and app.lab.step.done, limit=1200)
        kept = ProgressStore().predictions("block-mkdir", "local")
        assert kept["errno"]["correct"] is True


@pilot_test
async def test_an_exercise_without_a_data_folder_is_shown_with_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")  # mkdir under a regular file fails, even for root
    monkeypatch.setenv("XDG_DATA_HOME", str(blocker))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    app = make_app("local", "exercise-fix-profiles")
    async with app.run_test(size=(160, 50)) as pilot:
        # Before: StateDirError failed the session ("The local target is not ready").
        await until(pilot, lambda: app.lab.step is not None, limit=1200)
        step = app.lab.step
        assert step is not None and step.files == ()
        assert f"cannot create seclab's data folder {blocker}/seclab" in step.text
        assert "set XDG_DATA_HOME to a folder you can write" in step.text


@pilot_test
async def test_a_failing_recheck_takes_the_done_mark_away() -> None:
    from lab.course.progress import ProgressStore
    from lab.tui.widgets.step import StepPane

    app = make_app("local", "exercise-chmod")
    async with app.run_test(size=(160, 50)) as pilot:
        await until(pilot, lambda: app.lab.step is not None, limit=1200)
        pane = app.lab.query_one(ExercisePane)
        await until(pilot, lambda: pane.path is not None and "SCMP_ACT_LOG" in pane.editor.text)
        # The learner's right answer, typed into the editor and saved: the check passes.
        pane.editor.focus()
        pane.editor.load_text(
            '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["chmod", "fchmodat",'
            ' "fchmodat2"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]}\n'
        )
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.lab.step is not None and app.lab.step.done, limit=2400)
        heading = app.lab.query_one(StepPane).query_one("#step-title", Static)
        await until(pilot, lambda: "✔ done" in str(heading.render()))
        assert "chmod" in ProgressStore().passed("exercise-chmod", "local")
        # Then a broken save: the re-check fails, and every mark of the pass goes with it.
        pane.editor.load_text('{"defaultAction": "SCMP_ACT_ALLOW", // oops\n}\n')
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.lab.step is not None and not app.lab.step.done, limit=2400)
        await until(pilot, lambda: "✔ done" not in str(heading.render()))
        summary = next(s for s in app.lab.lessons if s.id == "exercise-chmod")
        assert summary.done == 0
        assert "chmod" not in ProgressStore().passed("exercise-chmod", "local")


@pilot_test
async def test_a_guided_step_has_no_exercise_tab_and_an_exercise_step_has_one() -> None:
    from textual.widgets import TabbedContent

    app = make_app("local", "block-mkdir")  # guided: nothing of the learner's to edit
    async with app.run_test(size=(160, 50)) as pilot:
        await until(pilot, lambda: app.lab.step is not None, limit=1200)
        tabs = app.lab.query_one(TabbedContent)
        exercise_tab = tabs.get_tab("tab-exercise")
        await until(pilot, lambda: not exercise_tab.display)
        assert tabs.active != "tab-exercise"
        app.lab.open_lesson("exercise-chmod")  # an exercise: the tab is back, and shown
        await until(pilot, lambda: app.lab.step is not None and bool(app.lab.step.files))
        await until(pilot, lambda: exercise_tab.display and tabs.active == "tab-exercise")
        app.lab.open_lesson("block-mkdir")  # and gone again, the audit pane in its place
        await until(pilot, lambda: app.lab.step is not None and not app.lab.step.files)
        await until(pilot, lambda: not exercise_tab.display and tabs.active == "tab-audit")
