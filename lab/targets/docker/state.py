"""A container's state: `docker inspect` read as the target-neutral WorkloadState."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

from lab.targets.base import CommandEvent, Phase, WorkloadState
from lab.targets.docker.engine import Engine
from lab.targets.docker.errors import failed_state
from lab.targets.exits import describe_exit, signal_of


def state_from_attrs(attrs: dict[str, Any]) -> WorkloadState:
    """Map Docker's container state onto the phases every target reports."""
    st = attrs.get("State") or {}
    status = st.get("Status")
    code = st.get("ExitCode")
    restarts = int(attrs.get("RestartCount") or 0)
    pid = int(st.get("Pid") or 0)
    common: dict[str, Any] = {
        "restarts": restarts,
        "pids": (pid,) if pid else (),
        "container_id": attrs.get("Id"),
    }
    error = st.get("Error") or ""
    if status == "created":
        if error:
            return WorkloadState(
                Phase.FAILED_TO_CREATE, exit_code=code, reason="StartError", message=error,
                **common,
            )  # fmt: skip
        return WorkloadState(Phase.PENDING, reason="Created", **common)
    if status == "running":
        return WorkloadState(Phase.RUNNING, **common)
    if status == "restarting":
        reason, message = describe_exit(code)
        return WorkloadState(
            Phase.CRASH_LOOPING, exit_code=code, signal=signal_of(code),
            reason="Restarting", message=f"restarting after {message}", **common,
        )  # fmt: skip
    if status in ("exited", "dead"):
        reason, message = describe_exit(code)
        if error:
            message = f"{message}: {error}" if message else error
        if restarts and code:
            # The restart policy gave up: the Docker counterpart of CrashLoopBackOff.
            return WorkloadState(
                Phase.CRASH_LOOPING, exit_code=code, signal=signal_of(code),
                reason=f"{reason}, restarted {restarts} times", message=message, **common,
            )  # fmt: skip
        return WorkloadState(
            Phase.EXITED, exit_code=code, signal=signal_of(code), reason=reason,
            message=message, **common,
        )  # fmt: skip
    return WorkloadState(Phase.PENDING, reason=status, message=error or None, **common)


def with_top_pids(state: WorkloadState, container: Any) -> WorkloadState:
    """Add every host pid in the container (docker top), for matching audit records."""
    try:
        top = container.top()
        col = top["Titles"].index("PID")
        pids = tuple(int(row[col]) for row in top["Processes"])
    except Exception:  # best effort: the main pid is already known
        return state
    return replace(state, pids=tuple(dict.fromkeys(state.pids + pids)))


@dataclass
class StateReader:
    """A workload's state as `docker inspect` shows it, each inspect reported."""

    engine: Engine

    def read(self, name: str) -> WorkloadState:
        """The state of workload `name`'s container (NotFound when there is none)."""
        shown = self.engine.container_name(name)
        argv = ("docker", "inspect", "--format", "{{json .State}}", shown)
        self.engine.emit(CommandEvent(argv))
        container = self.engine.find(name)
        if container is None:
            self.engine.emit(CommandEvent(argv, 1, stderr=f"Error: No such object: {argv[-1]}"))
            return WorkloadState(Phase.NOT_FOUND, reason="NotFound")
        self.engine.emit(
            CommandEvent(argv, 0, stdout=json.dumps(container.attrs.get("State") or {}))
        )
        state = state_from_attrs(container.attrs)
        if state.phase == Phase.RUNNING:
            state = with_top_pids(state, container)
        if state.phase == Phase.FAILED_TO_CREATE and state.message:
            return failed_state(state.message, state)
        return state
