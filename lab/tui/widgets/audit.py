"""The live audit pane: decoded records coloured by action, a filter, counts and loss figures."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Self

from rich.highlighter import Highlighter
from rich.style import Style
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.cache import LRUCache
from textual.containers import Vertical
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import Reactive
from textual.strip import Strip
from textual.widgets import Input, Log, Static
from textual.worker import get_current_worker

from lab.tui.flood_collector import FloodCollector

if TYPE_CHECKING:
    from lab.tui.audit_feed import AuditFeed, FeedBatch

BATCH_INTERVAL = 0.075  # seconds: within the 50-100 ms a reader perceives as live
MAX_LINES = 2000

# Colours by action word, as `format_event` writes it in the second column.
_ACTION_STYLES = {
    "log": "cyan",
    "errno": "yellow",
    "trap": "magenta",
    "trace": "magenta",
    "user_notif": "magenta",
    "kill_thread": "bold red",
    "kill_process": "bold red",
    "kill": "bold red",
}


COUNT_CELL = 21  # one "  2,148 newfstatat" entry of the counts box


def counts_text(top: list[tuple[str, int]], width: int) -> str:
    """The busiest syscalls, most first, in as many columns as `width` holds (read across)."""
    columns = max(1, width // COUNT_CELL)
    cells = [f"{count:>7,} {name}".ljust(COUNT_CELL) for name, count in top]
    rows = [cells[at : at + columns] for at in range(0, len(cells), columns)]
    return "\n".join("".join(row).rstrip() for row in rows)


class ActionHighlighter(Highlighter):
    """Colours a formatted line (`time syscall action comm[pid]`) by the action seccomp took."""

    def highlight(self, text: Text) -> None:
        words = text.plain.split(maxsplit=3)
        if words and _CLOCK.fullmatch(words[0]):  # a compact row has no time column
            words = words[1:]
        if len(words) < 2:
            return
        syscall, action = words[0], words[1]
        syscall_at = text.plain.find(syscall)
        style = _ACTION_STYLES.get(action, "")
        text.stylize(f"bold {style}".strip(), syscall_at, syscall_at + len(syscall))
        if style:
            action_at = text.plain.find(action, syscall_at + len(syscall))
            text.stylize(style, action_at, action_at + len(action))


_CLOCK = re.compile(r"\d\d:\d\d:\d\d")
# Below this many columns a row drops its time and its padding, so that the process (comm[pid])
# still shows beside the syscall and action: who made the record matters more than when.
COMPACT_BELOW = 62


def compact(line: str) -> str:
    """A row without its time column, single-spaced."""
    head, _, rest = line.partition(" ")
    return " ".join((rest if _CLOCK.fullmatch(head) else line).split())


class AuditLog(Log):
    """A Log for floods: its growth repaints only itself, and a row is drawn once per content."""

    # Log sets `virtual_size` on every write, and Widget's reactive asks for a layout of the whole
    # screen each time: measured 50-110 ms (layout plus full repaint) per batch on the lab screen
    # while the pane fills, the longest stalls under a flood. The Log's box is fixed (1fr by 1fr),
    # so its content size moves nothing else; only its own scrollbars need to follow.
    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._paint_style: Style | None = None
        # A few screens' worth: each kept row also keeps the crops and styled copies Textual
        # derives from it (up to ~20 strips), so a larger cache is mostly memory.
        self._strips: LRUCache[tuple[str, Style], Strip] = LRUCache(128)

    def watch_virtual_size(self, size: Size) -> None:
        # What a layout pass does for a scroll view whose virtual size changed (Textual 8).
        self._scroll_update(size)

    def write_lines(self, lines: Iterable[str], scroll_end: bool | None = None) -> Self:
        """Add lines; once the bound is reached, every row on screen shows new content."""
        super().write_lines(lines, scroll_end)
        # Log refreshes only the rows of the new lines; when old ones were dropped at the top,
        # the rest moved up too, and the pane kept showing the lines of the batch that filled it.
        self.refresh()
        return self

    def render_lines(self, crop: Region) -> list[Strip]:
        # Log asks for `rich_style` (a walk up every ancestor, ~90 us) once per row; once per
        # paint is enough.
        self._paint_style = self.rich_style
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        """One row: lines already drawn in this style are reused (a flood repeats itself)."""
        style = self._paint_style or self.rich_style
        scroll_x, scroll_y = self.scroll_offset
        index, width = scroll_y + y, self.size.width
        if self.text_selection is not None or index >= len(self.lines):
            return super().render_line(y)  # selections and blank rows: Log's own way
        line = self.lines[index]
        if width < COMPACT_BELOW:
            line = compact(line)
        strip = self._strips.get((line, style))
        if strip is None:
            # What Log._render_line_strip does, about 180 us a row.
            text = Text(self._process_line(line), no_wrap=True)
            text.stylize(style)
            if self.highlight:
                text = self.highlighter(text)
            strip = Strip(text.render(self.app.console), text.cell_len)
            self._strips[(line, style)] = strip
        return strip.crop_extend(scroll_x, scroll_x + width, style).apply_offsets(scroll_x, index)


class FilterInput(Input):
    """The filter box: Enter applies the expression, Escape clears it; both give the keys back."""

    BINDINGS = [("escape", "clear_filter", "Clear the filter")]

    class Cleared(Message):
        """The learner pressed Escape in the filter box."""

    def action_clear_filter(self) -> None:
        self.value = ""
        self.post_message(self.Cleared())


class AuditPane(Vertical):
    """Shows what the audit feed hands over; starts its feed worker with `watch_feed(feed)`."""

    @dataclass
    class Batch(Message):
        """New lines and figures from the feed thread."""

        batch: FeedBatch

    @dataclass
    class FilterChanged(Message):
        """The learner typed a new filter expression."""

        expression: str

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.feed: AuditFeed | None = None
        self._stop = threading.Event()
        self._collector = FloodCollector()
        self._unlisted = 0  # matched events the feed left out of the list since the last filter
        self._body_ready = False  # the filter box and the log exist (made after the first frame)

    def compose(self) -> ComposeResult:
        yield Static("audit: starting…", id="audit-stats")

    def on_mount(self) -> None:
        # The filter box and the log are made after the first frame: the lab shows sooner, and
        # no record can arrive before the audit worker, started after that frame, opens a feed.
        self.call_after_refresh(self._make_body)

    async def _make_body(self) -> None:
        log = AuditLog(max_lines=MAX_LINES, highlight=True, id="audit-log")
        log.highlighter = ActionHighlighter()
        # Above the rows, not beside them: a box beside them took the columns that say who made
        # each record (comm[pid], the signal, the container).
        counts = Static("", id="audit-counts")
        await self.mount(
            FilterInput(
                placeholder="filter: syscall=mkdir action=kill comm=… pid=… · Esc clears",
                id="audit-filter",
            ),
            counts,
            log,
        )
        self._body_ready = True
        if self.feed is not None:
            self._drain(self.feed)

    def explain(self, text: str) -> None:
        """Why the pane is empty (no permission, no source) and how to fix it."""
        stats = self.query_one("#audit-stats", Static)
        stats.styles.height = "auto"  # a reason and its fix may need several lines
        stats.update(Text(text, style="yellow"))

    def watch_feed(self, feed: AuditFeed) -> None:
        """Start draining `feed` on a worker thread."""
        self.feed = feed
        # A full collection walked start-up's ~100k long-lived objects and the ring's events
        # with the GIL held: 50-70 ms about once a second under a flood (see FloodCollector).
        self._collector.engage()
        if self._body_ready:
            self._drain(feed)

    @work(thread=True, exclusive=True, group="audit-feed", exit_on_error=False)
    def _drain(self, feed: AuditFeed) -> None:
        worker = get_current_worker()
        while not worker.is_cancelled and not self._stop.wait(BATCH_INTERVAL):
            batch = feed.poll()
            if batch is not None:
                self.post_message(self.Batch(batch))

    def stop(self) -> None:
        self._stop.set()

    def on_unmount(self) -> None:
        self._stop.set()
        self._collector.release()  # the app's cycles become collectable again once it is gone

    def on_audit_pane_batch(self, message: Batch) -> None:
        batch = message.batch
        log = self.query_one("#audit-log", Log)
        if batch.replace:  # a new filter: the recent records it keeps, in place of the old view
            log.clear()
            self._unlisted = 0
        if batch.lines:
            # One call per batch: the Log pays its layout cost once, not once per line.
            log.write_lines(batch.lines)
        stats = (
            f"source: {batch.source} · captured {batch.captured:,} · lost {batch.lost:,}"
            f" · shown {batch.matched:,}"
        )
        self._unlisted += batch.hidden
        if self._unlisted:
            # Counted above and per syscall, but too many to read: the list keeps the newest.
            stats += f" ({self._unlisted:,} not listed)"
        style = "bold red" if batch.lost else "green"
        # Fixed-size boxes (lab.tcss): no layout pass of the whole screen ten times a second.
        self.query_one("#audit-stats", Static).update(Text(stats, style=style), layout=False)
        box = self.query_one("#audit-counts", Static)
        box.update(counts_text(batch.top, box.content_size.width) or "no events yet", layout=False)
        if self.feed is not None:
            self.feed.acked.set()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "audit-filter":
            event.stop()
            self.apply_filter(event.value.strip())
            self.screen.set_focus(None)  # the keys (r, n, …) are the lab's again

    def on_filter_input_cleared(self, event: FilterInput.Cleared) -> None:
        event.stop()
        self.apply_filter("")
        self.screen.set_focus(None)

    def apply_filter(self, expression: str) -> None:
        """Show only the events the expression keeps (the screen compiles it); the feed's next
        batch replaces the rows with the recent records that match, and new ones follow."""
        self.post_message(self.FilterChanged(expression))

    def lines(self) -> list[str]:
        """The lines the pane holds now (for tests and the e2e capture)."""
        return list(self.query_one("#audit-log", Log).lines) if self._body_ready else []
