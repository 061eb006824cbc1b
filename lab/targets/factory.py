"""`make_target("local" | "docker" | "kind")`: the one place front ends get a target from.

Each target module is imported only when asked for, so choosing `local` never loads the docker
SDK, and `kind` never starts a Docker client.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lab.targets.base import CommandListener, Target, TargetError

TARGETS = ("local", "docker", "kind")


def make_target(name: str, *, on_command: CommandListener | None = None, **options: Any) -> Target:
    """A target by name; `options` go to its constructor (e.g. `cluster_name` for kind).

    `profiles_dir` defaults to the lab's profiles directory.
    """
    profiles: Path = Path(options.pop("profiles_dir", None) or _default_profiles())
    key = name.strip().lower()
    if key == "local":
        from lab.targets.local.target import LocalTarget

        return LocalTarget(profiles, on_command=on_command, **options)
    if key == "docker":
        from lab.targets.docker.target import DockerTarget

        return DockerTarget(profiles, on_command=on_command, **options)
    if key == "kind":
        from lab.targets.kind.target import KindTarget

        return KindTarget(profiles, on_command=on_command, **options)
    raise TargetError(
        f"unknown target {name!r}",
        hint=f"choose one of: {', '.join(TARGETS)} (local needs nothing but this kernel)",
    )


def _default_profiles() -> Path:
    from lab.paths import profiles_dir

    return profiles_dir()
