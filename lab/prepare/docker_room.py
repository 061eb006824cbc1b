"""docker: every image the lessons start is in the engine, pulled when it can be, else built.

The lab runs upstream `hashicorp/http-echo:1.0` and `busybox` when the engine has them, and the
offline stand-ins it builds from the host's static busybox otherwise (`lab.targets.docker.images`).
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from typing import Any

from lab.prepare.items import Item, Steps
from lab.targets.base import CommandEvent, TargetError
from lab.targets.docker import images

FIX = "seclab prepare --target docker"


def image_items(client: Any, workloads: Sequence[str], steps: Steps, *, check: bool) -> list[Item]:
    """A line per workload image: present (and how it got there), or what would fetch it."""
    return [_one(client, workload, steps, check=check) for workload in workloads]


def _size(client: Any, image: str) -> int | None:
    import docker.errors

    try:
        return int(client.images.get(image).attrs.get("Size") or 0)
    except docker.errors.ImageNotFound:
        return None


def _mb(size: int) -> str:
    return f"{size / 1e6:.1f} MB"


def _one(client: Any, workload: str, steps: Steps, *, check: bool) -> Item:
    upstream, offline = images.UPSTREAM[workload], images.OFFLINE[workload]
    name = f"image for {workload}"
    size = _size(client, upstream)
    if size is not None:
        return Item.good(name, f"{upstream} present ({_mb(size)})")
    if check:
        size = _size(client, offline)
        if size is not None:
            return Item.good(name, _offline_note(offline, upstream, size, "present"))
        return Item.bad(
            name,
            f"neither {upstream} nor the offline {offline} is in the engine: "
            "the talk would pull or build it",
            FIX,
            [("docker", "pull", upstream), _build_display(workload)],
        )
    done: list[CommandEvent] = []

    def emit(event: CommandEvent) -> None:
        if event.exit_code is None:
            steps.note(f"$ {event.shown()}")
            return
        done.append(event)
        if event.exit_code != 0:  # a failed pull is expected offline: say why, then build
            # The SDK wraps the engine's words: `500 Server Error … ("<the engine's message>")`.
            said = event.stderr.strip().split('("', 1)[-1].removesuffix('")')
            steps.note(f"  failed: {said[:200]}")

    resolver = images.ImageResolver(client, emit, pull_timeout=120, pull_before_offline=True)
    with steps.step(f"{workload}: fetching {upstream}, else building {offline}"):
        try:
            chosen = resolver.image_for(workload)  # type: ignore[arg-type]
        except TargetError as exc:
            return Item.bad(name, exc.message, exc.hint or FIX)
    size = _size(client, chosen) or 0
    if chosen == upstream:
        return Item.good(name, f"{upstream} pulled ({_mb(size)})")
    built = any(e.argv[1:2] == ("import",) and e.exit_code == 0 for e in done)
    how = "built here from busybox-static" if built else "present"
    return Item.good(name, _offline_note(offline, upstream, size, how))


def _offline_note(offline: str, upstream: str, size: int, how: str) -> str:
    # During a lesson the lab uses an image already in the engine before trying the network.
    return f"{offline} {how} ({_mb(size)}); the lab runs it, with no pull, in place of {upstream}"


def _build_display(workload: str) -> str:
    offline = images.OFFLINE[workload]
    return f"tar of busybox-static | docker import - {shlex.quote(offline)}   # without network"
