"""A broken lesson file does not stop `seclab start`: good lessons load, the broken one is named.

Real course engine, real loader, real local target; the lesson folder is a temporary one
selected with SECLAB_DATA, as a learner writing their own lessons would.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual.widgets import OptionList, RichLog
from tui_helpers import pilot_test, settle, until

from lab import paths
from lab.tui.app import make_app
from lab.tui.screens.dialogs import ErrorScreen

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def course_with_a_broken_lesson(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """One good lesson (block-mkdir) and one with a tab where YAML wants spaces."""
    data = tmp_path / "course"
    (data / "lessons").mkdir(parents=True)
    (data / "profiles").symlink_to(REPO / "profiles")
    shipped = (REPO / "lessons" / "block-mkdir.yaml").read_text()
    (data / "lessons" / "block-mkdir.yaml").write_text(shipped)
    (data / "lessons" / "draft.yaml").write_text("id: draft\ntitle:\tTabbed\n")
    monkeypatch.setenv("SECLAB_DATA", str(data))
    paths.data_root.cache_clear()  # cached: forget the repository's folder now and after
    yield data
    monkeypatch.undo()
    paths.data_root.cache_clear()


@pilot_test
async def test_the_good_lesson_is_offered_and_the_broken_file_named_with_its_fix(
    course_with_a_broken_lesson: Path,
) -> None:
    app = make_app("local")  # the real session factory: it loads the lessons from SECLAB_DATA
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(pilot, "session")
        # Before: the loader's first error ended the session worker, and the lab showed only it.
        assert not isinstance(app.screen, ErrorScreen)
        lessons = app.lab.query_one("#lessons", OptionList)
        rows = [str(lessons.get_option_at_index(i).prompt) for i in range(lessons.option_count)]
        assert len(rows) == 1 and "Block mkdir" in rows[0]
        assert app.lab.step is not None and app.lab.step.lesson_id == "block-mkdir"
        # The pane wraps long lines: compare without the spaces and breaks wrapping adds.
        def shown() -> str:
            log = app.lab.query(RichLog)  # made after the first frame; writes before it wait
            return "".join("".join(line.text for line in log.first().lines).split()) if log else ""

        await until(pilot, lambda: "1lessonfilewasnotloaded" in shown())
        shown_text = shown()
        draft = course_with_a_broken_lesson / "lessons" / "draft.yaml"
        assert f"{draft}:2:" in shown_text  # the file and the place
        assert "fix:indentwithspaces" in shown_text  # and what to do about it
        await pilot.press("q")
