"""Offline on kind: the lab's stand-in images serve the pods, with the stand-in's own profile.

A recording runner stands in for kubectl (kind cannot run here on demand); it only answers,
and the test reads the manifest the kind target sends.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from lab.targets.base import CommandEvent, ProfileRef, WorkloadSpec
from lab.targets.commands import Completed
from lab.targets.docker.offline import ECHO_PROFILE
from lab.targets.kind.cluster import OFFLINE
from lab.targets.kind.target import KindTarget

REPO = Path(__file__).resolve().parents[3]


class Recorder:
    def __init__(self) -> None:
        self.applied: list[dict[str, object]] = []

    def __call__(
        self,
        argv: Sequence[str],
        *,
        timeout: float,
        input: str | None = None,
        check: bool = True,
        env: Mapping[str, str] | None = None,
    ) -> Completed:
        if "apply" in argv and input:
            self.applied.append(json.loads(input))
            return Completed(tuple(argv), 0, "pod/x created\n", "")
        if "get" in argv:
            return Completed(
                tuple(argv), 1, "", 'Error from server (NotFound): pods "x" not found\n'
            )
        return Completed(tuple(argv), 0, "", "")


def test_pods_run_the_stand_in_under_its_own_profile() -> None:
    recorder = Recorder()
    events: list[CommandEvent] = []
    target = KindTarget(REPO / "profiles", events.append, runner=recorder)
    target.images = {"http-echo": OFFLINE["http-echo"], "busybox": OFFLINE["busybox"]}
    target.run(WorkloadSpec("fine-pod", "http-echo", ProfileRef.localhost("fine-grained.json")))
    target.run(
        WorkloadSpec(
            "mkdir-pod", "busybox", ProfileRef.localhost("block-mkdir.json"), ("mkdir", "/tmp/x")
        )
    )
    echo, once = recorder.applied
    container = echo["spec"]["containers"][0]  # type: ignore[index]
    assert container["image"] == "seclab/http-echo:offline"
    profile = echo["spec"]["securityContext"]["seccompProfile"]  # type: ignore[index]
    assert profile == {"type": "Localhost", "localhostProfile": f"profiles/{ECHO_PROFILE}"}
    assert (REPO / "profiles" / ECHO_PROFILE).is_file()  # mounted in the node with the rest
    assert any("offline http-echo stand-in" in e.shown() for e in events)
    assert once["spec"]["containers"][0]["image"] == "seclab/busybox:offline"  # type: ignore[index]
    block = once["spec"]["securityContext"]["seccompProfile"]  # type: ignore[index]
    assert block["localhostProfile"] == "profiles/block-mkdir.json"  # other profiles unchanged


def test_with_the_upstream_images_nothing_changes() -> None:
    recorder = Recorder()
    target = KindTarget(REPO / "profiles", runner=recorder)
    target.images = {"http-echo": "hashicorp/http-echo:1.0", "busybox": "busybox:1.36"}
    target.run(WorkloadSpec("fine-pod", "http-echo", ProfileRef.localhost("fine-grained.json")))
    (echo,) = recorder.applied
    assert echo["spec"]["containers"][0]["image"] == "hashicorp/http-echo:1.0"  # type: ignore[index]
    profile = echo["spec"]["securityContext"]["seccompProfile"]  # type: ignore[index]
    assert profile["localhostProfile"] == "profiles/fine-grained.json"
