"""The lab screen's keys: run, check, move, hints, solution, reset, filter, profile, target."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual.widgets import Input, TabbedContent

from lab.tui.audit_filter import workloads_expression
from lab.tui.screens.lab_workers import LabWorkers
from lab.tui.widgets.audit import AuditPane
from lab.tui.widgets.status import StatusPane
from lab.tui.widgets.step import StepPane

if TYPE_CHECKING:
    from lab.tui.config import LabConfig
    from lab.tui.session import LessonSummary, Session, StepView
    from lab.tui.widgets.profile import ProfileViewer

# (key, action, key-bar word, palette title): the key bar, help and command palette share these.
LAB_KEYS = [
    ("r", "run_step", "Run", "Run the step"),
    ("c", "check", "Check", "Check the step"),
    ("n", "next_step", "Next", "Next step"),
    ("p", "previous_step", "Prev", "Previous step"),
    ("h", "hint", "Hint", "Show a hint"),
    ("s", "solution", "Solution", "Show (and do) the solution"),
    ("x", "reset_step", "Reset", "Reset the step"),
    ("slash", "filter", "Filter", "Filter the audit pane"),
    ("w", "only_workloads", "", "Audit pane: only my workloads"),
    ("v", "profile", "", "Show the step's profile (again: back to Audit)"),
    ("t", "switch_target", "Target", "Switch target"),
    ("question_mark", "help", "Help", "Help: every key"),
]


class LabKeys(LabWorkers):
    """What each key does; the screen (`LabScreen`) holds the state they act on."""

    config: LabConfig
    target_name: str
    session: Session | None
    step: StepView | None
    lessons: list[LessonSummary]
    hints_shown: int
    profile_viewer: ProfileViewer

    def next_lesson(self, lesson_id: str) -> LessonSummary | None:
        """The lesson after this one in the course that runs on this target, if any."""
        ids = [lesson.id for lesson in self.lessons]
        if lesson_id not in ids:
            return None
        after = self.lessons[ids.index(lesson_id) + 1 :]
        return next((lesson for lesson in after if lesson.supported), None)

    def _ready(self) -> bool:
        if self.session is None or self.step is None:
            self.notify("The lab is still starting…", severity="warning")
            return False
        if any(w.group == "step" and w.is_running for w in self.workers):
            self.notify("A step is still running…", severity="warning")
            return False
        return True

    def action_run_step(self) -> None:
        if not (self._ready() and self.session and self.step):
            return
        step = self.step
        if step.question and not self.config.demo:
            from lab.tui.screens.predict import PredictScreen

            def answered(choice: int | None) -> None:
                if self.session is not None:
                    self.run_step(self.session, step.lesson_id, step.index, choice)

            self.app.push_screen(PredictScreen(step.question, step.choices), answered)
            return
        self.run_step(self.session, step.lesson_id, step.index)

    def action_check(self) -> None:
        if self._ready() and self.session and self.step:
            self.check_step(self.session, self.step.lesson_id, self.step.index)

    def action_next_step(self) -> None:
        self._move(+1)

    def action_previous_step(self) -> None:
        self._move(-1)

    def _move(self, delta: int) -> None:
        if self._ready() and self.session and self.step:
            index = self.step.index + delta
            if 0 <= index < self.step.count:
                self.load_step(self.session, self.step.lesson_id, index)
            elif delta > 0 and (following := self.next_lesson(self.step.lesson_id)) is not None:
                self.notify(f"Next lesson: {following.title}")
                self.load_step(self.session, following.id, None)
            else:
                self.notify("That was the last step." if delta > 0 else "This is the first step.")

    def action_hint(self) -> None:
        if self.step is None:
            return
        if not self.step.hints:
            self.query_one(StepPane).show_extra("_This step has no hints._")
            return
        self.hints_shown = min(self.hints_shown + 1, len(self.step.hints))
        shown = self.step.hints[: self.hints_shown]
        text = "\n\n".join(f"**Hint {n}:** {hint}" for n, hint in enumerate(shown, 1))
        self.query_one(StepPane).show_extra(text)

    def action_solution(self) -> None:
        """Show the solution; when the step has a learner's part, the lab does it, then checks."""
        if self.step is None:
            return
        text = self.step.solution or "_This step has no written solution: press `r`._"
        self.query_one(StepPane).show_extra(f"**Solution:**\n\n{text}")
        if self.step.learner_part and self._ready() and self.session:
            self.solve_step(self.session, self.step.lesson_id, self.step.index)

    def action_reset_step(self) -> None:
        if self._ready() and self.session and self.step:
            self.reset_step(self.session, self.step.lesson_id, self.step.index)

    def action_filter(self) -> None:
        self.query_one(TabbedContent).active = "tab-audit"
        self.query_one("#audit-filter", Input).focus()

    def action_only_workloads(self) -> None:
        """Filter the audit pane to the processes this session's workloads started."""
        pids = self.session.watched_pids() if self.session is not None else set()
        expression = workloads_expression(pids)
        if not expression:
            self.notify("No workload has started yet: press r first.", severity="warning")
            return
        self.query_one(TabbedContent).active = "tab-audit"
        self.query_one("#audit-filter", Input).value = expression
        self.query_one(AuditPane).apply_filter(expression)

    def action_profile(self) -> None:
        """The step's profile, read afresh; pressed again, back to the audit pane."""
        tabs = self.query_one(TabbedContent)
        if tabs.active == "tab-profile":
            tabs.active = "tab-audit"
            return
        tabs.active = "tab-profile"
        if self.step is None or not self.step.profiles:
            self.profile_viewer.say("This step uses no profile file: pick one above.")
            return
        base = self.config.profiles_dir or Path.cwd()
        path = base / self.step.profiles[0]  # an absolute path stays itself
        self.profile_viewer.select(path)
        self.load_profile(path, None)

    def action_help(self) -> None:
        from lab.tui.screens.dialogs import HelpScreen

        self.app.push_screen(HelpScreen())

    def action_switch_target(self) -> None:
        from lab.tui.screens.dialogs import TargetScreen

        self.app.push_screen(TargetScreen(self.target_name), self._switch_to)

    def _switch_to(self, name: str | None) -> None:
        if name is None or name == self.target_name:
            return
        old, self.session, self.step = self.session, None, None
        self.target_name = name
        self.sub_title = self.describe()
        self.query_one(StepPane).show_message(f"Switching to {name}…")
        self.query_one(StatusPane).show([])
        self.start_session(name, None, old)

    def describe(self) -> str:
        """The header's second line: where the exercises run."""
        return f"target: {self.target_name}"
