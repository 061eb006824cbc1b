"""Filtering on a pod without losing a new pod's first records, which arrive before its name.

The kubelet posts a container's id a moment after the container started, and its first
records (runc's exec, the program's start-up) come before that. Matched on the pod at once,
they would be dropped as "no pod"; here they wait, per container, until the enricher knows the
pod or has given up, and are then matched with the name filled in.
"""

from __future__ import annotations

import collections
import dataclasses
from collections.abc import Iterable

from lab.audit.enrich import ContainerEnricher
from lab.audit.filters import EventFilter
from lab.audit.records import AuditEvent

HELD_PER_CONTAINER = 50_000  # bounded: a container that never gets a name cannot fill memory


class PodWait:
    """Holds the records of pod containers not named yet; releases them in order, filtered."""

    def __init__(self, enricher: ContainerEnricher, wanted: EventFilter) -> None:
        self.enricher = enricher
        self.wanted = wanted
        # What the stream may check before the pod is known: everything but the pod.
        self.early = dataclasses.replace(wanted, pods=frozenset())
        self.dropped = 0  # held records let go because a container held too many
        self._held: dict[str, collections.deque[AuditEvent]] = {}

    def take(self, events: Iterable[AuditEvent]) -> list[AuditEvent]:
        """The events that can be shown now, matched on the pod too; the others wait."""
        shown: list[AuditEvent] = []
        for event in events:
            cid = event.container_id
            if cid is not None and (
                cid in self._held or (event.pod is None and self.enricher.waiting_for_pod(cid))
            ):
                held = self._held.setdefault(cid, collections.deque(maxlen=HELD_PER_CONTAINER))
                self.dropped += len(held) == HELD_PER_CONTAINER  # the oldest goes
                held.append(event)
            elif self.wanted.matches(event):
                shown.append(event)
        for cid in [c for c in self._held if not self.enricher.waiting_for_pod(c)]:
            shown += self._release(cid)
        return shown

    def flush(self) -> list[AuditEvent]:
        """Everything still held (at the end), matched with what is known by now."""
        return [event for cid in list(self._held) for event in self._release(cid)]

    def _release(self, cid: str) -> list[AuditEvent]:
        named = (self.enricher.relabel(event) for event in self._held.pop(cid))
        return [event for event in named if self.wanted.matches(event)]
