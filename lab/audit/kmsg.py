"""`/dev/kmsg` followed from now on: what `dmesg -w` shows, and as rate-limited as printk is."""

from __future__ import annotations

import errno
import os
import select

from lab.audit.source import RawRecord, SourceUnavailable

_BATCH = 4096


class KmsgSource:
    """One kernel log record per read(); audit lines are there only as far as printk let them."""

    name = "kmsg"
    rate_limited = True

    def __init__(self, path: str = "/dev/kmsg") -> None:
        self.path = path
        self.reason = (
            "/dev/kmsg (the kernel log, as dmesg shows it): printk is rate-limited, "
            "so bursts lose records"
        )
        self.overwritten = 0  # the kernel's ring buffer wrapped before we read these records
        self._fd: int | None = None
        self._poll = select.poll()

    def open(self) -> None:
        """Open the log and skip what is already in it."""
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK)
        except PermissionError as exc:
            raise SourceUnavailable(
                self.name,
                f"cannot read {self.path} ({exc.strerror})",
                "run with sudo, or set kernel.dmesg_restrict=0",
            ) from exc
        except OSError as exc:
            raise SourceUnavailable(
                self.name, f"cannot open {self.path} ({exc.strerror})", "use another --source"
            ) from exc
        os.lseek(fd, 0, os.SEEK_END)
        self._fd = fd
        self._poll.register(fd, select.POLLIN)

    def read_batch(self, timeout: float) -> list[RawRecord]:
        """The records logged since the last call (message text only, prefix removed)."""
        fd = self._fd
        out: list[RawRecord] = []
        if fd is None or not self._poll.poll(timeout * 1000):
            return out
        while len(out) < _BATCH:
            try:
                data = os.read(fd, 8192)
            except BlockingIOError:
                break
            except OSError as exc:
                if exc.errno != errno.EPIPE:
                    raise
                self.overwritten += 1
                continue
            if not data:
                break
            # "PRIORITY,SEQ,USEC,FLAGS;message\n" followed by optional " KEY=value" lines.
            rest = data.partition(b";")[2]
            out.append((0, rest.split(b"\n", 1)[0].decode("utf-8", "replace")))
        return out

    def close(self) -> None:
        """Close the log."""
        if self._fd is not None:
            self._poll.unregister(self._fd)
            os.close(self._fd)
            self._fd = None
