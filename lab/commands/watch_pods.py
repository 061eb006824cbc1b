"""`seclab watch --target kind`: the pod behind each record, named through the lab's cluster."""

from __future__ import annotations

from collections.abc import Callable

from lab import paths
from lab.audit.enrich import PodResolver
from lab.targets.base import TargetError
from lab.targets.commands import Runner, SubprocessRunner

# Tests replace this with a runner that replays recorded transcripts (kind cannot run there).
make_runner: Callable[[], Runner] = SubprocessRunner


def pod_names(target: str | None, echo: Callable[[str], None]) -> PodResolver | None:
    """The pod resolver for `--target kind` (None for the other targets, which need none).

    Raises TargetError, with its fix, when the lab's cluster cannot be asked: without it,
    `--pod` would match nothing and say nothing about why.
    """
    if target != "kind":
        return None  # Docker containers are named for every target, through the docker SDK
    from lab.targets.kind.target import KindTarget

    kind = KindTarget(paths.profiles_dir(), cluster_name="seclab", runner=make_runner())
    if not kind.cluster.exists():
        raise TargetError(
            f"there is no kind cluster named {kind.cluster_name!r} to name the pods",
            hint="seclab cluster up (or watch without --target kind)",
        )
    command = f"kubectl --context {kind.kubectl.context} get pods --all-namespaces -o json"
    echo(f"seclab watch: pods named from the kind cluster {kind.cluster_name!r} ({command})")
    return kind.pod_for_container
