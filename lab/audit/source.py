"""What an audit source is: the interface every source implements, its records, its failure."""

from __future__ import annotations

from typing import Protocol

# Raw records as sources hand them over: (netlink message type, text). Line sources do not know
# the type and pass 0; the parser then decides from the text whether it is a seccomp record.
RawRecord = tuple[int, str]


class SourceUnavailable(Exception):
    """A source cannot be opened here: why, and what would fix it."""

    def __init__(self, source: str, why: str, fix: str) -> None:
        super().__init__(f"{source}: {why}. Fix: {fix}")
        self.source = source
        self.why = why
        self.fix = fix


class AuditSource(Protocol):
    """Something that yields raw audit records in batches, on the caller's (dedicated) thread."""

    name: str
    reason: str
    rate_limited: bool

    def open(self) -> None:
        """Start reading; raises SourceUnavailable with the cause and a fix."""

    def read_batch(self, timeout: float) -> list[RawRecord]:
        """Records that arrived, waiting at most `timeout` seconds for the first one."""
        ...

    def close(self) -> None:
        """Stop reading and release the socket, file or child process."""
