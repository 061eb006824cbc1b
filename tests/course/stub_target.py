"""A scripted stand-in target for the engine's unit tests (the real targets are tested end to end
in test_lessons_local.py / test_lessons_docker.py); it records every call it gets."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lab.targets.base import (
    CommandEvent,
    ExecResult,
    HttpResponse,
    Phase,
    Target,
    WorkloadSpec,
    WorkloadState,
)


@dataclass
class StubTarget(Target):
    """Answers from dictionaries the test fills in."""

    name: str = "local"
    states: dict[str, list[WorkloadState]] = field(default_factory=dict)
    responses: dict[str, HttpResponse] = field(default_factory=dict)
    results: dict[str, ExecResult] = field(default_factory=dict)
    calls: list[tuple[str, Any]] = field(default_factory=list)
    cancelled: bool = False

    def prepare(self) -> None:
        self.calls.append(("prepare", None))

    def sync_profiles(self) -> None:
        self.calls.append(("sync", None))

    def run(self, spec: WorkloadSpec) -> WorkloadState:
        self.calls.append(("run", spec))
        self.emit(CommandEvent(("stub", "run", spec.name)))
        return self.state(spec.name)

    def run_to_completion(self, spec: WorkloadSpec, timeout: float = 60) -> ExecResult:
        self.calls.append(("run_once", spec))
        return self.results.get(spec.name, ExecResult(0))

    def request(self, name: str, path: str = "/", timeout: float = 10) -> HttpResponse:
        self.calls.append(("request", name))
        return self.responses.get(name, HttpResponse(None, error="connection refused"))

    def exec(self, name: str, argv: Sequence[str], timeout: float = 30) -> ExecResult:
        self.calls.append(("exec", tuple(argv)))
        return self.results.get(name, ExecResult(0))

    def state(self, name: str) -> WorkloadState:
        queue = self.states.get(name) or [WorkloadState(Phase.NOT_FOUND)]
        # Each look takes the next scripted state; the last one stays.
        return queue.pop(0) if len(queue) > 1 else queue[0]

    def logs(self, name: str) -> str:
        return ""

    def delete(self, name: str) -> None:
        self.calls.append(("delete", name))

    def reset(self) -> list[str]:
        return []

    def cancel(self) -> None:
        self.cancelled = True


def stub(profiles_dir: Path, **kwargs: Any) -> StubTarget:
    return StubTarget(profiles_dir=profiles_dir, **kwargs)


@dataclass
class StubAudit:
    """Audit events by pid, as the capture would give them."""

    events_by_pid: dict[int, list[Any]] = field(default_factory=dict)
    syncs: int = 0

    def sync(self) -> None:
        self.syncs += 1

    def events(self, pids: Any = None) -> list[Any]:
        return [e for pid in (pids or []) for e in self.events_by_pid.get(pid, [])]
