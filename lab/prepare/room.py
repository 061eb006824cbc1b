"""Everything a talk on one target needs, checked in the order an instructor would fix it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from lab.check import Check
from lab.prepare import course
from lab.prepare.items import Item, Steps


@dataclass
class Room:
    """The checklist for one target; the callables are where tests put their engines."""

    target: str
    steps: Steps
    check: bool = False
    lessons: Sequence[str] = ()
    doctor: Callable[[], list[Check]] = field(default=lambda: _doctor())
    docker_client: Callable[[], Any] = field(default=lambda: _docker_client())
    kind_target: Callable[[], Any] = field(default=lambda: _kind_target())
    notes: list[str] = field(default_factory=list)

    def items(self) -> list[Item]:
        """Every line of the checklist; long steps report their progress through `steps`."""
        self.steps.note(f"doctor: what {self.target} needs on this machine")
        items = self._doctor_items(self.doctor())
        self.steps.note("lessons and the profiles they use")
        found, lessons = course.lesson_items(self.target, self.lessons)
        items += found
        items += course.profile_items(course.profile_names(lessons, self.target))
        workloads = course.workloads(lessons)
        if self.target == "docker" and workloads:
            items += self._docker(workloads)
        elif self.target == "kind":  # the cluster is needed even by a lesson with no pods
            from lab.prepare.kind_room import KindRoom

            items += KindRoom(self.kind_target(), self.steps, self.check).items(workloads)
        return items

    def _doctor_items(self, checks: list[Check]) -> list[Item]:
        blockers = [c for c in checks if self.target in c.needed_by and c.status != "ok"]
        # Lines no target needs are worth knowing (audit records need root, printk drops
        # lines) but block nothing: they go under the checklist. Other targets' needs are left out.
        self.notes += [
            f"{c.name}: {c.detail}" + (f" (fix: {c.fix})" if c.fix else "")
            for c in checks
            if c.status != "ok" and c not in blockers and not c.needed_by
        ]
        if not blockers:
            return [Item.good("doctor", f"everything the {self.target} target needs works here")]
        return [Item.bad(f"doctor: {c.name}", f"{c.status}: {c.detail}", c.fix) for c in blockers]

    def _docker(self, workloads: list[str]) -> list[Item]:
        from lab.prepare.docker_room import image_items
        from lab.targets.base import TargetError

        try:
            client = self.docker_client()
        except TargetError as exc:
            # The doctor's line above already quotes the engine's words.
            return [Item.bad("images", "not checked: the Docker engine does not answer", exc.hint)]
        return image_items(client, workloads, self.steps, check=self.check)


def unready(target: str, lessons: Sequence[str] = ()) -> list[str]:
    """What `seclab prepare --check` would mark ✘ for this talk, one line each; changes nothing."""
    room = Room(target, Steps(say=lambda line: None), check=True, lessons=lessons)
    return [
        f"{item.name}: {item.detail}" + (f" (fix: {item.fix})" if item.fix else "")
        for item in room.items()
        if not item.ok
    ]


def _doctor() -> list[Check]:
    from lab.doctor import run_checks

    return run_checks()


def _docker_client() -> Any:
    from lab import paths
    from lab.targets.docker.target import DockerTarget

    return DockerTarget(paths.profiles_dir()).docker()


def _kind_target() -> Any:
    from lab import paths
    from lab.targets.kind.target import KindTarget

    return KindTarget(paths.profiles_dir())
