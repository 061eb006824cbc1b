"""What the lab screen needs from the course engine: a small facade its workers call.

The facade is plain Python (no Textual): workers call it from threads, and tests can drive it
without a screen. `lab.tui.course_session` implements it over `lab.course` and a target.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from lab.targets.base import WorkloadState


@dataclass(frozen=True)
class LessonSummary:
    """A lesson as the lesson list shows it: title and the learner's progress."""

    id: str
    title: str
    summary: str
    steps: int
    done: int
    supported: bool = True  # False when the lesson does not run on the session's target

    def progress_label(self) -> str:
        mark = "✔" if self.steps and self.done >= self.steps else " "
        return f"{mark} {self.title}  {self.done}/{self.steps}"


@dataclass(frozen=True)
class StepView:
    """One step of a lesson, ready to display."""

    lesson_id: str
    index: int
    count: int
    title: str
    text: str  # Markdown
    hints: tuple[str, ...] = ()
    solution: str | None = None
    notes: str | None = None  # instructor notes, shown in demo mode
    # Profile files the step uses, for the profile viewer (absolute, or under profiles_dir).
    profiles: tuple[str, ...] = ()
    done: bool = False
    learner_part: bool = False  # the learner has something to do (the solution) before checking
    files: tuple[str, ...] = ()  # an exercise: the workspace files the learner edits
    question: str | None = None  # predict, then run: asked before the step runs
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class CheckOutcome:
    """The result of a step's checks, worded for the learner."""

    passed: bool
    message: str
    hint: str | None = None


@dataclass(frozen=True)
class CommandStarted:
    """A real command the target is about to run, exactly as it will run it."""

    command: str


@dataclass(frozen=True)
class CommandFinished:
    """A command ended: its status (None when a signal ended it) and what it printed."""

    command: str
    exit_code: int | None
    stdout: str = ""
    stderr: str = ""
    signal: int | None = None


@dataclass(frozen=True)
class OutputLine:
    """Text produced while a step runs (an observation, an HTTP body, a note from the runner)."""

    text: str
    kind: str = "info"  # "info", "ok", "fail", "warn"


@dataclass(frozen=True)
class WorkloadUpdate:
    """A workload's state changed (or was read again)."""

    name: str
    state: WorkloadState


SessionEvent = CommandStarted | CommandFinished | OutputLine | WorkloadUpdate | CheckOutcome
Listener = Callable[[SessionEvent], None]


class Session(Protocol):
    """A learner's session on one target. Every method may block: call it from a worker."""

    target_name: str

    def lessons(self) -> list[LessonSummary]: ...

    def resume_index(self, lesson_id: str) -> int: ...

    def step(self, lesson_id: str, index: int) -> StepView: ...

    def run_step(self, lesson_id: str, index: int, listener: Listener) -> None: ...

    def solve(self, lesson_id: str, index: int, listener: Listener) -> None: ...

    def check(self, lesson_id: str, index: int, listener: Listener) -> CheckOutcome: ...

    def reset_step(self, lesson_id: str, index: int, listener: Listener) -> None: ...

    def predict(self, lesson_id: str, index: int, choice: int) -> None: ...

    def workloads(self) -> list[tuple[str, WorkloadState]]: ...

    def watched_pids(self) -> set[int]: ...

    def close(self) -> list[str]: ...


SessionFactory = Callable[[str], Session]
