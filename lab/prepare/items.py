"""The room's checklist: one `Item` per thing the talk needs, and the step timer behind it."""

from __future__ import annotations

import shlex
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

Say = Callable[[str], None]


@dataclass(frozen=True)
class Item:
    """One line of the closing checklist: ready or not, why, and the command that fixes it."""

    name: str
    ok: bool
    detail: str
    fix: str | None = None
    # What `seclab prepare` (without --check) would run for this item; shown by --check.
    would_run: tuple[str, ...] = ()

    @classmethod
    def good(cls, name: str, detail: str) -> Item:
        return cls(name, True, detail)

    @classmethod
    def bad(
        cls, name: str, detail: str, fix: str | None, would_run: Sequence[Sequence[str]] = ()
    ) -> Item:
        return cls(name, False, detail, fix, tuple(_shown(argv) for argv in would_run))


def _shown(argv: Sequence[str] | str) -> str:
    return argv if isinstance(argv, str) else shlex.join(argv)


@dataclass
class Steps:
    """Prints one line as a long step starts and one with its elapsed time as it ends."""

    say: Say
    clock: Callable[[], float] = time.monotonic
    started: float = field(default=0.0)

    def __post_init__(self) -> None:
        self.started = self.clock()

    def note(self, text: str) -> None:
        """A line stamped with the time since `seclab prepare` started."""
        self.say(f"[{self.clock() - self.started:6.1f}s] {text}")

    @contextmanager
    def step(self, text: str) -> Iterator[None]:
        """`text …` now; `text: done in N s` (failed, or stopped, after N s) when it ends."""
        begun = self.clock()
        self.note(f"{text} …")
        try:
            yield
        except Exception:
            self.note(f"{text}: failed after {self.clock() - begun:.1f} s")
            raise
        except BaseException:  # Ctrl-C, SIGTERM
            self.note(f"{text}: stopped after {self.clock() - begun:.1f} s")
            raise
        self.note(f"{text}: done in {self.clock() - begun:.1f} s")
