"""The lab screen: lessons, the step, commands and output, the audit pane, status and profiles."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.lazy import Lazy
from textual.widgets import Header, Static, TabbedContent, TabPane
from textual.worker import Worker, WorkerState

from lab.tui.audit_filter import compile_filter
from lab.tui.screens.lab_keys import LAB_KEYS, LabKeys
from lab.tui.screens.lab_workers import LabWorkers
from lab.tui.session import (
    CheckOutcome,
    CommandFinished,
    CommandStarted,
    LessonSummary,
    OutputLine,
    StepView,
    WorkloadUpdate,
)
from lab.tui.widgets.audit import AuditPane
from lab.tui.widgets.commands import CommandPane
from lab.tui.widgets.exercise import ExercisePane
from lab.tui.widgets.keybar import KeyBar
from lab.tui.widgets.lessons import LessonList
from lab.tui.widgets.profile import ProfileViewer
from lab.tui.widgets.status import StatusPane
from lab.tui.widgets.step import StepPane

if TYPE_CHECKING:
    from lab.tui.config import LabConfig

NARROW = 110  # columns: the lesson list and the workloads table show from here
WIDE = 140  # columns: the audit pane's counts per syscall show from here


class LabScreen(LabKeys):
    """Where the learner works: its keys are in `LabKeys`, all blocking work in `LabWorkers`."""

    BINDINGS = [
        Binding(key, action, word or title, show=bool(word))
        for key, action, word, title in LAB_KEYS
    ]
    # An 80-column terminal is common: below NARROW the lesson list gives its width to the step
    # and the audit pane (lessons stay in the command palette), below WIDE the counts box does.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (NARROW, "-medium"), (WIDE, "-wide")]

    def __init__(self, config: LabConfig) -> None:
        super().__init__()
        self.config = config
        self.target_name = config.target_name
        self.session = None
        self.lessons: list[LessonSummary] = []
        self.step: StepView | None = None
        self.hints_shown = 0
        self.recheck = False  # a workspace file changed while a step was busy: check after it
        self.workers_started = False
        self.side_workers_started = False  # the audit and profile workers
        # Made here, mounted after the first frame (`Lazy`): the tab starts hidden.
        self.profile_viewer = ProfileViewer(id="profile")

    def compose(self) -> ComposeResult:
        # The default icon (⭘) is missing from many fonts, the browser's included (seclab serve).
        yield Header(icon="$")
        with Horizontal(id="main"):
            with Vertical(id="left"):
                yield Static("Lessons", classes="pane-title")
                yield LessonList(id="lessons")
                yield Static("Workloads", classes="pane-title")
                yield StatusPane(id="workloads")
            with Vertical(id="center"):
                yield StepPane(id="step")
                yield Static("", id="notes")
                yield Static("Commands the target runs", classes="pane-title")
                yield CommandPane(id="commands")
            with TabbedContent(id="right"):
                with TabPane("Audit", id="tab-audit"):
                    yield AuditPane(id="audit")
                with TabPane("Profile", id="tab-profile"):
                    yield Lazy(self.profile_viewer)
                with TabPane("Exercise", id="tab-exercise"):
                    yield ExercisePane(id="exercise")
        yield KeyBar(id="keys")

    def on_mount(self) -> None:
        self.sub_title = self.describe()
        self.query_one("#notes").display = self.config.demo
        if self.config.notice:
            self.query_one(CommandPane).output(OutputLine(self.config.notice, "warn"))
        if self.app.size.width < NARROW:
            said = (
                f"This terminal is {self.app.size.width} columns wide: the lesson list shows from "
                f"{NARROW}; ctrl+p, then type `lesson`, opens another lesson."
            )
            self.query_one(CommandPane).output(OutputLine(said, "warn"))
        # The learner waits for the lesson list and the step: the session worker starts now,
        # beside the first frame. The audit stream and the profile list (libseccomp and more
        # imports) wait until the session is ready, so they do not compete with it for the GIL.
        self._start_workers()

    def _start_workers(self) -> None:
        self.workers_started = True  # from here the workers can be waited on (tests do)
        self.start_session(self.target_name, self.config.lesson_id)
        self.set_interval(self.config.status_interval, self._poll_status)

    def _start_side_workers(self) -> None:
        """Once, after the first session is ready (or could not be made)."""
        if self.side_workers_started:
            return
        self.side_workers_started = True
        self.start_audit()
        if self.config.profiles_dir is not None:
            self.find_profiles(self.config.profiles_dir)

    # -- what the workers report -------------------------------------------------------------

    def on_lab_workers_session_ready(self, message: LabWorkers.SessionReady) -> None:
        self.call_after_refresh(self._start_side_workers)  # once the lessons are drawn
        self.session = message.session
        self.target_name = message.session.target_name
        self.sub_title = self.describe()
        if message.notice:
            self.query_one(CommandPane).output(OutputLine(message.notice, "warn"))
        self._show_lessons(message.lessons)
        if message.step is None:
            self.query_one(StepPane).show_message("No lesson runs on this target.")
        else:
            self._show_step(message.step)
        if self.config.demo:
            self.start_demo()

    def on_lab_workers_step_loaded(self, message: LabWorkers.StepLoaded) -> None:
        self._show_lessons(message.lessons)
        if message.afresh or self.step is None or (self.step.lesson_id, self.step.index) != (
            message.step.lesson_id,
            message.step.index,
        ):
            self._show_step(message.step)
        else:
            self.step = message.step
            self.query_one(StepPane).show_heading(message.step, self._lesson_title(message.step))
        if message.outcome is not None:
            self._show_outcome(message.outcome)
        if self.recheck:
            self.recheck = False
            self._check_exercise()

    def on_lab_workers_exercise_file(self, message: LabWorkers.ExerciseFile) -> None:
        if self.step is None or str(message.path) not in self.step.files:
            return  # the learner moved on meanwhile
        self.query_one(ExercisePane).show_file(message.path, message.text, message.findings)
        if message.changed:
            self.query_one(CommandPane).output(OutputLine(f"saved: {message.path}", "info"))
            self._check_exercise()

    def _check_exercise(self) -> None:
        """Check the exercise again after a save (later, when a step is still running)."""
        if self.session is None or self.step is None:
            return
        if any(w.group == "step" and w.is_running for w in self.workers):
            self.recheck = True
            return
        self.check_step(self.session, self.step.lesson_id, self.step.index)

    def on_exercise_pane_save_wanted(self, message: ExercisePane.SaveWanted) -> None:
        self.save_file(message.path, message.text)

    def on_lab_workers_posted(self, message: LabWorkers.Posted) -> None:
        event = message.event
        commands = self.query_one(CommandPane)
        if isinstance(event, CommandStarted):
            commands.started(event)
        elif isinstance(event, CommandFinished):
            commands.finished(event)
        elif isinstance(event, OutputLine):
            commands.output(event)
        elif isinstance(event, WorkloadUpdate):
            self.query_one(StatusPane).update_one(event.name, event.state)
        elif isinstance(event, CheckOutcome):
            self._show_outcome(event)

    def on_lab_workers_workloads(self, message: LabWorkers.Workloads) -> None:
        self.query_one(StatusPane).show(message.workloads)

    def on_lab_workers_audit_ready(self, message: LabWorkers.AuditReady) -> None:
        self.query_one(AuditPane).watch_feed(message.feed)

    def on_lab_workers_audit_unavailable(self, message: LabWorkers.AuditUnavailable) -> None:
        self.query_one(AuditPane).explain(message.reason)

    def on_lab_workers_profiles_found(self, message: LabWorkers.ProfilesFound) -> None:
        self.profile_viewer.offer(message.paths)

    def on_lab_workers_profile_loaded(self, message: LabWorkers.ProfileLoaded) -> None:
        self.profile_viewer.show(message.document)

    def on_lab_workers_session_closed(self, message: LabWorkers.SessionClosed) -> None:
        if message.removed:
            self.notify("stopped: " + ", ".join(message.removed))
        if message.final:
            self.app.exit()

    def shut_down(self) -> None:
        """Stop the audit feed and every workload this session started, then exit the app."""
        pane = self.query_one(AuditPane)
        pane.stop()
        stream = pane.feed.source if pane.feed is not None else None
        self.close_session(self.session, final=True, stream=stream)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place a failed worker becomes a readable message."""
        if event.state is not WorkerState.ERROR:
            return
        from lab.tui.screens.dialogs import ErrorScreen  # loaded when first needed

        error = event.worker.error
        if event.worker.group == "session":
            self._start_side_workers()  # the audit pane works without a session
        # TargetError and its kin carry the message and the fix apart; show each once.
        message = getattr(error, "message", None) or str(error) or type(error).__name__
        if event.worker.group == "session" and self.session is None:
            self.query_one(StepPane).show_message(f"The {self.target_name} target is not ready.")
        self.query_one(CommandPane).output(OutputLine(f"error: {error}", "fail"))
        self.app.push_screen(
            ErrorScreen(
                f"{event.worker.name.replace('_', ' ')} failed",
                message,
                getattr(error, "hint", None) or getattr(error, "fix", None),
            )
        )

    # -- widgets asking for things -----------------------------------------------------------

    def on_lesson_list_chosen(self, message: LessonList.Chosen) -> None:
        self.open_lesson(message.lesson_id)

    def open_lesson(self, lesson_id: str) -> None:
        """Show a lesson where the learner left it (from the list or the command palette)."""
        current = self.step.lesson_id if self.step else None
        if self.session is not None and lesson_id != current:
            self.load_step(self.session, lesson_id, None)

    def on_audit_pane_filter_changed(self, message: AuditPane.FilterChanged) -> None:
        pane = self.query_one(AuditPane)
        try:
            predicate = compile_filter(message.expression)
        except ValueError as exc:
            pane.explain(f"filter: {exc}")
            return
        if pane.feed is not None:
            pane.feed.set_filter(predicate)

    def on_profile_viewer_wanted(self, message: ProfileViewer.Wanted) -> None:
        self.load_profile(message.path, message.compare_with)

    def _poll_status(self) -> None:
        if self.session is not None:
            self.refresh_status(self.session)

    # -- drawing -------------------------------------------------------------------------------

    def _show_lessons(self, lessons: list[LessonSummary]) -> None:
        self.lessons = lessons
        current = self.step.lesson_id if self.step else None
        self.query_one(LessonList).show(lessons, current)

    def _show_step(self, step: StepView) -> None:
        self.step = step
        self.hints_shown = 0
        self.query_one(StepPane).show(step, self._lesson_title(step))
        self.query_one(LessonList).mark_current(step.lesson_id)
        notes = self.query_one("#notes", Static)
        notes.update(Text(f"Instructor notes: {step.notes}" if step.notes else "", style="italic"))
        self._watch_exercise(step)

    def _watch_exercise(self, step: StepView) -> None:
        """An exercise's files go into the editor and are watched; other steps watch nothing."""
        pane = self.query_one(ExercisePane)
        tabs = self.query_one(TabbedContent)
        if step.files:
            from pathlib import Path

            self.watch_files([Path(name) for name in step.files])
            tabs.show_tab("tab-exercise")
            tabs.active = "tab-exercise"
        else:  # nothing of the learner's to edit: no empty editor to type into
            self.workers.cancel_group(self, "watch")
            pane.show_nothing()
            if tabs.active == "tab-exercise":
                tabs.active = "tab-audit"
            tabs.hide_tab("tab-exercise")

    def _lesson_title(self, step: StepView) -> str:
        return next((item.title for item in self.lessons if item.id == step.lesson_id), "")

    def _show_outcome(self, outcome: CheckOutcome) -> None:
        mark = "✔ passed" if outcome.passed else "✘ not yet"
        text = f"**{mark}:** {outcome.message}"
        if not outcome.passed and outcome.hint:
            text += f"\n\n**Hint:** {outcome.hint}"
        if outcome.passed and self.step is not None:
            text += "\n\n" + self._whats_next(self.step)
        self.query_one(StepPane).show_extra(text)
        self.query_one(CommandPane).output(
            OutputLine(f"check {mark}: {outcome.message}", "ok" if outcome.passed else "fail")
        )

    def _whats_next(self, step: StepView) -> str:
        """After a step passes: the next step, or at a lesson's end the next lesson."""
        if step.index + 1 < step.count:
            return "Press **n** for the next step."
        following = self.next_lesson(step.lesson_id)
        if following is None:
            return "**Lesson done.** That was the last lesson on this target."
        return f"**Lesson done.** Press **n** for the next lesson: {following.title}."

    def start_demo(self) -> None:
        """Demo mode hooks in here (see `lab.tui.screens.demo`)."""
