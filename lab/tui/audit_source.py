"""The audit pane's default stream: the best source this machine offers, read on its own thread."""

from __future__ import annotations

from lab.audit.sources import choose_source
from lab.audit.stream import AuditStream

# The pane shows at most a few thousand lines; the ring only needs to bridge one slow frame.
RING_CAPACITY = 200_000


def open_audit_stream(source: str | None = None) -> AuditStream:
    """Open and start the stream; raises SourceUnavailable saying why and how to fix it."""
    return AuditStream(choose_source(source), capacity=RING_CAPACITY).start()
