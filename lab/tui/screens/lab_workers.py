"""The lab screen's background work: every blocking call runs here, on worker threads.

Workers call the session facade and post small messages; they never touch widgets. Failures
surface through `Worker.StateChanged`, handled once by the lab screen.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import work
from textual.message import Message
from textual.screen import Screen
from textual.worker import get_current_worker

from lab.targets.base import WorkloadState
from lab.tui.session import (
    CheckOutcome,
    LessonSummary,
    OutputLine,
    Session,
    SessionEvent,
    StepView,
)
from lab.tui.widgets.exercise import Finding

WATCH_INTERVAL = 0.3  # seconds between looks at the workspace files' modification times

if TYPE_CHECKING:
    from lab.tui.audit_feed import AuditFeed
    from lab.tui.config import LabConfig
    from lab.tui.profile_view import ProfileDocument


class LabWorkers(Screen[None]):
    """Thread workers and the messages they post."""

    config: LabConfig
    session: Session | None

    @dataclass
    class SessionReady(Message):
        session: Session
        lessons: list[LessonSummary]
        step: StepView | None
        notice: str | None = None  # e.g. why this target was chosen

    @dataclass
    class StepLoaded(Message):
        step: StepView
        lessons: list[LessonSummary]
        outcome: CheckOutcome | None = None
        afresh: bool = False  # shown as if opened anew (after a reset: no check result left)

    @dataclass
    class Posted(Message):
        """An event from the session while a step runs (a command, output, a state)."""

        event: SessionEvent

    @dataclass
    class Workloads(Message):
        workloads: list[tuple[str, WorkloadState]]

    @dataclass
    class AuditReady(Message):
        feed: AuditFeed

    @dataclass
    class AuditUnavailable(Message):
        reason: str

    @dataclass
    class ProfilesFound(Message):
        paths: list[Path]

    @dataclass
    class ProfileLoaded(Message):
        document: ProfileDocument

    @dataclass
    class ExerciseFile(Message):
        """A workspace file's text and lint findings; `changed`: it changed on disk."""

        path: Path
        text: str
        findings: list[Finding]
        changed: bool = False

    @dataclass
    class SessionClosed(Message):
        removed: list[str]
        final: bool = False  # the app is quitting

    def _listener(self, event: SessionEvent) -> None:
        self.post_message(self.Posted(event))

    def _loaded(
        self, session: Session, lesson_id: str, index: int, outcome: CheckOutcome | None = None
    ) -> None:
        step = session.step(lesson_id, index)
        self.post_message(self.StepLoaded(step, session.lessons(), outcome))

    @work(thread=True, exclusive=True, group="session", exit_on_error=False)
    def start_session(
        self, target_name: str, lesson_id: str | None, previous: Session | None = None
    ) -> None:
        """Make the session (the target may need preparing), and find where the learner was.

        When switching, the previous session's workloads are stopped first, in this same
        worker: a separate one could be cancelled by this exclusive group before it ran.
        """
        if previous is not None:
            removed = previous.close()
            self.post_message(self.SessionClosed(removed))
        notice = None
        if target_name == "auto":
            from lab.tui.target_choice import choose_target  # on the worker, off the first frame

            choice = choose_target()
            target_name, notice = choice.target, choice.reason
        session = self.config.session_factory(target_name)
        # A session may have its own word for the learner (lesson files it left out).
        notice = "\n".join(n for n in (notice, getattr(session, "notice", None)) if n) or None
        lessons = session.lessons()
        runnable = [lesson for lesson in lessons if lesson.supported]
        chosen = lesson_id or next(
            (lesson.id for lesson in runnable if lesson.done < lesson.steps),
            runnable[0].id if runnable else None,
        )
        step = None
        if chosen is not None:
            step = session.step(chosen, session.resume_index(chosen))
        self.post_message(self.SessionReady(session, lessons, step, notice))

    @work(thread=True, exclusive=True, group="step", exit_on_error=False)
    def load_step(self, session: Session, lesson_id: str, index: int | None) -> None:
        """Show a step; `index` None resumes where the learner left the lesson."""
        if index is None:
            index = session.resume_index(lesson_id)
        self.post_message(self.StepLoaded(session.step(lesson_id, index), session.lessons()))

    @work(thread=True, exclusive=True, group="step", exit_on_error=False)
    def run_step(
        self, session: Session, lesson_id: str, index: int, prediction: int | None = None
    ) -> None:
        """Run the step's actions; check at once unless the learner has a part to play."""
        if prediction is not None:  # predict, then run: the answer is kept first
            session.predict(lesson_id, index, prediction)
        session.run_step(lesson_id, index, self._listener)
        step = session.step(lesson_id, index)
        outcome = None
        if not step.learner_part:
            outcome = session.check(lesson_id, index, self._listener)
            step = session.step(lesson_id, index)
        else:
            turn = "Your turn: do the step (or press s: the lab does it), then press c."
            self._listener(OutputLine(turn, "warn"))
        self.post_message(self.StepLoaded(step, session.lessons(), outcome))
        self.post_message(self.Workloads(session.workloads()))

    @work(thread=True, exclusive=True, group="step", exit_on_error=False)
    def solve_step(self, session: Session, lesson_id: str, index: int) -> None:
        """Do the learner's part (the solution), then check."""
        session.solve(lesson_id, index, self._listener)
        outcome = session.check(lesson_id, index, self._listener)
        self._loaded(session, lesson_id, index, outcome)
        self.post_message(self.Workloads(session.workloads()))

    @work(thread=True, exclusive=True, group="step", exit_on_error=False)
    def check_step(self, session: Session, lesson_id: str, index: int) -> None:
        outcome = session.check(lesson_id, index, self._listener)
        self._loaded(session, lesson_id, index, outcome)

    @work(thread=True, exclusive=True, group="step", exit_on_error=False)
    def reset_step(self, session: Session, lesson_id: str, index: int) -> None:
        session.reset_step(lesson_id, index, self._listener)
        step = session.step(lesson_id, index)
        self.post_message(self.StepLoaded(step, session.lessons(), afresh=True))
        self.post_message(self.Workloads(session.workloads()))

    @work(thread=True, exclusive=True, group="watch", exit_on_error=False)
    def watch_files(self, paths: list[Path]) -> None:
        """Post each file once, then again whenever it changes on disk (any editor's save).

        Watch mode: modification times are polled here, on a worker thread, never on the event
        loop; a new exclusive call (another step) cancels this one.
        """
        worker = get_current_worker()
        pause = threading.Event()  # waited on, never set: a sleep that is not time.sleep
        stamps = {path: _stamp(path) for path in paths}
        for path in paths:
            self.post_message(self.ExerciseFile(path, *_read_and_lint(path)))
        while not worker.is_cancelled:
            pause.wait(WATCH_INTERVAL)
            for path in paths:
                stamp = _stamp(path)
                if stamp != stamps[path]:
                    stamps[path] = stamp
                    self.post_message(self.ExerciseFile(path, *_read_and_lint(path), changed=True))

    @work(thread=True, group="save", exit_on_error=False)
    def save_file(self, path: Path, text: str) -> None:
        """Write the editor's text; the watcher sees the new file and the step is checked."""
        from lab.paths import learner
        from lab.safe_files import write_atomic

        write_atomic(path, text, mode=0o644, learner=learner())  # never through a link

    @work(thread=True, exclusive=True, group="status", exit_on_error=False)
    def refresh_status(self, session: Session) -> None:
        self.post_message(self.Workloads(session.workloads()))

    @work(thread=True, group="profile", exit_on_error=False)
    def find_profiles(self, directory: Path) -> None:
        from lab.tui.profile_view import list_profiles

        self.post_message(self.ProfilesFound(list_profiles(directory)))

    @work(thread=True, exclusive=True, group="profile", exit_on_error=False)
    def load_profile(self, path: Path, compare_with: Path | None) -> None:
        from lab.tui.profile_view import load_profile

        self.post_message(self.ProfileLoaded(load_profile(path, compare_with)))

    @work(thread=True, exclusive=True, group="audit", exit_on_error=False)
    def start_audit(self) -> None:
        """Open the audit stream; when it cannot be read, say why and how to fix it."""
        factory = self.config.audit_stream_factory
        if factory is None:
            self.post_message(self.AuditUnavailable("audit: no audit source configured"))
            return
        try:
            stream = factory()
        except Exception as exc:  # a source's own error type: its message and hint say it all
            self.post_message(self.AuditUnavailable(unavailable_reason(exc)))
            return
        from lab.tui.audit_feed import AuditFeed

        self.post_message(self.AuditReady(AuditFeed(stream)))

    # Not exclusive, and in a group of its own: nothing may cancel a cleanup before it runs.
    @work(thread=True, group="closing", exit_on_error=False)
    def close_session(
        self, session: Session | None, final: bool = False, stream: Any = None
    ) -> None:
        """Stop every workload this session started, and the audit stream (quit, Ctrl-C)."""
        try:
            removed = session.close() if session is not None else []
            close_stream = getattr(stream, "close", None)
            if close_stream is not None:  # joins its thread, restores the kernel's backlog limit
                close_stream()
        finally:
            # Even when cleanup fails, a quitting app must still exit (the error is shown).
            if final:
                self.post_message(self.SessionClosed([], final=True))
        if not final:
            self.post_message(self.SessionClosed(removed))


def unavailable_reason(exc: Any) -> str:
    """Why the audit pane is empty, and what would fix it."""
    hint = getattr(exc, "hint", None) or getattr(exc, "fix", None)
    text = str(exc) or type(exc).__name__
    if isinstance(exc, PermissionError) or "permission" in text.lower():
        hint = hint or "run `sudo seclab start` (reading audit records needs CAP_AUDIT_READ)"
    return f"audit: no records — {text}" + (f". Fix: {hint}" if hint else "")


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_mtime_ns, info.st_size


def _read_and_lint(path: Path) -> tuple[str, list[Finding]]:
    """The file's text and, for a profile, `seclab lint`'s findings on it."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        return "", [Finding(0, 0, "error", f"cannot read {path}: {exc.strerror}")]
    if path.suffix != ".json":
        return text, []
    from lab.profile.lint import lint_text

    found = lint_text(text, str(path))
    return text, [Finding(d.line, d.column, d.severity, d.message) for d in found]
