"""Plays a lesson on a target: shows each step, performs its actions, checks, records progress.

UI-neutral: everything goes to a listener as events, nothing is printed here. Every call may
block; `cancel()` (from any thread) stops waits and the target's command in flight.
"""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from pathlib import Path

from lab import paths
from lab.course import address, checks, workspace
from lab.course.action_context import ActionContext
from lab.course.actions import perform
from lab.course.events import (
    ActionFailed,
    CheckFailed,
    CheckNotRun,
    CheckPassed,
    CheckSkipped,
    CheckStarted,
    CommandOutput,
    CommandShown,
    HintShown,
    Info,
    LessonFinished,
    LessonStarted,
    Listener,
    SolutionShown,
    StepFinished,
    StepSkipped,
    StepStarted,
)
from lab.course.model import Action, Check, Lesson, Step
from lab.course.observe import AuditSource, ForkSource, Observations, Result
from lab.course.progress import ProgressStore
from lab.targets.base import CommandEvent, Target, TargetError
from lab.targets.commands import CommandError

# What an action or a check may raise that the learner should read rather than a traceback:
# target and command failures, and the audit capture's (a failed reader, a marker that timed out).
FAILURES = (TargetError, CommandError, OSError, RuntimeError, TimeoutError)


class LessonRunner:
    """One lesson on one target; the front end decides when to move on."""

    def __init__(
        self,
        lesson: Lesson,
        target: Target,
        listener: Listener,
        *,
        audit: AuditSource | None = None,
        forks: ForkSource | None = None,
        progress: ProgressStore | None = None,
        workdir: Path | None = None,
        name_prefix: str = "",
    ) -> None:
        self.lesson = lesson
        self.target = target
        self.listener = listener
        self.progress = progress
        self.cancelled = threading.Event()
        self.obs = Observations(target, audit, forks=forks, prefix=name_prefix)
        target.on_command = self._on_command
        self.ctx = ActionContext(
            target,
            self.obs,
            listener,
            workdir or paths.state_dir() / "work" / lesson.id,
            cancel=self.cancelled,
        )
        self.hints_shown: dict[str, int] = {}
        self.predicted: dict[str, int] = {}  # step id -> the choice the learner made
        self.failed: list[str] = []
        # Set (headless play) when a workload did not come up and waiting cannot change that.
        self.never_up: str | None = None
        self.skipped: list[str] = []
        self.skipped_checks: set[tuple[str, int]] = set()  # (step, line): counted once

    def _on_command(self, event: CommandEvent) -> None:
        if event.quiet:  # the lab's own polling: neither shown nor taken as the step's output
            return
        if event.exit_code is None:
            self.listener(CommandShown(event.shown()))
        else:
            self.ctx.last_output = (event.stdout, event.stderr)
            self.listener(CommandOutput(event.shown(), event.exit_code, event.stdout, event.stderr))

    def steps(self) -> tuple[Step, ...]:
        return self.lesson.steps

    def play(self, *, auto: bool = True) -> bool:
        """Every step in order (performing the solutions when `auto`); True when all passed."""
        self.start()
        try:
            for index, step in enumerate(self.lesson.steps, 1):
                if self.never_up is not None:
                    # The steps after build on a workload that never came up: doing them as if
                    # it had would only add failures that say nothing new.
                    self.listener(StepStarted(step, index, len(self.lesson.steps), ""))
                    self.skipped.append(step.id)
                    self.listener(StepSkipped(step, f"an earlier step's {self.never_up}"))
                    continue
                if not self.begin_step(step, index):
                    continue
                if auto:
                    self.solve(step, show=True)
                self.finish_step(step, self.run_checks(step))
        finally:
            self.cleanup()
        return self.finish()

    def start(self) -> None:
        self.listener(LessonStarted(self.lesson, self.target.name))
        self.target.prepare()

    def begin_step(self, step: Step, index: int) -> bool:
        """Show the step's text and perform its actions; False when the step is skipped here."""
        self.hints_shown[step.id] = 0
        total = len(self.lesson.steps)
        self.listener(StepStarted(step, index, total, self.text(step.text_for(self.target.name))))
        if step.predict is not None and step.id not in self.predicted:  # asked before the run
            choices = "\n".join(f"{n}) {c}" for n, c in enumerate(step.predict.choices, 1))
            self.listener(Info(f"predict, then run: {step.predict.question}", choices))
        blocker = self.blocker(step)
        if blocker:
            self.skipped.append(step.id)
            self.listener(StepSkipped(step, blocker))
            return False
        self._perform_all(step.actions)
        self._mark_requests(step)
        if step.exercise:
            where = self.workspace()
            files = "\n".join(f"  {where / name}" for name in step.files)
            self.listener(Info("your files (edit them, then check)", files))
        return True

    def text(self, text: str) -> str:
        """A step's text with each workload's real address in place of `{address:NAME}`."""
        return address.fill(text, self.ctx.addresses.get)

    def _mark_requests(self, step: Step) -> None:
        """Requests logged before now are not the learner's answer to this step."""
        for check in step.checks:
            if check.kind == "served":
                self.obs.mark_requests(check.name)

    def reset_step(self, step: Step) -> None:
        """Undo the step: its workloads, saved results, requests and progress are forgotten.

        A check after a reset sees nothing the step did before it (the learner does it again).
        """
        for action in (*step.actions, *step.solution.actions):
            if action.kind in ("run", "run_once", "record") and action.name in self.ctx.started:
                self.target.delete(self.obs.real(action.name))
                self.ctx.started.remove(action.name)
                self.obs.forget(action.name)
            self.obs.results.pop(action.result_key, None)
        self._mark_requests(step)
        if step.exercise:  # an exercise starts again from its starting files
            kept: list[Path] = []
            restored = workspace.reset(self.lesson, step, kept)
            said = "\n".join(str(p) for p in restored)
            self.listener(Info("the starting files are back", said))
            if kept:
                self.listener(Info("your version is kept beside it", "\n".join(map(str, kept))))
        if self.progress is not None:
            self.progress.reset_step(self.lesson.id, self.target.name, step.id)

    def blocker(self, step: Step) -> str | None:
        """Why this host cannot give what the step needs, or None."""
        if "audit" in step.needs and self.obs.audit is None:
            return f"this step needs the kernel's audit records: {self.obs.audit_problem}"
        if "privileged" not in step.needs:
            return None
        probe = getattr(self.target, "privileged_blocker", None)
        return probe() if probe is not None else None

    def solve(self, step: Step, *, show: bool = True) -> None:
        """Do what the learner would have done (an exercise: its reference files go in)."""
        if show and step.solution.text:
            self.listener(SolutionShown(self.text(step.solution.text)))
        if step.exercise:
            written = workspace.apply_solution(self.lesson, step)
            self.listener(Info("the reference solution", "\n".join(str(p) for p in written)))
        self._perform_all(step.solution.actions)

    def workspace(self) -> Path:
        """The lesson's workspace, created from the starting files when needed."""
        return workspace.ensure(self.lesson)

    def _bind_files(self, step: Step) -> None:
        """The trial's profile names mean the learner's files (on local: with the log flag)."""
        where = self.workspace()
        for name in step.files:
            self.ctx.derived[name] = self._with_log_flag(where / name)

    def _with_log_flag(self, path: Path) -> Path:
        """On local, a copy of the learner's profile that also logs its refusals.

        SECCOMP_FILTER_FLAG_LOG changes what is logged, never what is allowed: with it each
        ERRNO leaves a record, so a failed check can say which syscall the profile refused.
        (Docker 20.10 drops the flag; there the explanation comes from the program's output.)
        """
        from lab.profile.lint import lint_file

        if self.target.name != "local" or any(d.severity == "error" for d in lint_file(path)):
            return path  # a broken file is run as it is: its errors then name the learner's file
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return path  # lint and the run say what is wrong with it, as they are
        if not isinstance(data, dict) or not isinstance(data.get("flags", []), list):
            return path
        if "SECCOMP_FILTER_FLAG_LOG" not in data.get("flags", []):
            data["flags"] = [*data.get("flags", []), "SECCOMP_FILTER_FLAG_LOG"]
        self.ctx.workdir.mkdir(parents=True, exist_ok=True)
        copy = self.ctx.workdir / f"logged-{path.name}"
        copy.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        return copy

    def trial(self, step: Step) -> None:
        """Run the exercise's trial on the learner's files as they are now."""
        self._bind_files(step)
        for action in step.trial:
            if action.kind in ("run", "run_once", "record"):
                self.obs.results.pop(action.result_key, None)
        self._perform_all(step.trial)

    def predict(self, step: Step, choice: int) -> bool:
        """The learner's answer to the step's question (0-based), kept with their progress."""
        assert step.predict is not None
        if not 0 <= choice < len(step.predict.choices):
            raise ValueError(f"choose 1 to {len(step.predict.choices)}")
        self.predicted[step.id] = choice
        correct = choice == step.predict.answer
        if self.progress is not None:
            chosen = step.predict.choices[choice]
            self.progress.mark_predicted(self.lesson.id, self.target.name, step.id, chosen, correct)
        return correct

    def next_hint(self, step: Step) -> str | None:
        """Show the next hint of the step (None when all were shown)."""
        shown = self.hints_shown.get(step.id, 0)
        if shown >= len(step.hints):
            return None
        self.hints_shown[step.id] = shown + 1
        self.listener(HintShown(step.hints[shown], shown + 1, len(step.hints)))
        return step.hints[shown]

    def run_checks(self, step: Step) -> bool:
        """Every check of the step that applies here; True when all passed.

        A failed round reveals the step's next hint (escalating from one round to the next);
        every failed check of that round repeats it.
        """
        ok = True
        hint: str | None = None
        broken: list[str] = []  # the learner's files lint finds errors in: nothing to run
        warned: tuple[str, ...] = ()  # lint's warnings this round: they may name the mistake
        if step.exercise:
            self.obs.files = {name: self.workspace() / name for name in step.files}
            broken = self._broken_files(step)
            if not broken:
                self.trial(step)
        self.never_up = None  # this round's look decides
        for check in step.checks:
            if check.only and self.target.name not in check.only:
                continue
            if broken and check.kind != "lint":
                files = " and ".join(broken)
                why = f"{files} does not load (see lint above); it runs once lint finds no errors"
                self.listener(CheckNotRun(check, why))
                continue
            other_arch = checks.arch_mismatch(check)
            if other_arch:
                self.skipped_checks.add((step.id, check.line))
                self.listener(CheckSkipped(check, other_arch))
                continue
            self.listener(CheckStarted(checks.describe(check)))
            if self.never_up is not None:  # the rest needs that workload: no waiting on it
                seen = f"not looked at: {self.never_up}"
                result = checks.CheckResult(check, False, checks.describe(check), seen, 0)
                self.listener(CheckFailed(result, None))
                continue
            try:
                result = checks.wait_for(check, self.obs, self.cancelled)
            except FAILURES as exc:
                result = checks.CheckResult(check, False, checks.describe(check), str(exc), 1)
            if check.kind == "lint":
                warned += result.warnings
            if not result.passed and step.exercise:
                result = replace(result, why=self._why(check, warned))
            if result.passed:
                self.listener(CheckPassed(result))
            elif result.never_up:  # the fix is in `seen` (the image, the crash loop)
                ok = False
                self.never_up = f"workload {check.name} never came up"
                self.listener(CheckFailed(result, None))
            elif result.unobservable:  # this host cannot see it: skipped, saying why
                self.skipped_checks.add((step.id, check.line))
                self.listener(CheckSkipped(check, result.seen))
            elif result.hint:  # the check knows the fix (lint's): the step's hints wait
                ok = False
                self.listener(CheckFailed(result, result.hint))
            else:
                if hint is None:
                    hint = self._reveal_hint(step)
                ok = False
                self.listener(CheckFailed(result, hint))
        if step.predict is not None:  # the run is done: now the answer
            reveal = step.predict.reveal(self.predicted.get(step.id))
            self.listener(Info("prediction", reveal))
        if step.exercise:  # the trial's servers have served their purpose
            for action in step.trial:
                if action.kind == "run" and action.name in self.ctx.started:
                    self.target.delete(self.obs.real(action.name))
                    self.ctx.started.remove(action.name)
        return ok

    def _broken_files(self, step: Step) -> list[str]:
        """The step's files that its lint checks would find errors in (they cannot load)."""
        names = [
            check.name
            for check in step.checks
            if check.kind == "lint" and not (check.only and self.target.name not in check.only)
        ]
        files = self.obs.files
        return [n for n in dict.fromkeys(names) if n in files and checks.lint_errors(files[n])]

    def _why(self, check: Check, warned: tuple[str, ...] = ()) -> str:
        """The check's own explanation, lint's warnings about the learner's files (they often
        name the mistake) and, where records exist, what the kernel did."""
        story = ""
        # Only a workload has records: an output check may name a saved answer instead.
        workload = check.kind != "output" or check.name in self.obs.pids
        if self.obs.audit is not None and workload and check.kind != "lint":
            try:
                events, problem = self.obs.audit_events(check.name)
            except FAILURES:
                events, problem = [], ""
            story = "" if problem else checks.kernel_story(events)
        lint = ""
        if warned and check.kind != "lint":
            lint = "seclab lint warned: " + " ".join(w.split(": ", 1)[-1] for w in warned)
        return " ".join(part for part in (check.explain.strip(), lint, story) if part)

    def _reveal_hint(self, step: Step) -> str | None:
        """The next hint, counted as shown; the last one again once all were shown."""
        shown = self.hints_shown.get(step.id, 0)
        if not step.hints:
            return None
        self.hints_shown[step.id] = min(shown + 1, len(step.hints))
        return step.hints[min(shown, len(step.hints) - 1)]

    def finish_step(self, step: Step, passed: bool) -> None:
        """Record the check's outcome: the step's mark follows its latest check, so a step
        that passed once and fails a re-check (the learner broke their file) is not done."""
        if self.progress is not None:
            if passed:
                self.progress.mark_passed(self.lesson.id, self.target.name, step.id)
            else:
                self.progress.reset_step(self.lesson.id, self.target.name, step.id)
        if not passed and step.id not in self.failed:
            self.failed.append(step.id)
        self.listener(StepFinished(step, passed))

    def finish(self) -> bool:
        passed = not self.failed
        self.listener(
            LessonFinished(
                self.lesson,
                passed,
                tuple(self.failed),
                tuple(self.skipped),
                len(self.skipped_checks),
            )
        )
        return passed

    def cleanup(self) -> None:
        """Delete every workload this run started (also after Ctrl-C)."""
        for name in reversed(self.ctx.started):
            try:
                self.target.delete(self.obs.real(name))
            except FAILURES as exc:
                self.listener(ActionFailed("delete", f"could not delete {name}: {exc}"))
        self.ctx.started.clear()

    def cancel(self) -> None:
        """Stop waiting and interrupt the target (safe from another thread)."""
        self.cancelled.set()
        self.target.cancel()

    def _perform_all(self, actions: tuple[Action, ...]) -> None:
        for action in actions:
            if self.cancelled.is_set():
                raise checks.Cancelled
            if action.only and self.target.name not in action.only:
                continue
            self.ctx.last_output = None
            try:
                perform(self.ctx, action)
            except FAILURES as exc:
                self.obs.save(action.result_key, Result(None, "", str(exc)))
                hint = exc.hint if isinstance(exc, TargetError) else None
                self.listener(ActionFailed(action.kind, getattr(exc, "message", str(exc)), hint))
