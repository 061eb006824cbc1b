"""Course runner events in the lab screen's terms: commands, output lines and check outcomes."""

from __future__ import annotations

from lab.course import events as ev
from lab.tui.session import (
    CheckOutcome,
    CommandFinished,
    CommandStarted,
    OutputLine,
    SessionEvent,
)

_BODY_LINES = 12  # a profile or a long note: the profile viewer shows the whole thing


def translate(event: ev.Event) -> list[SessionEvent]:
    """What the screen shows for one runner event (nothing for the ones it draws itself)."""
    if isinstance(event, ev.CommandShown):
        return [CommandStarted(event.command)]
    if isinstance(event, ev.CommandOutput):
        return [
            CommandFinished(
                event.command, event.exit_code, event.stdout, event.stderr, event.signal
            )
        ]
    if isinstance(event, ev.Info):
        return [OutputLine(line) for line in _info_lines(event)]
    if isinstance(event, ev.ActionFailed):
        lines: list[SessionEvent] = [OutputLine(f"{event.action} failed: {event.message}", "fail")]
        if event.hint:
            lines.append(OutputLine(f"  fix: {event.hint}", "warn"))
        return lines
    if isinstance(event, ev.CheckStarted):
        return [OutputLine(f"checking {event.description} …")]
    if isinstance(event, ev.CheckPassed):
        warned = [OutputLine(f"    warning: {w}", "warn") for w in event.result.warnings]
        return [OutputLine(f"  ✔ {event.result.expected}", "ok"), *warned]
    if isinstance(event, ev.CheckFailed):
        return [OutputLine(f"  ✘ {event.result.reason()}", "fail")]
    if isinstance(event, ev.CheckSkipped):
        return [OutputLine(f"  – skipped here: {event.reason}", "warn")]
    if isinstance(event, ev.CheckNotRun):
        return [OutputLine(f"  – not run: {event.reason}", "warn")]
    if isinstance(event, ev.StepSkipped):
        return [OutputLine(f"skipped here: {event.reason}", "warn")]
    if isinstance(event, ev.SolutionShown):
        return [OutputLine(f"solution: {event.text.strip()}", "info")]
    return []


def outcome(passed: bool, failures: list[ev.CheckFailed], skipped: int = 0) -> CheckOutcome:
    """A step's check result for the learner: what was expected and seen, and the next hint."""
    if passed and skipped:
        said = "1 check was" if skipped == 1 else f"{skipped} checks were"
        return CheckOutcome(True, f"every check that can run here passed ({said} skipped)")
    if passed:
        return CheckOutcome(True, "every check passed")
    reasons = "; ".join(f.result.reason() for f in failures) or "a check did not pass"
    hint = next((f.hint for f in failures if f.hint), None)
    return CheckOutcome(False, reasons, hint)


def _info_lines(event: ev.Info) -> list[str]:
    body = event.body.rstrip().splitlines()
    if len(body) > _BODY_LINES:
        # Only a profile is in the profile viewer; the rest of anything else is just counted.
        where = " (press v)" if event.title.startswith("profile ") else ""
        body = [*body[:_BODY_LINES], f"… {len(body) - _BODY_LINES} more lines{where}"]
    return [event.title, *(f"  {line}" for line in body)]
