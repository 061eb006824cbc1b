"""The commands a target runs, shown before they run, then their exit status and output."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import RichLog, Static

from lab.tui.session import CommandFinished, CommandStarted, OutputLine

_STYLES = {"info": "", "ok": "bold green", "fail": "bold red", "warn": "yellow"}
_MAX_OUTPUT_LINES = 40  # per command: the rest is in the workload's logs


class CommandPane(Vertical):
    """A bounded log of commands and their results, plus a line where demo mode types."""

    def compose(self) -> ComposeResult:
        yield RichLog(max_lines=2000, wrap=True, markup=False, id="command-log")
        yield Static("", id="typing")

    @property
    def log_widget(self) -> RichLog:
        return self.query_one("#command-log", RichLog)

    def started(self, event: CommandStarted) -> None:
        """A command about to run: shown before it runs."""
        self.query_one("#typing", Static).update("")
        self.log_widget.write(Text.assemble(("$ ", "bold cyan"), (event.command, "bold")))

    def finished(self, event: CommandFinished) -> None:
        """What the command printed and how it ended."""
        log = self.log_widget
        for stream, style in ((event.stdout, ""), (event.stderr, "dim")):
            lines = stream.rstrip("\n").splitlines()
            if len(lines) > _MAX_OUTPUT_LINES:
                skipped = len(lines) - _MAX_OUTPUT_LINES
                lines = [*lines[:_MAX_OUTPUT_LINES], f"… {skipped} more lines"]
            for line in lines:
                log.write(Text(line, style=style))
        if event.exit_code is not None:
            ending = f"  exit status {event.exit_code}"
        else:
            ending = f"  ended by signal {event.signal}" if event.signal else "  no exit status"
        ok = event.exit_code == 0
        log.write(Text(ending, style="green" if ok else "red"))

    def output(self, line: OutputLine) -> None:
        self.log_widget.write(Text(line.text, style=_STYLES.get(line.kind, "")))

    def typing(self, shown: str) -> None:
        """Demo mode: the part of the next command typed so far."""
        self.query_one("#typing", Static).update(Text.assemble(("$ ", "bold cyan"), shown, "▌"))
