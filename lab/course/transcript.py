"""Runner events as plain text lines, for the headless `seclab run` and for test transcripts."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass

from lab.course.events import (
    ActionFailed,
    CheckFailed,
    CheckNotRun,
    CheckPassed,
    CheckSkipped,
    CheckStarted,
    CommandOutput,
    CommandShown,
    Event,
    HintShown,
    Info,
    LessonFinished,
    LessonStarted,
    SolutionShown,
    StepFinished,
    StepSkipped,
    StepStarted,
)

# Command output is cut short; lab text (a profile, an audit summary) is shown nearly whole.
_OUTPUT_LINES = 12
_INFO_LINES = 80


def _indent(text: str, prefix: str = "    ", limit: int = _OUTPUT_LINES) -> str:
    lines = text.rstrip().splitlines()
    if len(lines) > limit:
        lines = [*lines[:limit], f"… ({len(lines) - limit} more lines)"]
    return textwrap.indent("\n".join(lines), prefix)


def render(event: Event) -> str | None:
    """The text for one event (None for events with nothing to say)."""
    if isinstance(event, LessonStarted):
        lesson = event.lesson
        return f"== {lesson.title} ({lesson.id}, on {event.target})\n{lesson.summary.strip()}"
    if isinstance(event, StepStarted):
        head = f"\n-- step {event.index}/{event.total}: {event.step.title}"
        return f"{head}\n{event.text.rstrip()}"
    if isinstance(event, CommandShown):
        return f"$ {event.command}"
    if isinstance(event, CommandOutput):
        return _output(event)
    if isinstance(event, Info):
        body = f"\n{_indent(event.body, limit=_INFO_LINES)}" if event.body.strip() else ""
        return f"* {event.title}{body}"
    if isinstance(event, ActionFailed):
        text = f"! {event.action} failed: {event.message}"
        return text + (f"\n  hint: {event.hint}" if event.hint else "")
    if isinstance(event, CheckStarted):
        return f"? {event.description}"
    if isinstance(event, CheckPassed):
        text = f"✓ {event.result.check.kind} {event.result.check.name}: {event.result.seen}"
        return text + "".join(f"\n  warning: {w}" for w in event.result.warnings)
    if isinstance(event, CheckFailed):
        result = event.result
        # The expectation was printed once, on the `?` line just above: here what was seen.
        said = result.reason()
        if not result.unobservable:
            said = f"saw {result.seen}" + (f"\n  why: {result.why}" if result.why else "")
        text = f"✗ {result.check.kind} {result.check.name}: {said}"
        return text + (f"\n  hint: {event.hint}" if event.hint else "")
    if isinstance(event, CheckSkipped):
        return f"- {event.check.kind} {event.check.name}: skipped here: {event.reason}"
    if isinstance(event, CheckNotRun):
        return f"- {event.check.kind} {event.check.name}: not run: {event.reason}"
    if isinstance(event, HintShown):
        return f"hint {event.number}/{event.total}: {event.text}"
    if isinstance(event, SolutionShown):
        return f"solution:\n{_indent(event.text)}"
    if isinstance(event, StepFinished):
        return f"{'passed' if event.passed else 'FAILED'}: {event.step.title}"
    if isinstance(event, StepSkipped):
        return f"SKIPPED on this host: {event.step.title}\n  why: {event.reason}"
    if isinstance(event, LessonFinished):
        skipped = (
            f" (skipped here: {', '.join(event.skipped_steps)})" if event.skipped_steps else ""
        )
        if event.skipped_checks:
            n = event.skipped_checks
            skipped += f" ({n} check{'s' if n > 1 else ''} skipped here, each with its reason)"
        if event.passed:
            return f"\n== {event.lesson.id}: every check passed{skipped}"
        return f"\n== {event.lesson.id}: failed steps: {', '.join(event.failed_steps)}{skipped}"
    return None


def _output(event: CommandOutput) -> str | None:
    quiet = not (event.stdout.strip() or event.stderr.strip())
    if quiet and event.exit_code in (None, 0) and not event.signal:
        return None
    parts = []
    if event.stdout.strip():
        parts.append(_indent(event.stdout))
    if event.stderr.strip():
        parts.append(_indent(event.stderr))
    status = f"exit status {event.exit_code}" if event.exit_code is not None else "did not finish"
    if event.signal:
        status += f", signal {event.signal}"
    parts.append(f"  ({status})")
    return "\n".join(parts)


@dataclass
class Printer:
    """A runner listener that writes each event's text through `echo`.

    A check that polls runs the same command again and again (a request every half second for
    30 s): a command that repeats with the same output is counted, not printed each time.
    """

    echo: Callable[[str], object]
    _command: str | None = None  # the last command shown, and what it printed
    _output: str | None = None
    _held: bool = False  # the current command repeats the last one: shown only if it differs
    _repeats: int = 0

    def __call__(self, event: Event) -> None:
        if isinstance(event, CommandShown):
            self._flush_unless(event.command)
            self._held = event.command == self._command and self._output is not None
            self._command = event.command
            if not self._held:
                self._output = None
                self.echo(f"$ {event.command}")
            return
        if isinstance(event, CommandOutput) and self._held:
            self._held = False
            if (render(event) or "") == self._output:
                self._repeats += 1
                return
            self._flush_unless(None)
            self.echo(f"$ {event.command}")
        elif not isinstance(event, CommandOutput):
            self._flush_unless(None)
            self._command = self._output = None
        text = render(event)
        if isinstance(event, CommandOutput):
            self._output = text or ""
        if text is not None:
            self.echo(text)

    def _flush_unless(self, command: str | None) -> None:
        """Say how often the last command repeated, unless it is about to repeat again."""
        if self._repeats and command != self._command:
            times = "once more" if self._repeats == 1 else f"{self._repeats} more times"
            self.echo(f"  (the same command and output {times})")
            self._repeats = 0
