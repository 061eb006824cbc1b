"""The status pane: the workloads this session started and their states."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.containers import Vertical

from lab.targets.base import Phase, WorkloadState

if TYPE_CHECKING:
    from textual.widgets import DataTable

_PHASE_STYLE = {
    Phase.RUNNING: "green",
    Phase.PENDING: "yellow",
    Phase.CRASH_LOOPING: "bold red",
    Phase.FAILED_TO_CREATE: "bold red",
    Phase.EXITED: "magenta",
    Phase.NOT_FOUND: "dim",
}


# Shorter words for the narrow table: "failed-to-create" and a reason beside it did not fit.
_PHASE_WORD = {
    Phase.CRASH_LOOPING: "crashing",
    Phase.FAILED_TO_CREATE: "failed",
    Phase.NOT_FOUND: "gone",
}


def describe(state: WorkloadState) -> str:
    """The state in the runtime's own words where it gave any."""
    detail = state.reason or ""
    if detail.upper() == "SIGSYS" and state.signal:
        detail = ""  # said below as sig=31
    if state.phase is Phase.EXITED and state.exit_code is not None and not state.signal:
        detail = detail or f"exit {state.exit_code}"
    if state.signal:
        detail = f"{detail} sig={state.signal}".strip()
    if state.restarts:
        detail = f"{detail} restarts={state.restarts}".strip()
    return detail


def _phase(state: WorkloadState) -> Text:
    word = _PHASE_WORD.get(state.phase, state.phase.value)
    return Text(word, style=_PHASE_STYLE.get(state.phase, ""))


class StatusPane(Vertical):
    """One row per workload: name, phase, and the runtime's reason (a table made after the
    first frame: the lab shows sooner; what it is told before then is shown once it exists)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._table: DataTable[Text | str] | None = None
        self._states: dict[str, WorkloadState] = {}

    def on_mount(self) -> None:
        self.call_after_refresh(self._make_table)

    async def _make_table(self) -> None:
        from textual.widgets import DataTable

        table: DataTable[Text | str] = DataTable(cursor_type="row", id="status")
        await self.mount(table)
        table.add_column("workload", key="name")
        table.add_column("state", key="phase")
        table.add_column("detail", key="detail")
        self._table = table
        self.show(list(self._states.items()))

    def show(self, workloads: list[tuple[str, WorkloadState]]) -> None:
        # A workload that no longer exists (deleted, a stopped pod) is not listed.
        workloads = [(n, s) for n, s in workloads if s.phase is not Phase.NOT_FOUND]
        self._states = dict(workloads)
        if self._table is None:
            return
        self._table.clear()
        for name, state in sorted(workloads, key=lambda item: item[0]):
            self._table.add_row(name, _phase(state), describe(state), key=name)

    def update_one(self, name: str, state: WorkloadState) -> None:
        """A single workload's new state (added when new, dropped when gone)."""
        if state.phase is Phase.NOT_FOUND:
            if self._states.pop(name, None) is not None and self._table is not None:
                self._table.remove_row(name)
            return
        known = name in self._states
        self._states[name] = state
        table = self._table
        if table is None:
            return
        phase = _phase(state)
        if known:
            table.update_cell(name, "phase", phase)
            table.update_cell(name, "detail", describe(state), update_width=True)
        else:
            table.add_row(name, phase, describe(state), key=name)
