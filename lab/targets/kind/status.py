"""Read a pod's state from `kubectl get pod -o json` the way a learner would read `describe`."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from lab.targets.base import Phase, WorkloadState
from lab.targets.kind.manifests import CONTAINER

# Waiting reasons that mean the runtime refused to create or start the container: for seccomp,
# a missing or unreadable profile (CreateContainerError) or one runc rejects (RunContainerError).
_FAILED_TO_CREATE = {
    "CreateContainerError",
    "CreateContainerConfigError",
    "RunContainerError",
    "StartError",
}


# Waiting reasons that mean the node cannot get the image: no amount of waiting helps offline
# (seen on a real kind node: ErrImagePull, then ImagePullBackOff, for as long as one looks).
IMAGE_UNAVAILABLE = {"ErrImagePull", "ImagePullBackOff", "ErrImageNeverPull", "InvalidImageName"}
IMAGE_FIX = "seclab prepare --target kind"


def image_stuck(image: str | None, reason: str) -> str:
    """What to tell the learner when the node cannot get a pod's image."""
    return (
        f"the node cannot get the image {image or '(unknown)'} ({reason}): it has no network "
        f"or the image was never loaded into it; run `{IMAGE_FIX}` (it loads the lab's images, "
        "or their offline stand-ins, into the node), then run the step again"
    )


def container_id(raw: str | None) -> str | None:
    """`containerd://<hex>` → `<hex>` (the id the kernel's cgroup paths carry)."""
    if not raw:
        return None
    return raw.split("://", 1)[-1]


def _signal(terminated: dict[str, Any]) -> int | None:
    # The API has a `signal` field, but containerd reports a signal death as 128+N in exitCode.
    if terminated.get("signal"):
        return int(terminated["signal"])
    code = terminated.get("exitCode")
    if isinstance(code, int) and 128 < code <= 128 + 64 and terminated.get("reason") != "Completed":
        return code - 128
    return None


def _container_status(pod: dict[str, Any]) -> dict[str, Any] | None:
    statuses = pod.get("status", {}).get("containerStatuses") or []
    for status in statuses:
        if status.get("name") == CONTAINER:
            return dict(status)
    return dict(statuses[0]) if statuses else None


def pod_state(pod: dict[str, Any]) -> WorkloadState:
    """The WorkloadState of one pod object."""
    status = pod.get("status", {})
    cs = _container_status(pod)
    if cs is None:
        # Not scheduled or not started yet: the pod's conditions say why.
        reason = message = None
        for cond in status.get("conditions") or []:
            if cond.get("status") == "False" and cond.get("reason"):
                reason, message = cond.get("reason"), cond.get("message")
                break
        return WorkloadState(Phase.PENDING, reason=reason or status.get("phase"), message=message)
    restarts = int(cs.get("restartCount") or 0)
    cid = container_id(cs.get("containerID"))
    state = cs.get("state") or {}
    last = (cs.get("lastState") or {}).get("terminated") or {}
    if "running" in state:
        return WorkloadState(
            Phase.RUNNING, restarts=restarts, container_id=cid, pids=host_pids(cid)
        )
    if "terminated" in state:
        term = state["terminated"]
        phase = Phase.EXITED
        if term.get("reason") == "StartError":  # runc refused to start it: once, or again
            phase = Phase.CRASH_LOOPING if restarts or last else Phase.FAILED_TO_CREATE
        return WorkloadState(
            phase,
            exit_code=term.get("exitCode"),
            signal=_signal(term),
            reason=term.get("reason"),
            message=term.get("message"),
            restarts=restarts,
            container_id=container_id(term.get("containerID")) or cid,
        )
    waiting = state.get("waiting") or {}
    reason = waiting.get("reason")
    message = waiting.get("message")
    # A container that ran (or was started) before and failed again is crash-looping, whatever
    # this moment's reason: a default-ERRNO pod on a real kind node flips between
    # RunContainerError and CrashLoopBackOff with restarts counting up and lastState.terminated.
    if reason == "CrashLoopBackOff" or (reason in _FAILED_TO_CREATE and (restarts or last)):
        # The back-off message only names the container; the last run says what went wrong.
        return WorkloadState(
            Phase.CRASH_LOOPING,
            exit_code=last.get("exitCode"),
            signal=_signal(last) if last else None,
            reason=reason,
            message=last.get("message") or message,
            restarts=restarts,
            container_id=container_id(last.get("containerID")),
        )
    if reason in _FAILED_TO_CREATE:
        return WorkloadState(
            Phase.FAILED_TO_CREATE, reason=reason, message=message, restarts=restarts
        )
    stuck = image_stuck(cs.get("image"), reason) if reason in IMAGE_UNAVAILABLE else None
    return WorkloadState(
        Phase.PENDING, reason=reason, message=message, restarts=restarts, stuck=stuck
    )


def host_pids(cid: str | None, proc: Path = Path("/proc")) -> tuple[int, ...]:
    """Host pids whose cgroup names the container (empty on Docker Desktop, where the node's
    processes live in a VM, or when /proc cannot be read)."""
    if not cid:
        return ()
    found = []
    try:
        entries = os.listdir(proc)
    except OSError:
        return ()
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            cgroup = (proc / entry / "cgroup").read_text()
        except OSError:  # gone already, or not ours to read
            continue
        if cid in cgroup:
            found.append(int(entry))
    return tuple(sorted(found))
