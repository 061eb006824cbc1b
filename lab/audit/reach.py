"""Do the kernel's audit records reach this process? Not from another network namespace.

The kernel sends audit records to the netlink audit socket of the initial network namespace
only: inside a container or after `unshare -n`, joining the multicast group may work and yet
nothing ever arrives. Compare the namespaces where /proc allows it, and else try: make one
marker record and wait for it.
"""

from __future__ import annotations

import os
from typing import Protocol

WHY = (
    "the kernel delivers seccomp audit records only to the initial network namespace, "
    "and {where}; run seclab on the host itself (a container needs --network host and "
    "CAP_AUDIT_READ)"
)


class Syncable(Protocol):
    """The part of `lab.audit.capture.AuditCapture` the probe needs."""

    def sync(self, timeout: float = 10.0) -> None: ...


def netns_problem(proc: str = "/proc") -> str | None:
    """Why records cannot arrive, when this process's network namespace is not PID 1's."""
    try:
        mine = os.readlink(f"{proc}/self/ns/net")
        first = os.readlink(f"{proc}/1/ns/net")
    except OSError:  # PID 1's link needs privileges: the marker probe decides then
        return None
    if mine == first:
        return None
    return WHY.format(where=f"this process runs in another one ({mine}; PID 1 has {first})")


def delivery_problem(capture: Syncable, timeout: float = 3.0) -> str | None:
    """Why the capture will see nothing here, or None once a marker record came back."""
    problem = netns_problem()
    if problem:
        return problem
    try:
        capture.sync(timeout=timeout)
    except TimeoutError:
        return WHY.format(
            where=f"the lab's own marker record did not come back within {timeout:g} s: this "
            "process is in a container or another network namespace"
        )
    except RuntimeError as exc:
        return str(exc)
    return None
