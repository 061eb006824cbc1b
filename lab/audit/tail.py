"""Line sources: a log file followed across rotation, and a command's output (dmesg -W)."""

from __future__ import annotations

import os
import select
import subprocess
import threading
from collections.abc import Sequence

from lab.audit.source import RawRecord, SourceUnavailable

_CHUNK = 1 << 16


class _Lines:
    """Splits byte chunks into complete lines, keeping the unfinished tail for the next chunk."""

    def __init__(self) -> None:
        self._partial = b""

    def feed(self, data: bytes) -> list[RawRecord]:
        lines = (self._partial + data).split(b"\n")
        self._partial = lines.pop()
        return [(0, line.decode("utf-8", "replace")) for line in lines if line]


class FileTail:
    """Follows a log file like `tail -F`: from its end, reopening when it is rotated."""

    def __init__(self, path: str, *, name: str, rate_limited: bool = True) -> None:
        self.path = path
        self.name = name
        self.rate_limited = rate_limited
        limited = "printk output, rate-limited" if rate_limited else "written by auditd, complete"
        self.reason = f"{path} ({limited})"
        self._fd: int | None = None
        self._lines = _Lines()
        self._idle = threading.Event()  # never set: a stoppable wait between polls of the file

    def open(self) -> None:
        """Open the file at its end."""
        self._open(at_end=True)

    def _open(self, at_end: bool) -> None:
        try:
            fd = os.open(self.path, os.O_RDONLY)
        except FileNotFoundError as exc:
            raise SourceUnavailable(
                self.name, f"{self.path} does not exist", "use --source netlink or kmsg"
            ) from exc
        except PermissionError as exc:
            raise SourceUnavailable(
                self.name, f"cannot read {self.path}", "run with sudo or join the group `adm`"
            ) from exc
        if at_end:
            os.lseek(fd, 0, os.SEEK_END)
        self._fd = fd

    def read_batch(self, timeout: float) -> list[RawRecord]:
        """New complete lines; after a rotation, the new file from its start."""
        if self._fd is None:
            return []
        data = os.read(self._fd, _CHUNK)
        if data:
            return self._lines.feed(data)
        if self._rotated():
            os.close(self._fd)
            self._open(at_end=False)
            return []
        self._idle.wait(min(timeout, 0.1))  # regular files are always "readable": poll gently
        return []

    def _rotated(self) -> bool:
        assert self._fd is not None
        try:
            now = os.stat(self.path)
        except FileNotFoundError:
            return False  # between rename and re-create: keep reading the old one
        mine = os.fstat(self._fd)
        return now.st_ino != mine.st_ino or now.st_size < os.lseek(self._fd, 0, os.SEEK_CUR)

    def close(self) -> None:
        """Close the file."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class CommandSource:
    """The output of a long-running command, e.g. `docker exec NODE dmesg -W` (Docker Desktop)."""

    def __init__(
        self, argv: Sequence[str], *, name: str = "command", reason: str = "", fix: str = ""
    ) -> None:
        self.argv = list(argv)
        self.name = name
        self.rate_limited = True
        self.reason = reason or f"output of `{' '.join(self.argv)}` (printk, rate-limited)"
        self._fix = fix or "check that the command runs on its own"
        self._proc: subprocess.Popen[bytes] | None = None
        self._poll = select.poll()
        self._lines = _Lines()
        self._tail: list[str] = []  # the last lines, to explain an early exit

    def open(self) -> None:
        """Start the command in its own session (so a terminal's Ctrl-C does not reach it)."""
        try:
            self._proc = subprocess.Popen(
                self.argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        except FileNotFoundError as exc:
            why = f"{self.argv[0]} is not installed"
            fix = f"install {self.argv[0]} or check its name, or read another --source"
            raise SourceUnavailable(self.name, why, fix) from exc
        except OSError as exc:  # a directory, a file without x permission, an unreadable PATH
            why = f"cannot run {self.argv[0]}: {exc.strerror}"
            raise SourceUnavailable(self.name, why, self._fix) from exc
        assert self._proc.stdout is not None
        self._poll.register(self._proc.stdout.fileno(), select.POLLIN | select.POLLHUP)

    def read_batch(self, timeout: float) -> list[RawRecord]:
        """Lines printed since the last call; raises SourceUnavailable when the command ends."""
        proc = self._proc
        if proc is None or proc.stdout is None or not self._poll.poll(timeout * 1000):
            return []
        data = os.read(proc.stdout.fileno(), _CHUNK)
        if data:
            lines = self._lines.feed(data)
            self._tail = [*self._tail, *(text for _, text in lines[-5:])][-5:]
            return lines
        code = proc.wait(timeout=5)
        last = " | ".join(self._tail) or "no output"
        why = f"`{self.argv[0]}` ended (status {code}): {last}"
        raise SourceUnavailable(self.name, why, self._fix)

    def close(self) -> None:
        """Kill the command and reap it."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=5)
        if proc.stdout is not None:
            proc.stdout.close()
