"""The marker record: a logged syscall we can recognise, made on demand, for a deterministic flush.

The kernel hands audit records to netlink in serial order, so once a marker made now has been
read, every record made before it has been read too.
"""

from __future__ import annotations

import ctypes
import itertools
import os
import threading

import pyseccomp

from lab.audit.records import AuditEvent

# The marker thread renames itself: the record's comm= is the calling thread's name, so each
# marker is unique even when several captures in one process sync at the same time.
MARKER_PREFIX = "sl-sync-"
MARKER_SYSCALL = "getsid"
_PR_SET_NAME = 15
_tokens = itertools.count(1)


def emit_marker() -> str:
    """Make one logged `getsid` from a short-lived thread; returns the comm it carries."""
    token = f"{MARKER_PREFIX}{next(_tokens) % 10_000_000:07d}"
    failure: list[BaseException] = []

    def run() -> None:
        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_NAME, token.encode(), 0, 0, 0)
            # Without TSYNC the filter binds this thread only, and it dies with the thread.
            flt = pyseccomp.SyscallFilter(pyseccomp.ALLOW)
            flt.add_rule(pyseccomp.LOG, MARKER_SYSCALL)
            flt.load()
            os.getsid(0)
        except BaseException as exc:  # handed to the caller's thread below
            failure.append(exc)

    thread = threading.Thread(target=run, name=token, daemon=True)
    thread.start()
    thread.join()
    if failure:
        raise RuntimeError(f"could not make the audit marker record: {failure[0]}")
    return token


def own_key(token: str) -> str:
    """The key of a marker this process made: other processes count their markers from 1 too,
    so a marker is ours only when its record carries our pid."""
    return f"{os.getpid()}:{token}"


def marker_key(event: AuditEvent) -> str:
    """The key of a marker record as read, to compare with `own_key`."""
    return f"{event.pid}:{event.comm}"


def is_marker(event: AuditEvent) -> bool:
    """True for the records `emit_marker` makes (in any process): plumbing, not workload."""
    return event.comm is not None and event.comm.startswith(MARKER_PREFIX)
