"""The seclab Textual app and `make_app`, the one factory the CLI, tests and benchmarks use."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from lab.tui.config import AuditStreamFactory, LabConfig, RoomCheck
from lab.tui.demo import DemoControl
from lab.tui.screens.lab import LAB_KEYS, LabScreen
from lab.tui.session import SessionFactory


class SeclabApp(App[None]):
    """Thin: it holds the config, installs the lab screen, and stops workloads on the way out."""

    CSS_PATH = "lab.tcss"
    TITLE = "seclab"
    BINDINGS = [
        Binding("q", "quit", "Quit"),
        # Ctrl-C ends the lab the same careful way as `q`: workloads are stopped first.
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True),
    ]

    def __init__(self, config: LabConfig) -> None:
        super().__init__()
        self.config = config
        if config.demo:
            from lab.tui.screens.demo import DemoScreen  # only demo mode pays for it

            self.lab: LabScreen = DemoScreen(config)
        else:
            self.lab = LabScreen(config)
        self._quitting = False

    def get_default_screen(self) -> Screen[Any]:
        return self.lab

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for key, action, _word, title in LAB_KEYS:
            shown = {"slash": "/", "question_mark": "?"}.get(key, key)
            yield SystemCommand(title, f"seclab lab · key {shown}", self._lab_action(action))
        # Every lesson, also where the lesson list has no room (narrow terminals).
        for lesson in self.lab.lessons:
            if lesson.supported:
                help_text = f"{lesson.done}/{lesson.steps} steps done · {lesson.summary}"
                yield SystemCommand(
                    f"Lesson: {lesson.title}", help_text, self._open_lesson(lesson.id)
                )

    def _lab_action(self, action: str) -> Callable[[], Any]:
        async def run() -> None:
            await self.run_action(action, self.lab)

        return run

    def _open_lesson(self, lesson_id: str) -> Callable[[], Any]:
        def open_it() -> None:
            self.lab.open_lesson(lesson_id)

        return open_it

    def on_unmount(self) -> None:
        # However the app ends, release a demo worker waiting on a pause: Python waits for
        # worker threads before the process can exit.
        self.config.demo_control.stop()

    @property
    def quitting(self) -> bool:
        return self._quitting

    async def action_quit(self) -> None:
        """Stop what the session started, then exit (the lab screen exits once it is done)."""
        if self._quitting:  # a second quit leaves at once; the CLI still closes the session
            self.exit()
            return
        self._quitting = True
        self.config.demo_control.stop()
        self.notify("Stopping the workloads this session started… (q again: leave now)")
        self.lab.shut_down()


def _course_sessions(target_factory: Callable[..., Any] | None) -> SessionFactory:
    """The real sessions; the course engine is imported on the worker, after the first frame."""

    def make(target_name: str) -> Any:
        from lab.tui.course_session import course_session_factory

        return course_session_factory(target_factory)(target_name)

    return make


def make_app(
    target_name: str = "local",
    lesson_id: str | None = None,
    demo: bool = False,
    *,
    session_factory: SessionFactory | None = None,
    target_factory: Callable[..., Any] | None = None,
    audit_stream_factory: AuditStreamFactory | None = None,
    demo_control: DemoControl | None = None,
    demo_lessons: tuple[str, ...] | None = None,
    profiles_dir: Path | None = None,
    notice: str | None = None,
    status_interval: float = 2.0,
    room_check: RoomCheck | None = None,
) -> SeclabApp:
    """Build the app; factories default to the real course engine, targets and audit stream."""
    if session_factory is None:
        session_factory = _course_sessions(target_factory)
    if profiles_dir is None:
        from lab.paths import profiles_dir as shipped_profiles

        profiles_dir = shipped_profiles()
    config = LabConfig(
        target_name=target_name,
        session_factory=session_factory,
        audit_stream_factory=audit_stream_factory,
        lesson_id=lesson_id,
        demo=demo,
        demo_control=demo_control or DemoControl(),
        demo_lessons=demo_lessons,
        profiles_dir=profiles_dir,
        notice=notice,
        status_interval=status_interval,
        room_check=room_check,
    )
    return SeclabApp(config)
