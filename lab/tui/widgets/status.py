"""The status pane: the workloads this session started and their states."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from lab.targets.base import Phase, WorkloadState

_PHASE_STYLE = {
    Phase.RUNNING: "green",
    Phase.PENDING: "yellow",
    Phase.CRASH_LOOPING: "bold red",
    Phase.FAILED_TO_CREATE: "bold red",
    Phase.EXITED: "magenta",
    Phase.NOT_FOUND: "dim",
}


def describe(state: WorkloadState) -> str:
    """The state in the runtime's own words where it gave any."""
    detail = state.reason or ""
    if state.phase is Phase.EXITED and state.exit_code is not None:
        detail = detail or f"exit {state.exit_code}"
    if state.signal:
        detail = f"{detail} sig={state.signal}".strip()
    if state.restarts:
        detail = f"{detail} restarts={state.restarts}".strip()
    return detail


def _phase(state: WorkloadState) -> Text:
    return Text(state.phase.value, style=_PHASE_STYLE.get(state.phase, ""))


class StatusPane(DataTable[Text | str]):
    """One row per workload: name, phase, and the runtime's reason."""

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.add_column("workload", key="name")
        self.add_column("state", key="phase")
        self.add_column("detail", key="detail")

    def show(self, workloads: list[tuple[str, WorkloadState]]) -> None:
        self.clear()
        for name, state in sorted(workloads, key=lambda item: item[0]):
            self.add_row(name, _phase(state), describe(state), key=name)

    def update_one(self, name: str, state: WorkloadState) -> None:
        """A single workload's new state (added when new)."""
        rows = {str(key.value): key for key in self.rows}
        phase = _phase(state)
        if name in rows:
            self.update_cell(name, "phase", phase)
            self.update_cell(name, "detail", describe(state), update_width=True)
        else:
            self.add_row(name, phase, describe(state), key=name)
