"""Small event objects the runner hands to its listener; front ends decide how to show them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lab.course.checks import CheckResult
from lab.course.model import Check, Lesson, Step


@dataclass(frozen=True)
class Event:
    """Base of everything the runner reports."""


@dataclass(frozen=True)
class LessonStarted(Event):
    lesson: Lesson
    target: str


@dataclass(frozen=True)
class StepStarted(Event):
    step: Step
    index: int  # 1-based
    total: int
    text: str  # the step's text for this target


@dataclass(frozen=True)
class CommandShown(Event):
    """A real command the target is about to run, exactly as it will run it."""

    command: str


@dataclass(frozen=True)
class CommandOutput(Event):
    """What a command (or a workload's one-shot run) printed, and how it ended."""

    command: str
    exit_code: int | None
    stdout: str
    stderr: str
    signal: int | None = None


@dataclass(frozen=True)
class Info(Event):
    """Text for the learner: a note, a workload's state, a profile's content."""

    title: str
    body: str = ""


@dataclass(frozen=True)
class ActionFailed(Event):
    """An action could not be carried out; `hint` says what might fix it."""

    action: str
    message: str
    hint: str | None = None


@dataclass(frozen=True)
class CheckStarted(Event):
    description: str


@dataclass(frozen=True)
class CheckPassed(Event):
    result: CheckResult


@dataclass(frozen=True)
class CheckFailed(Event):
    result: CheckResult
    hint: str | None  # the next hint the learner has not seen yet


@dataclass(frozen=True)
class CheckSkipped(Event):
    """A check this host cannot observe (no audit records here, another architecture)."""

    check: Check
    reason: str


@dataclass(frozen=True)
class CheckNotRun(Event):
    """A check that was not run because an earlier one makes its answer meaningless (the
    learner's profile does not load, so the trial never ran); `reason` says which."""

    check: Check
    reason: str


@dataclass(frozen=True)
class HintShown(Event):
    text: str
    number: int  # 1-based
    total: int


@dataclass(frozen=True)
class SolutionShown(Event):
    text: str


@dataclass(frozen=True)
class StepFinished(Event):
    step: Step
    passed: bool


@dataclass(frozen=True)
class StepSkipped(Event):
    """The step needs something this host cannot give (e.g. privileged containers)."""

    step: Step
    reason: str


@dataclass(frozen=True)
class LessonFinished(Event):
    lesson: Lesson
    passed: bool
    failed_steps: tuple[str, ...]
    skipped_steps: tuple[str, ...] = ()
    skipped_checks: int = 0  # checks this host could not observe (each said why when skipped)


Listener = Callable[[Event], None]
