"""Which image a workload runs: the upstream one when present or pullable, else the offline one."""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lab.targets.base import CommandEvent, TargetError, WorkloadKind
from lab.targets.docker import offline
from lab.targets.docker.errors import image_unavailable

UPSTREAM: dict[str, str] = {"http-echo": "hashicorp/http-echo:1.0", "busybox": "busybox:latest"}
OFFLINE: dict[str, str] = {"http-echo": offline.ECHO_IMAGE, "busybox": offline.BUSYBOX_IMAGE}

# Pulls that failed in this process: an offline classroom should not wait on each run.
_PULL_FAILED: dict[str, str] = {}


@dataclass
class ImageResolver:
    """Finds or makes the image for each workload, reporting every engine call it makes."""

    client: Any  # docker.DockerClient
    emit: Callable[[CommandEvent], None]
    pull_timeout: float = 20
    prefer_offline: bool = False
    # False while a lesson runs: an image already in the engine (upstream, else the offline
    # stand-in) is used before anything is fetched, so a prepared room downloads nothing during
    # the talk. `seclab prepare` sets it: the evening before, the upstream image is worth a pull.
    pull_before_offline: bool = False
    _chosen: dict[str, str] = field(default_factory=dict)

    def image_for(self, workload: WorkloadKind, *, offline: bool = False) -> str:
        """The image name to run for `workload`, pulling or building it when needed; with
        `offline`, the lab's stand-in whatever else the engine holds (built when missing)."""
        if offline:
            if not self._present(OFFLINE[workload]):
                self.build_offline(workload)
            return OFFLINE[workload]
        if workload in self._chosen:
            return self._chosen[workload]
        self._chosen[workload] = chosen = self._choose(workload)
        return chosen

    def _choose(self, workload: WorkloadKind) -> str:
        upstream, offline = UPSTREAM[workload], OFFLINE[workload]
        if not self.prefer_offline and self._present(upstream):
            return upstream
        if not self.pull_before_offline and self._present(offline):
            return offline
        if not self.prefer_offline and self._pull(upstream):
            return upstream
        if not self._present(offline):
            self.build_offline(workload)
        return offline

    def available(self, workload: WorkloadKind) -> str | None:
        """The workload's image when the engine already has it; nothing is pulled or built."""
        return next((i for i in (UPSTREAM[workload], OFFLINE[workload]) if self._present(i)), None)

    def uses_offline(self, workload: WorkloadKind) -> bool:
        """True when the workload runs the lab's offline stand-in."""
        return self.image_for(workload) == OFFLINE[workload]

    def _present(self, image: str) -> bool:
        import docker.errors

        try:
            self.client.images.get(image)
        except docker.errors.ImageNotFound:
            return False
        return True

    def _pull(self, image: str) -> bool:
        import docker
        import docker.errors
        import requests.exceptions

        if image in _PULL_FAILED:
            return False
        argv = ("docker", "pull", image)
        self.emit(CommandEvent(argv))
        repo, _, tag = image.partition(":")
        try:
            # A client of its own with a short timeout: no network must fail fast.
            api = docker.from_env(timeout=int(self.pull_timeout)).api
            api.pull(repo, tag=tag or "latest")
        except (docker.errors.DockerException, requests.exceptions.RequestException) as exc:
            _PULL_FAILED[image] = str(exc)
            self.emit(CommandEvent(argv, exit_code=1, stderr=str(exc)))
            return False
        self.emit(CommandEvent(argv, exit_code=0))
        return True

    def build_offline(self, workload: WorkloadKind) -> str:
        """Build (or rebuild) the offline image for `workload` from the host's busybox."""
        image = OFFLINE[workload]
        busybox = offline.find_busybox()
        if busybox is None:
            raise image_unavailable(
                UPSTREAM[workload], _PULL_FAILED.get(UPSTREAM[workload], "not tried")
            )
        with_echo = workload == "http-echo"
        changes = offline.image_changes(image, with_echo=with_echo)
        repo, _, tag = image.partition(":")
        argv = ("docker", "import", *[f"--change={c}" for c in changes], "-", image)
        display = (
            f"tar of {busybox} and its applet links"
            + (" plus the /http-echo stand-in script" if with_echo else "")
            + " | "
            + shlex.join(argv)
        )
        self.emit(CommandEvent(argv, display=display))
        try:
            data = offline.busybox_rootfs(busybox, with_echo=with_echo)
            self.client.api.import_image_from_data(data, repository=repo, tag=tag, changes=changes)
        except Exception as exc:  # the engine's message is what the learner needs
            self.emit(CommandEvent(argv, exit_code=1, stderr=str(exc), display=display))
            raise TargetError(
                f"could not build the offline image {image}: {exc}",
                hint="check `docker info` and free disk space",
            ) from exc
        self.emit(CommandEvent(argv, exit_code=0, display=display))
        return image
