"""The lesson list: every lesson with the learner's progress on this target."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from lab.tui.session import LessonSummary


class LessonList(OptionList):
    """Lessons with a tick and `done/steps`; choosing one opens it."""

    @dataclass
    class Chosen(Message):
        """The learner picked a lesson."""

        lesson_id: str

    def show(self, lessons: list[LessonSummary], current: str | None = None) -> None:
        """Replace the list, keeping the highlight on the current lesson."""
        self.clear_options()
        self.add_options(
            Option(lesson.progress_label(), id=lesson.id, disabled=not lesson.supported)
            for lesson in lessons
        )
        if current is not None:
            self.mark_current(current)

    def mark_current(self, lesson_id: str) -> None:
        # OptionDoesNotExist (a LookupError): the lesson is not in the list.
        with contextlib.suppress(LookupError):
            self.highlighted = self.get_option_index(lesson_id)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.post_message(self.Chosen(event.option.id))
