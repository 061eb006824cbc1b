"""What one lesson run's actions share: the target, the observations, derived profiles, started
workloads; and how a step's profile choice becomes the ProfileRef this target uses."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from lab.course.events import Listener
from lab.course.model import Action, ProfileChoice
from lab.course.observe import Observations
from lab.targets.base import ProfileRef, Target, WorkloadSpec

ECHO_TEXT = "-text=just made some syscalls!"


@dataclass
class ActionContext:
    """Where derived profiles go, and which workloads this run started (to clean up)."""

    target: Target
    obs: Observations
    listener: Listener
    workdir: Path
    derived: dict[str, Path] = field(default_factory=dict)
    # The output the target itself last reported, so a result is not printed twice.
    last_output: tuple[str, str] | None = None
    started: list[str] = field(default_factory=list)
    # Where each running echo workload is reached from here (for `{address:NAME}` in texts).
    addresses: dict[str, str] = field(default_factory=dict)
    cancel: threading.Event = field(default_factory=threading.Event)

    def profile_name(self, choice: ProfileChoice) -> str | None:
        """The profile this target uses; the offline echo image has its own fine-grained list."""
        name = choice.for_target(self.target.name)
        if name == "fine-grained.json" and _uses_offline_echo(self.target):
            from lab.targets.docker.offline import ECHO_PROFILE

            return ECHO_PROFILE
        return name

    def profile_ref(self, choice: ProfileChoice) -> ProfileRef:
        name = self.profile_name(choice)
        if name is None or name == "unconfined":
            return ProfileRef.unconfined()
        if name == "runtime-default":
            return ProfileRef.runtime_default()
        if name in self.derived:
            return ProfileRef.localhost(str(self.derived[name]))
        return ProfileRef.localhost(name)

    def profile_path(self, name: str) -> Path:
        return self.derived.get(name) or self.target.profiles_dir / name

    def spec(self, action: Action, workload: str | None = None) -> WorkloadSpec:
        kind = workload or action.workload
        args = action.argv or ((ECHO_TEXT,) if kind == "http-echo" else ())
        profile = self.profile_ref(action.profile) if action.profile else ProfileRef.unconfined()
        name = self.obs.real(action.name)
        return WorkloadSpec(
            name, kind, profile, tuple(args), action.privileged,  # type: ignore[arg-type]
            no_new_privileges=action.no_new_privileges, offline_image=action.offline_image,
        )  # fmt: skip

    def started_workload(self, name: str) -> None:
        if name not in self.started:
            self.started.append(name)


def _uses_offline_echo(target: Target) -> bool:
    probe = getattr(target, "uses_offline", None)  # kind: decided when the lesson started
    if callable(probe):
        return bool(probe("http-echo"))
    images = getattr(target, "images", None)
    if target.name != "docker" or images is None:
        return False
    return bool(images().uses_offline("http-echo"))
