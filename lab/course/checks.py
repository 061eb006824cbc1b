"""Checks as wait strategies: observe, compare, poll until the condition holds or time runs out."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lab.course.model import Check
from lab.course.observe import Observations
from lab.targets.base import Phase


class Cancelled(Exception):
    """The learner (or the front end) asked to stop."""


@dataclass(frozen=True)
class Verdict:
    """One look at an observation: did it meet the condition, and what was seen."""

    passed: bool
    expected: str
    seen: str
    final: bool = False  # looking again cannot change the answer (no capture, no result)
    unobservable: bool = False  # this host cannot see it at all (`seen` says why, and the fix)
    never_up: bool = False  # the workload will not come up as wanted: later steps need it
    hint: str | None = None  # the check's own fix (lint's), shown before the step's hints
    warnings: tuple[str, ...] = ()  # lint's warnings about a file that still loads


@dataclass(frozen=True)
class CheckResult:
    """The outcome of a check after waiting: the last verdict and how many looks it took."""

    check: Check
    passed: bool
    expected: str
    seen: str
    attempts: int
    unobservable: bool = False
    why: str = ""  # exercises: what the failure means, and what the kernel did
    never_up: bool = False  # the workload did not come up and will not: see Verdict
    hint: str | None = None  # the check's own fix (lint's), shown before the step's hints
    warnings: tuple[str, ...] = ()  # lint's warnings about a file that still loads

    def reason(self) -> str:
        """What was expected and what was seen, for the learner."""
        if self.unobservable:
            return f"cannot be checked here: {self.seen}"
        text = f"expected {self.expected}; saw {self.seen}"
        return f"{text}\n  why: {self.why}" if self.why else text


def kernel_story(events: Sequence[Any]) -> str:
    """What the kernel did to a workload, from its audit records, in one sentence.

    `The kernel's records (x86_64): your profile refused chmod with ERRNO; it logged and
    allowed brk, close, …`
    """
    by_action: dict[str, set[str]] = {}
    arches: set[str] = set()
    for event in events:
        by_action.setdefault(event.action, set()).add(event.syscall_name or f"#{event.syscall}")
        arch = getattr(event, "arch_name", "")
        arches.add(str(arch() if callable(arch) else arch))
    words = {
        "errno": "refused {} with ERRNO",
        "kill_process": "killed the process at {} (KILL_PROCESS)",
        "kill_thread": "killed only the calling thread at {} (KILL_THREAD)",
        "trap": "trapped {}",
        "log": "logged and allowed {}",
    }
    parts = []
    for action, template in words.items():
        names = sorted(by_action.get(action, ()))
        if names:
            more = f" and {len(names) - 40} more" if len(names) > 40 else ""
            parts.append(template.format(", ".join(names[:40]) + more))
    if not parts:
        return ""
    where = f" ({', '.join(sorted(a for a in arches if a))})" if any(arches) else ""
    return f"The kernel's records{where}: your profile " + "; it ".join(parts) + "."


def evaluate(check: Check, obs: Observations) -> Verdict:
    """Look once."""
    kinds = {
        "state": _state, "http": _http, "served": _served, "output": _output, "audit": _audit,
        "lint": _lint,
    }  # fmt: skip
    return kinds[check.kind](check, obs)


def wait_for(
    check: Check,
    obs: Observations,
    cancel: threading.Event | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> CheckResult:
    """Look until the check passes or its timeout runs out; `cancel` stops the wait at once."""
    cancel = cancel or threading.Event()
    deadline = clock() + check.timeout
    attempts = 0
    while True:
        if cancel.is_set():
            raise Cancelled
        attempts += 1
        if attempts == 1:
            verdict = evaluate(check, obs)
        else:  # looking again: the learner saw the command once, and sees the verdict
            with obs.target.quietly():
                verdict = evaluate(check, obs)
        if verdict.passed or verdict.final or clock() >= deadline:
            return CheckResult(
                check, verdict.passed, verdict.expected, verdict.seen, attempts,
                verdict.unobservable, never_up=verdict.never_up and not verdict.passed,
                hint=verdict.hint, warnings=verdict.warnings,
            )  # fmt: skip
        cancel.wait(min(check.interval, max(0.0, deadline - clock())))


def arch_mismatch(check: Check) -> str | None:
    """Why a check for another architecture is skipped on this machine, or None."""
    from lab.profile.syscalls import native_arch, short_arch_name

    here = short_arch_name(native_arch())
    if check.arch is None or check.arch == here:
        return None
    return f"this check holds on {check.arch}; this machine is {here}"


def describe(check: Check) -> str:
    """A one-line summary of what the check expects (shown before waiting)."""
    return f"{check.kind} {check.name}: {_expectation(check)}"


def _expectation(check: Check) -> str:
    parts: list[str] = []
    if check.kind == "state":
        parts.append(" or ".join(check.phases))
        if check.reason:
            parts.append(f"reason '{check.reason}'")
    if check.kind == "http":
        parts.append(
            "no answer" if check.fails else f"HTTP {check.status or 200} from {check.path}"
        )
    if check.kind == "lint":
        parts.append(f"{check.name} passes seclab lint")
        if check.refuse:
            parts.append(f"its defaultAction is not {' or '.join(check.refuse)}")
    if check.kind == "served":
        wanted = check.min_count or 1
        parts.append(f"at least {wanted} request(s) for {check.path} sent by you, not the lab")
    if check.kind == "audit":
        actions = " or ".join(check.audit_actions())
        parts.append(f"{_count_words(check)}{' ' + actions if actions else ''} records")
        if check.signal is not None:
            parts.append(f"sig={check.signal}")
        parts += [f"with {s}" for s in check.present] + [f"without {s}" for s in check.absent]
        if check.any_of:
            parts.append(f"one with {' or '.join(check.any_of)}")
    if check.exit_code is not None:
        parts.append(f"exit status {check.exit_code}")
    if check.signal is not None and check.kind != "audit":
        parts.append(f"signal {check.signal}")
    parts += [f"'{text}' in the output" for text in check.contains]
    parts += [f"no '{text}' in the output" for text in check.absent_text]
    return ", ".join(p for p in parts if p) or "anything"


def _count_words(check: Check) -> str:
    low, high = check.min_count, check.max_count
    if low is not None and low == high:
        return f"exactly {low}"
    if high is not None and low is None:
        return f"at most {high}"
    if low is not None and high is None:
        return f"at least {low}"
    if low is not None and high is not None:
        return f"{low} to {high}"
    return "any number of"


def _texts(check: Check, text: str) -> list[str]:
    """What is wrong about `text` against the check's contains / not_contains."""
    wrong = [f"no '{t}'" for t in check.contains if t not in text]
    return wrong + [f"'{t}' present" for t in check.absent_text if t in text]


def _excerpt(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def _state(check: Check, obs: Observations) -> Verdict:
    st = obs.state(check.name)
    ok = st.phase.value in check.phases
    said = f"{st.reason} {st.message}".lower()
    ok = ok and (check.reason is None or check.reason.lower() in said)
    ok = ok and (check.exit_code is None or st.exit_code == check.exit_code)
    ok = ok and (check.signal is None or st.signal == check.signal)
    seen = st.phase.value
    details = [
        f"reason {st.reason}" if st.reason else "",
        f"exit status {st.exit_code}" if st.exit_code is not None else "",
        f"signal {st.signal}" if st.signal else "",
    ]
    if st.message:
        details.append(f"message {_excerpt(st.message, 200)}")
    if any(details):
        seen += f" ({', '.join(d for d in details if d)})"
    if ok:
        return Verdict(True, _expectation(check), seen)
    # Waiting cannot help: the node cannot get the image, or it crash-loops where it should run.
    if st.stuck and st.phase.value not in check.phases:
        return Verdict(False, _expectation(check), f"{seen}: {st.stuck}", final=True, never_up=True)
    if st.phase is Phase.CRASH_LOOPING and "running" in check.phases:
        why = (
            f"{seen}: it keeps failing at start (restarts {st.restarts}), so it will not be "
            "running however long one waits"
        )
        return Verdict(False, _expectation(check), why, final=True, never_up=True)
    return Verdict(False, _expectation(check), seen)


def _http(check: Check, obs: Observations) -> Verdict:
    resp = obs.request(check.name, check.path)
    if check.fails:
        seen = "no answer" if resp.status is None else f"HTTP {resp.status}"
        return Verdict(resp.status is None, "no answer", f"{seen} {resp.error or ''}".strip())
    if resp.status is None:
        return Verdict(False, _expectation(check), f"no answer ({resp.error or 'no error given'})")
    wrong = _texts(check, resp.body)
    ok = resp.status == (check.status or 200) and not wrong
    return Verdict(ok, _expectation(check), f"HTTP {resp.status}, body {_excerpt(resp.body)}")


def _lint(check: Check, obs: Observations) -> Verdict:
    """The learner's profile passes `seclab lint` (and does not use a refused default)."""
    path = obs.files.get(check.name)
    if path is None:
        return Verdict(False, _expectation(check), f"no workspace file {check.name}", True)
    found = lint_findings(path)
    errors = [d for d in found if d.severity == "error"]
    warnings = tuple(
        f"{d.location()}: {d.message} [{d.code}]" + (f"; fix: {d.suggestion}" * bool(d.suggestion))
        for d in found
        if d.severity == "warning"
    )
    if errors:
        shown = "\n".join(f"  {d.location()}: {d.message} [{d.code}]" for d in errors[:3])
        more = f"\n  (and {len(errors) - 3} more)" if len(errors) > 3 else ""
        count = "1 error" if len(errors) == 1 else f"{len(errors)} errors"
        seen = f"seclab lint found {count}:\n{shown}{more}"
        fix = next((d.suggestion for d in errors if d.suggestion), None)
        return Verdict(False, _expectation(check), seen, True, hint=fix)
    if check.refuse:
        try:
            default = json.loads(path.read_text(encoding="utf-8")).get("defaultAction")
        except (OSError, ValueError, AttributeError):
            default = None
        if default in check.refuse:
            seen = f"defaultAction {default}: that allows what the list leaves out"
            return Verdict(False, _expectation(check), seen, True, warnings=warnings)
    said = f"{path.name} is a valid profile"
    if warnings:
        count = "a warning" if len(warnings) == 1 else f"{len(warnings)} warnings"
        said += f", but seclab lint has {count} (below)"
    return Verdict(True, _expectation(check), said, warnings=warnings)


def lint_findings(path: Path) -> list[Any]:
    """Everything `seclab lint` says about a workspace file."""
    from lab.profile.lint import lint_file

    return lint_file(path)


def lint_errors(path: Path) -> list[Any]:
    """`seclab lint`'s errors about a workspace file (none: the file loads as a profile)."""
    return [d for d in lint_findings(path) if d.severity == "error"]


def _served(check: Check, obs: Observations) -> Verdict:
    served = obs.served(check.name)
    count = served.get(check.path, 0)
    ok = count >= (check.min_count or 1)
    others = ", ".join(f"{path} ×{n}" for path, n in sorted(served.items()) if path != check.path)
    seen = f"{count} request(s) for {check.path} in {check.name}'s log since the step began"
    return Verdict(ok, _expectation(check), seen + (f" (also: {others})" if others else ""))


def _output(check: Check, obs: Observations) -> Verdict:
    result = obs.result(check.name)
    if result is None:
        return Verdict(False, _expectation(check), "no result yet: the action has not run", True)
    text = f"{result.stdout}\n{result.stderr}"
    ok = not _texts(check, text)
    ok = ok and (check.exit_code is None or result.exit_code == check.exit_code)
    ok = ok and (check.signal is None or result.signal == check.signal)
    # No exit status: the command could not be carried out (the output says why).
    seen = "no exit status" if result.exit_code is None else f"exit status {result.exit_code}"
    if result.signal:
        seen += f", signal {result.signal}"
    return Verdict(ok, _expectation(check), f"{seen}, output {_excerpt(text.strip())}")


def _audit(check: Check, obs: Observations) -> Verdict:
    if obs.audit is None:
        return Verdict(False, _expectation(check), obs.audit_problem, True, unobservable=True)
    events, problem = obs.audit_events(check.name)
    if problem:
        return Verdict(False, _expectation(check), problem)
    actions = check.audit_actions()
    if actions:
        events = [e for e in events if e.action in actions]
    if check.signal is not None:
        events = [e for e in events if e.signal == check.signal]
    names = {e.syscall_name or f"#{e.syscall}" for e in events}
    ok = check.min_count is None or len(events) >= check.min_count
    ok = ok and (check.max_count is None or len(events) <= check.max_count)
    missing = [s for s in check.present if s not in names]
    if check.any_of and not names & set(check.any_of):
        missing.append(" or ".join(check.any_of))
    unwanted = [s for s in check.absent if s in names]
    seen = f"{len(events)} records"
    if names:
        shown = sorted(names)
        seen += f" ({', '.join(shown[:12])}{', …' if len(shown) > 12 else ''})"
    if missing:
        seen += f"; missing {', '.join(missing)}"
    if unwanted:
        seen += f"; unwanted {', '.join(unwanted)}"
    return Verdict(ok and not missing and not unwanted, _expectation(check), seen)
