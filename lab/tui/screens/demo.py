"""Demo mode: the lab screen playing lessons for a room, at a pace the presenter controls."""

from __future__ import annotations

import time
from dataclasses import dataclass

from textual import work
from textual.binding import Binding
from textual.message import Message
from textual.timer import Timer

from lab.tui.config import LabConfig
from lab.tui.screens.lab import LabScreen
from lab.tui.session import CheckOutcome, CommandStarted, OutputLine, Session, SessionEvent
from lab.tui.widgets.commands import CommandPane


@dataclass(frozen=True)
class DemoResult:
    """How one played step ended."""

    lesson_id: str
    index: int
    outcome: CheckOutcome


class DemoScreen(LabScreen):
    """Plays every step: show it, type each command out, run it, show the result, pause."""

    BINDINGS = [
        Binding("space", "pause", "Pause/resume"),
        Binding("left", "demo_step(-1)", "Previous"),
        Binding("right", "demo_step(1)", "Next"),
        Binding("plus,equals_sign", "pace(1)", "Faster"),
        Binding("minus", "pace(-1)", "Slower"),
    ]

    @dataclass
    class Typing(Message):
        """A command is about to be typed out."""

        text: str
        cps: float

    @dataclass
    class Finished(Message):
        results: list[DemoResult]

    def __init__(self, config: LabConfig) -> None:
        super().__init__(config)
        self.results: list[DemoResult] = []
        self.finished = False
        self._typing_timer: Timer | None = None

    def on_mount(self) -> None:
        super().on_mount()
        self.sub_title = self.describe()

    def describe(self) -> str:
        state = "demo finished" if self.finished else self.config.demo_control.describe()
        return f"target: {self.target_name} · {state}"

    def start_demo(self) -> None:
        if self.session is not None:
            if self.config.room_check is not None:
                self.check_room(self.session.target_name)
            self.play(self.session)

    @work(thread=True, group="room")
    def check_room(self, target: str) -> None:
        """Say, in the command pane, whatever in the room would download or fail during the talk."""
        assert self.config.room_check is not None
        try:
            problems = self.config.room_check(target, self.config.demo_lessons)
        except Exception as exc:  # a talk is not stopped by its own readiness check
            problems = [f"the room could not be checked: {exc}"]
        if not problems:
            line = OutputLine("room ready: nothing will download during the talk", "ok")
            self.post_message(self.Posted(line))
            return
        for problem in problems:
            self.post_message(self.Posted(OutputLine(f"room not ready: {problem}", "warn")))
        fix = f"before the talk: seclab prepare --target {target}"
        self.post_message(self.Posted(OutputLine(fix, "warn")))

    def _demo_listener(self, event: SessionEvent) -> None:
        control = self.config.demo_control
        if isinstance(event, CommandStarted):
            wait = control.typing_time(event.command)
            if wait:
                self.post_message(self.Typing(event.command, control.cps))
                control.wait(wait)
        self.post_message(self.Posted(event))

    @work(thread=True, exclusive=True, group="demo", exit_on_error=False)
    def play(self, session: Session) -> None:
        control = self.config.demo_control
        wanted = self.config.demo_lessons
        lessons = [
            lesson
            for lesson in session.lessons()
            if lesson.supported and (wanted is None or lesson.id in wanted)
        ]
        order = [(lesson.id, index) for lesson in lessons for index in range(lesson.steps)]
        results: list[DemoResult] = []
        # `--lesson L` starts the demo at that lesson (the ones before it are skipped).
        position = next(
            (i for i, (lesson_id, _) in enumerate(order) if lesson_id == self.config.lesson_id), 0
        )
        while 0 <= position < len(order) and not control.stopped:
            lesson_id, index = order[position]
            self.post_message(self.StepLoaded(session.step(lesson_id, index), session.lessons()))
            control.wait(control.step_pause / 2)  # a moment to read the step before it runs
            if session.step(lesson_id, index).question:  # the room predicts before the run
                control.wait(control.step_pause)
            if control.take_direction() < 0:
                position = max(position - 1, 0)
                continue
            session.run_step(lesson_id, index, self._demo_listener)
            session.solve(lesson_id, index, self._demo_listener)
            outcome = session.check(lesson_id, index, self._demo_listener)
            results.append(DemoResult(lesson_id, index, outcome))
            step = session.step(lesson_id, index)
            self.post_message(self.StepLoaded(step, session.lessons(), outcome))
            self.post_message(self.Workloads(session.workloads()))
            control.wait(control.step_pause)
            position += control.take_direction() or 1
        self.post_message(self.Finished(results))

    def on_demo_screen_typing(self, message: Typing) -> None:
        if self._typing_timer is not None:
            self._typing_timer.stop()
        started, text = time.monotonic(), message.text

        def tick() -> None:
            shown = int((time.monotonic() - started) * message.cps)
            self.query_one(CommandPane).typing(text[: min(shown, len(text))])
            if shown >= len(text) and self._typing_timer is not None:
                self._typing_timer.stop()

        self._typing_timer = self.set_interval(1 / 30, tick)

    def on_demo_screen_finished(self, message: Finished) -> None:
        self.results = message.results
        self.finished = True
        passed = sum(result.outcome.passed for result in message.results)
        self.notify(f"Demo finished: {passed} of {len(message.results)} steps passed.")
        self.sub_title = self.describe()

    def action_pause(self) -> None:
        self.config.demo_control.toggle_pause()
        self.sub_title = self.describe()

    def action_demo_step(self, direction: int) -> None:
        self.config.demo_control.step(direction)

    def action_pace(self, delta: int) -> None:
        control = self.config.demo_control
        control.faster() if delta > 0 else control.slower()
        self.sub_title = self.describe()
