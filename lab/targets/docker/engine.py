"""One session's view of a Docker engine: the SDK client, its containers by workload name, images.

Everything the docker target's collaborators need from the engine is here, so they take an
`Engine` and never the target: the target calls them, they do not call back.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lab.targets.base import CommandEvent
from lab.targets.docker import privileged
from lab.targets.docker.context import follow
from lab.targets.docker.errors import engine_unreachable
from lab.targets.docker.images import ImageResolver
from lab.targets.docker.plan import container_name
from lab.targets.docker.versions import engine_versions, log_flag_blocker


@dataclass
class Engine:
    """The SDK client (connected on first use), reporting each call as the `docker …` command."""

    emit: Callable[[CommandEvent], None]
    # In every container name and in the label seclab.session; None means all of the lab's.
    session: str | None
    pull_timeout: float = 20
    prefer_offline: bool = False
    client: Any = field(default=None, repr=False)
    _images: ImageResolver | None = field(default=None, repr=False)
    _privileged: tuple[str | None] | None = field(default=None, repr=False)

    def docker(self) -> Any:
        """The SDK client, connected on first use; an unreachable engine is explained."""
        if self.client is None:
            import docker
            import requests.exceptions

            follow()  # the engine the docker CLI would use: the SDK ignores contexts
            try:
                client = docker.from_env(timeout=60)
                client.ping()
            except (docker.errors.DockerException, requests.exceptions.RequestException) as exc:
                raise engine_unreachable(exc) from exc
            self.client = client
        return self.client

    def images(self) -> ImageResolver:
        """The image resolver (upstream when present or pullable, else offline builds)."""
        if self._images is None:
            self._images = ImageResolver(
                self.docker(), self.emit, self.pull_timeout, self.prefer_offline
            )
        return self._images

    def forget_images(self) -> None:
        """The offline images may be gone (after a reset): look (or build) again next run."""
        self._images = None

    def container_name(self, name: str) -> str:
        """The container that holds workload `name` in this session."""
        return container_name(name, self.session)

    def find(self, name: str) -> Any | None:
        """Workload `name`'s container, or None."""
        import docker.errors

        try:
            return self.docker().containers.get(self.container_name(name))
        except docker.errors.NotFound:
            return None

    def remove(self, name: str) -> None:
        """`docker rm -f` workload `name`'s container; nothing happens when there is none."""
        container = self.find(name)
        if container is None:
            return
        argv = ("docker", "rm", "-f", container.name)
        self.emit(CommandEvent(argv))
        import docker.errors

        # Removed meanwhile (another reset, a concurrent delete) is fine.
        with contextlib.suppress(docker.errors.NotFound):
            container.remove(force=True)
        self.emit(CommandEvent(argv, exit_code=0))

    def note(self, text: str) -> None:
        """Show the learner a remark next to the commands (no command is run)."""
        self.emit(CommandEvent((), exit_code=0, display=f"# {text}"))

    def privileged_problem(self) -> str | None:
        """Why privileged containers cannot start here, found by starting one (once)."""
        if self._privileged is None:
            self._privileged = (
                privileged.start_problem(self.docker(), self.images(), self.session),
            )
        return self._privileged[0]

    def privileged_blocker(self) -> str | None:
        """Why the privileged step cannot show 'privileged ignores the profile' on this engine."""
        applied = privileged.profile_applied(engine_versions(self.docker().version())[0])
        return applied or self.privileged_problem()

    def log_flag_blocker(self) -> str | None:
        """Why SECCOMP_FILTER_FLAG_LOG in a profile has no effect on this engine, if it has none."""
        return log_flag_blocker(*engine_versions(self.docker().version()))
