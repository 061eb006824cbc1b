"""Loss accounting, each cause counted on its own: serial gaps, printk, the kernel, ourselves."""

from __future__ import annotations

import re
from dataclasses import dataclass

_SUPPRESSED = re.compile(r"(\d+) callbacks suppressed")
# Records from several CPUs may arrive slightly out of serial order, so a missing serial stays
# "pending" and is forgiven if it shows up later. A jump bigger than this is counted at once.
_TRACK_LIMIT = 4096
_PENDING_LIMIT = 65536


@dataclass(frozen=True)
class LossReport:
    """How many records were lost, by cause. `kernel_lost` is kernel-wide, not only ours."""

    serial_gaps: int = 0
    printk_suppressed: int = 0
    kernel_lost: int | None = None
    receive_overflows: int = 0  # records the kernel dropped at our socket (its exact counter)
    buffer_dropped: int = 0
    unread_at_stop: int = 0  # received or queued for us, not yet parsed when the stream stopped

    def total_known(self) -> int:
        """Records known lost, causes that do not overlap added up.

        A record dropped at our socket also leaves a serial gap (unless nothing came after it),
        so those two overlap: the larger counts. printk and the kernel's counter overlap too.
        """
        return (
            max(self.serial_gaps, self.receive_overflows)
            + self.buffer_dropped
            + self.unread_at_stop
        )

    def as_dict(self) -> dict[str, int | None]:
        """Stable keys for JSON and the summary."""
        return {
            "serial_gaps": self.serial_gaps,
            "printk_suppressed": self.printk_suppressed,
            "kernel_lost": self.kernel_lost,
            "receive_overflows": self.receive_overflows,
            "buffer_dropped": self.buffer_dropped,
            "unread_at_stop": self.unread_at_stop,
        }


class SerialGaps:
    """Counts audit serials that never arrived, over every record type received."""

    def __init__(self) -> None:
        self.highest: int | None = None
        self.late = 0  # arrived after a later serial: reordered, not lost
        self._settled = 0
        self._pending: set[int] = set()

    def see(self, serial: int) -> None:
        """Note one received serial (records sharing a serial are fine)."""
        highest = self.highest
        if highest is None or serial == highest + 1:
            self.highest = serial
        elif serial > highest:
            if serial - highest - 1 > _TRACK_LIMIT:
                self._settled += serial - highest - 1
            else:
                self._pending.update(range(highest + 1, serial))
                if len(self._pending) > _PENDING_LIMIT:
                    self._settled += len(self._pending)
                    self._pending.clear()
            self.highest = serial
        elif serial in self._pending:
            self._pending.discard(serial)
            self.late += 1

    @property
    def missing(self) -> int:
        """Serials skipped so far and not (yet) seen."""
        return self._settled + len(self._pending)


def serial_of(text: str) -> int | None:
    """The serial of any audit record's text (`audit(TIME:SERIAL)`), or None."""
    start = text.find("audit(")
    if start < 0:
        return None
    colon = text.find(":", start)
    end = text.find(")", colon)
    if colon < 0 or end < 0:
        return None
    try:
        return int(text[colon + 1 : end])
    except ValueError:
        return None


def suppressed_count(text: str) -> int:
    """N from a printk `…: N callbacks suppressed` line about audit, else 0."""
    if "callbacks suppressed" not in text or "audit" not in text:
        return 0
    match = _SUPPRESSED.search(text)
    return int(match.group(1)) if match else 0
