"""Garbage-collector settings for the time an audit feed runs under a flood. No Textual here."""

from __future__ import annotations

import gc
from dataclasses import dataclass
from typing import ClassVar


@dataclass
class FloodCollector:
    """Garbage-collector settings while a feed runs; `release` puts the previous ones back."""

    # Events live in the ring for one drain interval (~7,500 at 100k/s). The collector counts
    # tracked objects made minus freed, and with its default young threshold (700) those events
    # outlived young collections, reached the oldest generation and set off a full collection
    # about once a second. Above the events alive between two drains, they are freed first.
    young: int = 20_000
    engaged: bool = False
    # The settings are the process's: the first engaged collector changes them, the last
    # released one puts them back, whatever the order.
    _users: ClassVar[int] = 0
    _saved: ClassVar[tuple[int, int, int] | None] = None

    def engage(self) -> None:
        """Freeze what start-up made (~100k objects a full collection no longer walks)."""
        if self.engaged:
            return
        self.engaged = True
        cls = FloodCollector
        cls._users += 1
        if cls._users == 1:
            cls._saved = gc.get_threshold()
            gc.freeze()
            gc.set_threshold(self.young, *cls._saved[1:])

    def release(self) -> None:
        """Back to the settings before `engage`; frozen objects become collectable again."""
        if not self.engaged:
            return
        self.engaged = False
        cls = FloodCollector
        cls._users -= 1
        if cls._users == 0 and cls._saved is not None:
            gc.set_threshold(*cls._saved)
            gc.unfreeze()
            cls._saved = None
