"""The audit pane's default stream: the best source this machine offers, read on its own thread."""

from __future__ import annotations

from lab.audit.sources import choose_source
from lab.audit.stream import AuditStream

# The pane drains the ring every 75 ms (about 11,000 records at the kernel's fastest); a larger
# ring only gives the garbage collector more live objects to walk.
RING_CAPACITY = 50_000


def open_audit_stream(source: str | None = None) -> AuditStream:
    """Open and start the stream; raises SourceUnavailable saying why and how to fix it."""
    return AuditStream(choose_source(source), capacity=RING_CAPACITY).start()
