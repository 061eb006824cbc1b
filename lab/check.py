"""One line of `seclab doctor`'s (and `seclab prepare`'s) report: what, its status, the fix.

It sits below everything that makes checks (lab.doctor, lab.targets.tool_checks, lab.prepare).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Check:
    """One line of the report."""

    name: str
    status: str  # "ok" | "missing" | "broken"
    detail: str
    fix: str | None = None
    needed_by: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, object]:
        """The check as a JSON object."""
        return {**asdict(self), "needed_by": list(self.needed_by)}
