"""Container id → (pod, namespace), for naming the pod behind a kernel audit record."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from lab.targets.kind.kubectl import Kubectl
from lab.targets.kind.status import container_id


@dataclass
class PodResolver:
    """Answers from a cached `kubectl get pods --all-namespaces -o json`, re-read on a miss."""

    kubectl: Kubectl
    min_refresh: float = 2.0  # seconds between re-reads, however many unknown ids arrive
    _pods: dict[str, tuple[str, str]] = field(default_factory=dict, repr=False)
    _read_at: float | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def pod_for_container(self, cid: str) -> tuple[str, str] | None:
        """(pod, namespace) running the container with this id (full, or a 12+ hex prefix)."""
        cid = container_id(cid) or ""
        if len(cid) < 12:
            return None
        with self._lock:
            hit = self._lookup(cid)
            stale = self._read_at is None or time.monotonic() - self._read_at > self.min_refresh
            if hit is None and stale:
                self._refresh()
                hit = self._lookup(cid)
            return hit

    def _lookup(self, cid: str) -> tuple[str, str] | None:
        for known, where in self._pods.items():
            if known.startswith(cid):
                return where
        return None

    def _refresh(self) -> None:
        self._read_at = time.monotonic()
        data = self.kubectl.get_json("pods", "--all-namespaces") or {}
        pods: dict[str, tuple[str, str]] = {}
        for item in data.get("items", []):
            meta = item.get("metadata", {})
            where = (meta.get("name", "?"), meta.get("namespace", "default"))
            for status in item.get("status", {}).get("containerStatuses") or []:
                # A crash-looping container's records may come from its previous run.
                last = (status.get("lastState") or {}).get("terminated") or {}
                for raw in (status.get("containerID"), last.get("containerID")):
                    full = container_id(raw)
                    if full:
                        pods[full] = where
        self._pods = pods
