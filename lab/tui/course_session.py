"""The lab screen's session facade over `lab.course`: lessons, steps, checks and progress.

One `LessonRunner` per lesson opened, all on one target; closing the session deletes every
workload any of them started. Plain Python: workers call it from threads.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any

from lab import paths
from lab.course import address
from lab.course import events as ev
from lab.course.errors import LessonError
from lab.course.loader import load_each_lesson
from lab.course.model import Lesson, Step
from lab.course.observe import AuditSource
from lab.course.progress import ProgressStore
from lab.course.runner import LessonRunner
from lab.targets.base import ExecResult, Phase, Target, WorkloadState
from lab.tui.course_events import outcome, translate
from lab.tui.session import CheckOutcome, LessonSummary, Listener, StepView


def _ignore(event: object) -> None:
    del event


class CourseSession:
    """A learner's session on one target, backed by the course engine."""

    def __init__(
        self,
        target: Target,
        lessons: list[Lesson],
        *,
        progress: ProgressStore | None = None,
        audit: AuditSource | None = None,
        forks: Any = None,
        on_close: Callable[[], None] | None = None,
        notice: str | None = None,
        audit_problem: str | None = None,
    ) -> None:
        self.target = target
        self.notice = notice  # shown to the learner when the lab opens (lesson files left out)
        self.target_name = target.name
        self._lessons = {lesson.id: lesson for lesson in lessons}
        self._order = [lesson.id for lesson in lessons]
        self._progress = progress or ProgressStore()
        self._audit = audit
        self._audit_problem = audit_problem  # why checks cannot see records, when known
        self._forks = forks
        self._on_close = on_close
        self._runners: dict[str, LessonRunner] = {}
        self._runners_started: dict[str, bool] = {}
        self._listener: Listener = _ignore
        self._failures: list[ev.CheckFailed] = []
        self._check_skips = 0  # checks of the current round this host cannot observe
        self._skipped: dict[str, str] = {}  # step id -> why this host cannot run it
        self._lock = threading.RLock()  # one step operation at a time, whichever worker asks
        self._closed = False

    def _forward(self, event: ev.Event) -> None:
        if isinstance(event, ev.CheckFailed):
            self._failures.append(event)
        elif isinstance(event, ev.CheckSkipped):
            self._check_skips += 1
        elif isinstance(event, ev.StepSkipped):
            self._skipped[event.step.id] = event.reason
        for shown in translate(event):
            self._listener(shown)

    def _runner(self, lesson_id: str, listener: Listener) -> tuple[LessonRunner, Lesson]:
        lesson = self._lessons[lesson_id]
        self._listener = listener
        runner = self._runners.get(lesson_id)
        if runner is None:
            runner = LessonRunner(
                lesson,
                self.target,
                self._forward,
                audit=self._audit,
                forks=self._forks,
                progress=self._progress,
            )
            if self._audit_problem:
                runner.obs.audit_problem = self._audit_problem
            self._runners[lesson_id] = runner
        # Several runners share the target: the one in use hears its commands.
        runner.target.on_command = runner._on_command
        return runner, lesson

    def lessons(self) -> list[LessonSummary]:
        out = []
        for lesson_id in self._order:
            lesson = self._lessons[lesson_id]
            passed = self._progress.passed(lesson.id, self.target_name)
            done = sum(step.id in passed for step in lesson.steps)
            out.append(
                LessonSummary(
                    lesson.id,
                    lesson.title,
                    lesson.summary,
                    len(lesson.steps),
                    done,
                    lesson.supports(self.target_name),
                )
            )
        return out

    def resume_index(self, lesson_id: str) -> int:
        lesson = self._lessons[lesson_id]
        passed = self._progress.passed(lesson_id, self.target_name)
        return next((i for i, s in enumerate(lesson.steps) if s.id not in passed), 0)

    def step(self, lesson_id: str, index: int) -> StepView:
        lesson = self._lessons[lesson_id]
        step = lesson.steps[index]
        passed = self._progress.passed(lesson_id, self.target_name)
        runner = self._runners.get(lesson_id)  # addresses known from its runs; no target call
        text = address.fill(
            step.text_for(self.target_name),
            runner.ctx.addresses.get if runner else (lambda name: None),
        )
        if not lesson.supports(self.target_name):
            text = f"**Not on {self.target_name}:** {lesson.why_not(self.target_name)}\n\n{text}"
        try:
            files = _files(lesson, step)
        except paths.StateDirError as exc:  # no data folder: the step is shown, with the fix
            files = ()
            text = f"**Your files cannot be made:** {exc}\n\n{text}"
        if step.predict is not None:  # on screen before the run: a demo's room sees it first
            choices = "\n".join(f"{n}. {c}" for n, c in enumerate(step.predict.choices, 1))
            text = f"**Predict, then run:** {step.predict.question}\n\n{choices}\n\n{text}"
        return StepView(
            lesson_id=lesson_id,
            index=index,
            count=len(lesson.steps),
            title=step.title,
            text=text,
            hints=step.hints,
            solution=step.solution.text or None,
            notes=step.notes or None,
            profiles=self._profile_paths(lesson_id, step),
            done=step.id in passed,
            learner_part=bool(step.solution.actions) or step.exercise,
            files=files,
            question=step.predict.question if step.predict else None,
            choices=step.predict.choices if step.predict else (),
        )

    def _profile_paths(self, lesson_id: str, step: Step) -> tuple[str, ...]:
        """Where the step's profiles are: a profile the lesson wrote (make-your-own) is in
        its work folder, the others among the shipped ones."""
        runner = self._runners.get(lesson_id)
        names = _profiles(step, self.target_name)
        if runner is None:
            return tuple(str(self.target.profiles_dir / name) for name in names)
        return tuple(str(runner.ctx.profile_path(name)) for name in names)

    def run_step(self, lesson_id: str, index: int, listener: Listener) -> None:
        with self._lock:
            runner, lesson = self._runner(lesson_id, listener)
            self._start(runner, lesson_id)
            step = lesson.steps[index]
            self._skipped.pop(step.id, None)
            runner.begin_step(step, index + 1)

    def _start(self, runner: LessonRunner, lesson_id: str) -> None:
        if not self._runners_started.get(lesson_id):
            runner.start()  # prepares the target (quick once it is ready)
            self._runners_started[lesson_id] = True

    def solve(self, lesson_id: str, index: int, listener: Listener) -> None:
        with self._lock:
            runner, lesson = self._runner(lesson_id, listener)
            runner.solve(lesson.steps[index], show=True)

    def check(self, lesson_id: str, index: int, listener: Listener) -> CheckOutcome:
        with self._lock:
            runner, lesson = self._runner(lesson_id, listener)
            step = lesson.steps[index]
            if step.id in self._skipped:  # the runner said this host cannot give what it needs
                return CheckOutcome(True, f"skipped here: {self._skipped[step.id]}")
            self._start(runner, lesson_id)  # an exercise may be checked before `r`
            self._failures, self._check_skips = [], 0
            passed = runner.run_checks(step)
            runner.finish_step(step, passed)
            return outcome(passed, self._failures, self._check_skips)

    def predict(self, lesson_id: str, index: int, choice: int) -> None:
        """The learner's answer to the step's question, kept with their progress."""
        with self._lock:
            runner, lesson = self._runner(lesson_id, self._listener)
            runner.predict(lesson.steps[index], choice)

    def reset_step(self, lesson_id: str, index: int, listener: Listener) -> None:
        with self._lock:
            runner, lesson = self._runner(lesson_id, listener)
            runner.reset_step(lesson.steps[index])

    def workloads(self) -> list[tuple[str, WorkloadState]]:
        """The workloads this session started that still exist or ended as one-shots (how they
        ended: the target has removed them); the ones deleted since are left out."""
        with self._lock:
            shown: dict[str, WorkloadState] = {}
            # The workloads pane polls this every second or two: the lab's bookkeeping.
            with self.target.quietly():
                for runner in self._runners.values():
                    for name in runner.ctx.started:
                        real = runner.obs.real(name)
                        ending = runner.obs.endings.get(name)
                        if ending is not None:
                            shown[real] = _ended(ending)
                        elif real not in shown:
                            state = self.target.state(real)
                            if state.phase is not Phase.NOT_FOUND:
                                shown[real] = state
            return list(shown.items())

    def watched_pids(self) -> set[int]:
        return {pid for r in self._runners.values() for pids in r.obs.pids.values() for pid in pids}

    def close(self) -> list[str]:
        """Delete every workload this session started; safe to call twice."""
        if self._closed:
            return []
        self._closed = True
        self.target.cancel()  # a step still waiting gives up rather than holding the lock
        with self._lock:
            removed = []
            try:
                for runner in self._runners.values():
                    removed += runner.ctx.started
                    runner.cleanup()
                close_target = getattr(self.target, "close", None)
                if close_target is not None:  # local: stops any process it still knows of
                    close_target()
            finally:
                if self._on_close is not None:
                    self._on_close()
            return removed


def _files(lesson: Lesson, step: Step) -> tuple[str, ...]:
    """The exercise's workspace files (the workspace is made from the starting files)."""
    if not step.exercise:
        return ()
    from lab.course import workspace

    where = workspace.ensure(lesson)
    return tuple(str(where / name) for name in step.files)


def _ended(result: ExecResult) -> WorkloadState:
    """A one-shot run's ending as a state: its exit status, or the signal that killed it."""
    return WorkloadState(Phase.EXITED, exit_code=result.exit_code, signal=result.signal)


def _profiles(step: Step, target: str) -> tuple[str, ...]:
    names = [n for a in (*step.actions, *step.solution.actions) for n in a.profile_files(target)]
    return tuple(n for n in dict.fromkeys(names) if n.endswith(".json"))


def course_session_factory(
    target_factory: Callable[..., Target] | None = None,
    *,
    lessons: list[Lesson] | None = None,
    progress: ProgressStore | None = None,
    observe: bool = True,
) -> Callable[[str], CourseSession]:
    """A factory the app calls (on a worker) to start a session on the named target.

    `observe` opens the kernel's audit records and fork events for the audit checks; without
    them (no root) those checks say why they cannot pass, and everything else works.
    """

    def make(target_name: str) -> CourseSession:
        factory = target_factory
        if factory is None:
            from lab.targets.factory import make_target

            factory = make_target
        target = factory(target_name)
        target.prepare()
        stack = contextlib.ExitStack()
        audit = forks = None
        problem = None
        if observe:
            audit, forks, problem = _observers(stack)
        chosen, broken = (lessons, []) if lessons is not None else load_each_lesson()
        return CourseSession(
            target,
            chosen,
            progress=progress,
            audit=audit,
            forks=forks,
            on_close=stack.close,
            notice=broken_lessons_notice(broken),
            audit_problem=problem,
        )

    return make


def broken_lessons_notice(broken: list[LessonError]) -> str | None:
    """The lesson files left out, each with its place and fix; None when every file loaded."""
    if not broken:
        return None
    # One broken file must not stop the lab: the others are offered, this one is named.
    files = "1 lesson file was" if len(broken) == 1 else f"{len(broken)} lesson files were"
    lines = [f"{files} not loaded (the other lessons work):"]
    lines += [error.format() for error in broken]
    return "\n".join(lines)


CHECK_CAPTURE_EVENTS = 100_000


def _observers(stack: contextlib.ExitStack) -> tuple[Any, Any, str | None]:
    """The audit capture and fork watcher, each None when this process may not open it, and
    why records cannot arrive when the capture opened but nothing reaches it."""
    try:
        from lab.audit.capture import AuditCapture

        # The checks read the newest records of the session's workloads; keeping a whole
        # session's machine-wide records (the default, a million) grew the lab by ~300 MiB
        # under a flood. The count of records let go is kept, and a check that misses says so.
        capture = stack.enter_context(AuditCapture(max_events=CHECK_CAPTURE_EVENTS))
    except Exception:  # the audit pane says why and how to fix it; checks say it too
        return None, None, None
    from lab.audit.reach import delivery_problem

    why = delivery_problem(capture)
    if why:  # joined, yet nothing arrives (another network namespace): checks skip, saying so
        return None, None, why
    try:
        from lab.targets.proctree import ForkWatcher

        return capture, stack.enter_context(ForkWatcher()), None
    except OSError:  # then audit checks match the workload's own pids only
        return capture, None, None
