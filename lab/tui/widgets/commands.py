"""The commands a target runs, shown before they run, then their exit status and output."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from lab.tui.session import CommandFinished, CommandStarted, OutputLine

if TYPE_CHECKING:
    from textual.widgets import RichLog

_STYLES = {"info": "", "ok": "bold green", "fail": "bold red", "warn": "yellow"}
_MAX_OUTPUT_LINES = 40  # per command: the rest is in the workload's logs


class CommandPane(Vertical):
    """A bounded log of commands and their results, plus a line where demo mode types."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._log: RichLog | None = None
        self._early: list[Text] = []  # written before the log exists, shown once it does

    def compose(self) -> ComposeResult:
        yield Static("", id="typing")

    def on_mount(self) -> None:
        # RichLog (and rich.pretty behind it) is made after the first frame: the lab shows sooner.
        self.call_after_refresh(self._make_log)

    async def _make_log(self) -> None:
        from textual.widgets import RichLog

        # min_width: RichLog would otherwise render at 78 columns and crop narrower panes.
        log = RichLog(max_lines=2000, wrap=True, markup=False, min_width=20, id="command-log")
        await self.mount(log, before=self.query_one("#typing"))
        self._log = log
        for text in self._early:
            log.write(text)
        self._early.clear()

    def _write(self, text: Text) -> None:
        if self._log is None:
            self._early.append(text)
        else:
            self._log.write(text)

    def started(self, event: CommandStarted) -> None:
        """A command about to run: shown before it runs."""
        self.query_one("#typing", Static).update("")
        self._write(Text.assemble(("$ ", "bold cyan"), (event.command, "bold")))

    def finished(self, event: CommandFinished) -> None:
        """What the command printed and how it ended."""
        for stream, style in ((event.stdout, ""), (event.stderr, "dim")):
            lines = stream.rstrip("\n").splitlines()
            if len(lines) > _MAX_OUTPUT_LINES:
                skipped = len(lines) - _MAX_OUTPUT_LINES
                lines = [*lines[:_MAX_OUTPUT_LINES], f"… {skipped} more lines"]
            for line in lines:
                self._write(Text(line, style=style))
        if event.exit_code is not None:
            ending = f"  exit status {event.exit_code}"
        else:
            ending = f"  ended by signal {event.signal}" if event.signal else "  no exit status"
        ok = event.exit_code == 0
        self._write(Text(ending, style="green" if ok else "red"))

    def output(self, line: OutputLine) -> None:
        self._write(Text(line.text, style=_STYLES.get(line.kind, "")))

    def typing(self, shown: str) -> None:
        """Demo mode: the part of the next command typed so far."""
        self.query_one("#typing", Static).update(Text.assemble(("$ ", "bold cyan"), shown, "▌"))
