"""What the app is started with: the factories for its services and the learner's choices.

The CLI passes real factories; tests pass fakes or recorders. No Textual here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lab.tui.demo import DemoControl
from lab.tui.session import SessionFactory

AuditStreamFactory = Callable[[], Any]
# Demo mode: what in the room is not ready for (target, lessons), one line each; changes nothing.
RoomCheck = Callable[[str, "tuple[str, ...] | None"], list[str]]


@dataclass
class LabConfig:
    """Everything the lab screen needs to start."""

    target_name: str
    session_factory: SessionFactory
    audit_stream_factory: AuditStreamFactory | None = None
    lesson_id: str | None = None
    demo: bool = False
    demo_control: DemoControl = field(default_factory=DemoControl)
    demo_lessons: tuple[str, ...] | None = None  # None: every lesson that runs on the target
    profiles_dir: Path | None = None
    # A one-line reason shown at start, e.g. why the local target was chosen.
    notice: str | None = None
    status_interval: float = 2.0  # seconds between workload state refreshes
    room_check: RoomCheck | None = None  # demo mode only; None: not checked
