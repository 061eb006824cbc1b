"""Which host processes a container had, even when it ended before anyone could look.

A one-shot container (`mkdir` under a KILL profile) is often gone before `docker inspect` shows
its pid. Its containerd shim starts before it, carries the container id on its command line and
lives until the container has ended; every process of the container descends from it. So the
kernel's exec events name the shim as it starts, and its fork events rebuild the tree afterwards.
Needs root (the process connector); without it nothing is known, and audit checks say so.
"""

from __future__ import annotations

import contextlib
import os
import threading
from types import TracebackType

from lab.targets.proctree import ForkWatcher


def shim_container_id(argv: list[str]) -> str | None:
    """The container id a containerd shim was started for (`… -id <id> …`), else None."""
    if not argv or not os.path.basename(argv[0]).startswith("containerd-shim"):
        return None
    with contextlib.suppress(ValueError, IndexError):
        return argv[argv.index("-id") + 1]
    return None


class ContainerProcesses:
    """A context manager that can tell, afterwards, the host pids of a container it saw start."""

    def __init__(self) -> None:
        self._shims: dict[str, int] = {}
        self._lock = threading.Lock()
        self._forks: ForkWatcher | None = None

    def __enter__(self) -> ContainerProcesses:
        watcher = ForkWatcher(on_exec=self._exec)
        try:
            self._forks = watcher.__enter__()
        except OSError:  # not root: the caller learns no pids and says so where it matters
            self._forks = None
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._forks is not None:
            self._forks.__exit__(kind, exc, tb)

    def _exec(self, pid: int) -> None:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                argv = handle.read().decode(errors="replace").split("\0")
        except OSError:  # already gone: not a shim (a shim outlives its container)
            return
        container = shim_container_id(argv)
        if container:
            with self._lock:
                # The first is `shim … start`, the parent of everything that follows.
                self._shims.setdefault(container, pid)

    def pids(self, container_id: str) -> tuple[int, ...]:
        """The container's shim and every process forked under it while watching (sorted)."""
        with self._lock:
            shim = self._shims.get(container_id)
        if shim is None or self._forks is None:
            return ()
        return tuple(sorted(self._forks.descendants({shim})))
