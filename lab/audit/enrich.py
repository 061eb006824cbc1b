"""pid → container (and pod): best effort, cached, never blocking the stream.

The container id comes from `/proc/<pid>/cgroup` (the last 64-hex id: the innermost container,
so a pod's container inside a kind node wins over the node). Names need the docker SDK or the
cluster; those lookups run on a background thread and fill a cache the next events use. Only a
container under a kubelet's `kubepods` cgroup is looked up as a pod, and one not known yet is
asked about again a little later: the kubelet reports a new container's id after it started.
"""

from __future__ import annotations

import dataclasses
import queue
import re
import threading
import time
from collections.abc import Callable
from typing import Any

from lab.audit.records import AuditEvent

# container id → (pod, namespace); the kind target provides one.
PodResolver = Callable[[str], "tuple[str, str] | None"]
NameResolver = Callable[[str], "str | None"]

_ID = re.compile(r"[0-9a-f]{64}")
_RECHECK = 1.0  # seconds before a cached pid's start time is checked again (pid reuse)
# Every kubelet (cgroupfs or systemd driver, kind or not) puts pods under a `kubepods` cgroup.
_KUBEPODS = "kubepods"
_RETRY_AFTER = 2.0  # seconds before a container still unnamed is asked about again
_RETRIES = 15  # about 30 s: then it stays unnamed (a container of something else)


def container_id_of(pid: int) -> str | None:
    """The innermost container id of a live process, or None (host process, or gone)."""
    return _container(pid)[0]


def _container(pid: int) -> tuple[str | None, bool]:
    """The innermost container id of a live process, and whether a kubelet runs it (a pod)."""
    try:
        with open(f"/proc/{pid}/cgroup") as f:
            text = f.read()
    except OSError:
        return None, False
    ids = _ID.findall(text)
    return (ids[-1], _KUBEPODS in text) if ids else (None, False)


def start_time_of(pid: int) -> int | None:
    """The process's start time in clock ticks since boot (tells a reused pid apart)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            stat = f.read()
    except OSError:
        return None
    # comm may hold spaces and parentheses: the fields start after the last ')'.
    fields = stat[stat.rfind(")") + 2 :].split()
    return int(fields[19]) if len(fields) > 19 else None


def docker_names() -> NameResolver:
    """A resolver through the docker SDK, connecting on first use (on the lookup thread)."""
    client: list[Any] = []  # empty: not tried yet; [None]: no Docker here

    def name(cid: str) -> str | None:
        if not client:
            try:
                import docker

                client.append(docker.from_env(timeout=5))
            except Exception:
                client.append(None)  # no SDK or no engine: containers stay unnamed
        if client[0] is None:
            return None
        try:
            return str(client[0].containers.get(cid).name)
        except Exception:
            return None  # a kind pod's container, or already removed

    return name


class ContainerEnricher:
    """Adds container id, name, pod and namespace to events; unknown stays empty."""

    def __init__(self, names: NameResolver | None = None, pods: PodResolver | None = None) -> None:
        self._names = names
        self._pods = pods
        self._by_pid: dict[int, tuple[int | None, str | None, float]] = {}
        self._labels: dict[str, tuple[str | None, str | None, str | None]] = {}
        self._in_pods: set[str] = set()  # container ids under a kubelet's cgroup
        self._misses: dict[str, float] = {}  # id not known yet -> when to ask again
        self._tries: dict[str, int] = {}
        self._asked: set[str] = set()  # ids whose lookup is queued or running
        self._todo: queue.Queue[str | None] = queue.Queue()
        self._busy = threading.Condition()
        self._pending = 0
        self._thread = threading.Thread(target=self._lookups, name="seclab-enrich", daemon=True)
        self._thread.start()

    def enrich(self, event: AuditEvent) -> AuditEvent:
        """The event with what is known about its container; never waits for a lookup."""
        cid = self.container_of(event.pid)
        if cid is None:
            return event
        labels = self._labels.get(cid)
        if labels is None:
            self._labels[cid] = labels = (None, None, None)
            self._ask(cid)
        elif cid in self._misses:
            self._ask(cid, only_when_due=True)
        name, pod, namespace = labels
        return dataclasses.replace(
            event, container_id=cid, container_name=name, pod=pod, namespace=namespace
        )

    def container_of(self, pid: int) -> str | None:
        """The container id of `pid`, cached by (pid, start time)."""
        now = time.monotonic()
        cached = self._by_pid.get(pid)
        if cached is not None and now - cached[2] < _RECHECK:
            return cached[1]
        start = start_time_of(pid)
        if cached is not None and start is not None and start == cached[0]:
            cid = cached[1]
        else:
            cid, in_pod = _container(pid) if start is not None else (None, False)
            if in_pod and cid is not None:
                self._in_pods.add(cid)
        self._by_pid[pid] = (start, cid, now)
        return cid

    def waiting_for_pod(self, cid: str) -> bool:
        """True while a pod container's pod is not known yet but may still be."""
        labels = self._labels.get(cid)
        if self._pods is None or cid not in self._in_pods or (labels and labels[1] is not None):
            return False
        if cid in self._misses:  # asked again even when the container has gone quiet
            self._ask(cid, only_when_due=True)
            return True
        return cid in self._asked

    def relabel(self, event: AuditEvent) -> AuditEvent:
        """The event with the labels known now for its container (they may have come since)."""
        labels = self._labels.get(event.container_id or "")
        if labels is None:
            return event
        name, pod, namespace = labels
        return dataclasses.replace(event, container_name=name, pod=pod, namespace=namespace)

    def _ask(self, cid: str, only_when_due: bool = False) -> None:
        """Queue a lookup (the first, or again after a miss once it is due)."""
        with self._busy:
            due = self._misses.get(cid)
            if only_when_due and (due is None or time.monotonic() < due):
                return
            self._misses.pop(cid, None)
            self._asked.add(cid)
            self._pending += 1
        self._todo.put(cid)

    def _lookups(self) -> None:
        while (cid := self._todo.get()) is not None:
            in_pod = cid in self._in_pods
            name = self._ask_resolver(self._names, cid)
            pod = self._ask_resolver(self._pods, cid) if in_pod else None
            self._labels[cid] = (name, *(pod or (None, None)))
            resolver, found = (self._pods, pod) if in_pod else (self._names, name)
            with self._busy:
                if resolver is not None and found is None:
                    tries = self._tries[cid] = self._tries.get(cid, 0) + 1
                    if tries < _RETRIES:  # the next event of it after this time asks again
                        self._misses[cid] = time.monotonic() + _RETRY_AFTER
                self._asked.discard(cid)
                self._pending -= 1
                self._busy.notify_all()

    @staticmethod
    def _ask_resolver(resolver: Callable[[str], Any] | None, cid: str) -> Any:
        """The resolver's answer, or None when there is none or it failed."""
        try:
            return resolver(cid) if resolver is not None else None
        except Exception:  # best effort: a failing resolver means no label, never a dead stream
            return None

    def idle(self, timeout: float = 10.0) -> bool:
        """Wait until every queued name lookup is done (for tests and final summaries)."""
        with self._busy:
            return self._busy.wait_for(lambda: self._pending == 0, timeout)

    def close(self) -> None:
        """Stop the lookup thread."""
        self._todo.put(None)
        self._thread.join(timeout=10)
