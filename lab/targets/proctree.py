"""Which processes descend from a workload: fork events from the kernel's process connector.

A container's short-lived children (a shell per connection) are gone before anyone can read
their `/proc/<pid>/cgroup`, yet their audit records must still be matched to the workload.
The process connector reports every fork as it happens, so the tree can be rebuilt afterwards.
Needs root (CAP_NET_ADMIN); used by tests and recordings, never required by a target.
"""

from __future__ import annotations

import os
import socket
import struct
import threading
from collections.abc import Callable, Iterable
from types import TracebackType

NETLINK_CONNECTOR = 11
CN_IDX_PROC = 1
CN_VAL_PROC = 1
PROC_CN_MCAST_LISTEN = 1
PROC_EVENT_FORK = 0x00000001
PROC_EVENT_EXEC = 0x00000002
_NLMSG_HDR = struct.Struct("=IHHII")
_CN_MSG = struct.Struct("=IIIIHH")
_EVENT_HDR = struct.Struct("=IIQ")  # what, cpu, timestamp_ns
_FORK = struct.Struct("=IIII")  # parent pid, parent tgid, child pid, child tgid
_EXEC = struct.Struct("=II")  # pid, tgid
NLMSG_DONE = 3


class ForkWatcher:
    """A context manager that records every fork (parent tgid -> child tgid) while it is open.

    `on_exec`, if given, is called with the tgid of every process that calls execve, from the
    reader thread: keep it short (it may read /proc, nothing slower).
    """

    def __init__(self, on_exec: Callable[[int], None] | None = None) -> None:
        self._on_exec = on_exec
        self._children: dict[int, set[int]] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> ForkWatcher:
        sock = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, NETLINK_CONNECTOR)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
            sock.bind((0, CN_IDX_PROC))  # EPERM without root (CAP_NET_ADMIN)
            op = struct.pack("=I", PROC_CN_MCAST_LISTEN)
            body = _CN_MSG.pack(CN_IDX_PROC, CN_VAL_PROC, 0, 0, len(op), 0) + op
            header = _NLMSG_HDR.pack(_NLMSG_HDR.size + len(body), NLMSG_DONE, 0, 0, os.getpid())
            sock.send(header + body)
            sock.settimeout(0.1)
        except OSError:
            sock.close()
            raise
        self._sock = sock
        self._thread = threading.Thread(target=self._read, name="seclab-forks", daemon=True)
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self._sock is not None:
            self._sock.close()

    def _read(self) -> None:
        assert self._sock is not None
        offset = _NLMSG_HDR.size + _CN_MSG.size
        while not self._stop.is_set():
            try:
                data = self._sock.recv(65536)
            except (TimeoutError, BlockingIOError):
                continue
            except OSError:
                continue  # ENOBUFS: the kernel dropped events; keep what came
            if len(data) < offset + _EVENT_HDR.size + _FORK.size:
                continue
            what = _EVENT_HDR.unpack_from(data, offset)[0]
            if what == PROC_EVENT_EXEC and self._on_exec is not None:
                self._on_exec(_EXEC.unpack_from(data, offset + _EVENT_HDR.size)[1])
            if what != PROC_EVENT_FORK:
                continue
            _, parent_tgid, _, child_tgid = _FORK.unpack_from(data, offset + _EVENT_HDR.size)
            if parent_tgid != child_tgid:  # a new process, not a thread
                with self._lock:
                    self._children.setdefault(parent_tgid, set()).add(child_tgid)

    def descendants(self, roots: Iterable[int]) -> set[int]:
        """The roots and every process forked from them (transitively) while watching."""
        with self._lock:
            children = {k: set(v) for k, v in self._children.items()}
        seen = set(roots)
        todo = list(seen)
        while todo:
            for child in children.get(todo.pop(), ()):
                if child not in seen:
                    seen.add(child)
                    todo.append(child)
        return seen
