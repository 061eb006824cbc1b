"""What checks look at: workload states, HTTP answers, saved results, a workload's audit events.

Audit events are matched on the pids the target reported for the workload, never counted globally:
other processes on the same kernel produce records too.
"""

from __future__ import annotations

import contextlib
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from lab.targets.base import ExecResult, HttpResponse, Target, TargetError, WorkloadState

# A request as the echo servers log it: Python's `"GET / HTTP/1.1" 200`, hashicorp/http-echo's
# `"GET / HTTP/1.1"`, the offline stand-in's `GET /`.
REQUEST_LINE = re.compile(r"\b(?:GET|HEAD|POST|PUT|DELETE|PATCH|OPTIONS) (/\S*)")


class AuditSource(Protocol):
    """The part of `lab.audit.capture.AuditCapture` the course needs."""

    def sync(self) -> Any: ...

    def events(self, pids: Iterable[int] | None = None) -> Sequence[Any]: ...


class ForkSource(Protocol):
    """The part of `lab.targets.proctree.ForkWatcher` the course needs."""

    def descendants(self, roots: Iterable[int]) -> set[int]: ...


@dataclass(frozen=True)
class Result:
    """A saved outcome of an action (a command, a request or a recording) for `output` checks."""

    exit_code: int | None
    stdout: str = ""
    stderr: str = ""
    signal: int | None = None

    @classmethod
    def of(cls, value: ExecResult | HttpResponse) -> Result:
        if isinstance(value, HttpResponse):
            return cls(0 if value.status else None, value.body, value.error or "")
        return cls(value.exit_code, value.stdout, value.stderr, value.signal)


@dataclass
class Observations:
    """The runner's view of one lesson run on one target."""

    target: Target
    audit: AuditSource | None = None
    audit_problem: str = (
        "this process cannot read the kernel's seccomp audit records "
        "(that needs root: CAP_AUDIT_READ); run seclab with sudo"
    )
    # Short-lived children (a shell per connection, a forked `mkdir`) are matched through the
    # forks seen while the lesson ran, when a fork watcher is available.
    forks: ForkSource | None = None
    # Put before every workload name sent to the target, so parallel runs (tests) never share
    # a container or pod name; the lesson's own names stay what the learner reads.
    prefix: str = ""
    results: dict[str, Result] = field(default_factory=dict)
    pids: dict[str, set[int]] = field(default_factory=dict)
    # One-shot runs that have ended: their pids came with the result, there is no state to ask.
    finished: set[str] = field(default_factory=set)
    # Requests the lab's own `http` checks sent, and the requests logged before a step began
    # (or was reset): a `served` check counts only the learner's (or the step's) requests.
    own_requests: dict[str, Counter[str]] = field(default_factory=dict)
    # An exercise's workspace files, by name, for `lint` checks
    files: dict[str, Path] = field(default_factory=dict)
    request_base: dict[str, Counter[str]] = field(default_factory=dict)
    # How one-shot runs ended, for a front end's list of workloads (the target has forgotten them).
    endings: dict[str, ExecResult] = field(default_factory=dict)

    def state(self, name: str) -> WorkloadState:
        state = self.target.state(self.real(name))
        self.remember_pids(name, state.pids)
        return state

    def request(self, name: str, path: str) -> HttpResponse:
        """A request the lab sends for a check: counted, so it never passes a `served` check."""
        self.own_requests.setdefault(name, Counter())[path] += 1
        return self.target.request(self.real(name), path, timeout=5)

    def logged_requests(self, name: str) -> Counter[str]:
        """Every request path in the workload's log so far (empty when it has no log)."""
        try:
            log = self.target.logs(self.real(name))
        except (TargetError, OSError):
            return Counter()
        return Counter(REQUEST_LINE.findall(log))

    def served(self, name: str) -> Counter[str]:
        """The requests the workload served since the mark, less the ones the lab's checks sent."""
        seen = self.logged_requests(name)
        seen.subtract(self.request_base.get(name, Counter()))
        seen.subtract(self.own_requests.get(name, Counter()))
        return +seen

    def mark_requests(self, name: str) -> None:
        """From now on only new requests count (a step begins, or is reset)."""
        self.request_base[name] = self.logged_requests(name)
        self.own_requests.pop(name, None)

    def real(self, name: str) -> str:
        """The name the target knows the workload by."""
        return self.prefix + name

    def result(self, key: str) -> Result | None:
        return self.results.get(key)

    def save(self, key: str, value: ExecResult | HttpResponse | Result) -> None:
        self.results[key] = value if isinstance(value, Result) else Result.of(value)
        pids = getattr(value, "pids", ())
        if pids:
            self.remember_pids(key, pids)

    def remember_pids(self, name: str, pids: Iterable[int]) -> None:
        """Keep every pid ever seen for a workload: a crashed process leaves records behind."""
        self.pids.setdefault(name, set()).update(pids)

    def forget(self, name: str) -> None:
        """A workload of that name was deleted: its next run starts a clean count."""
        self.pids.pop(name, None)
        self.finished.discard(name)
        self.request_base.pop(name, None)
        self.own_requests.pop(name, None)
        self.endings.pop(name, None)

    def ended(self, name: str, result: ExecResult) -> None:
        """A one-shot run of that name has ended; its records are matched on the pids it had."""
        self.remember_pids(name, result.pids)
        self.finished.add(name)
        self.endings[name] = result

    def audit_events(self, name: str) -> tuple[list[Any], str]:
        """The workload's audit events so far, or a reason why they cannot be known."""
        if self.audit is None:
            return [], self.audit_problem
        # A vanished workload keeps the pids seen before; a finished one-shot has no state.
        if name not in self.finished:
            with contextlib.suppress(Exception), self.target.quietly():
                self.state(name)
        pids = self.pids.get(name)
        if not pids:
            return [], f"the {self.target.name} target reported no process ids for '{name}'"
        self.audit.sync()
        if self.forks is not None:
            pids = self.forks.descendants(pids)
        return list(self.audit.events(pids=sorted(pids))), ""
