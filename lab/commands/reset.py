"""`seclab reset`: remove what the lab created, and only that, on one target or all of them."""

from __future__ import annotations

import sys
from collections.abc import Callable

import click

from lab import paths
from lab.targets.base import TargetError

HELP = """Remove what the lab created, and only that.

\b
  local   workload processes the lab recorded (in its state directory) that still run
  docker  containers and images labelled seclab=1
  kind    pods and services labelled app.kubernetes.io/managed-by=seclab in cluster "seclab",
          and the profiles the lab copied into its nodes' /var/lib/kubelet/seccomp/seclab-extra
          (the cluster itself stays: `seclab cluster down` removes it)

Nothing unlabelled is ever touched. Running it twice is harmless: the second run finds nothing.

\b
Examples:
  seclab reset --dry-run               what would be removed, on every target
  seclab reset --target docker         the lab's containers and images only

Exit status: 0 when done (with --target all, a target that is not available here is skipped),
1 when the chosen target could not be reached, 2 on usage errors.
"""


def _local(dry_run: bool, session: str | None) -> list[str]:
    from lab.targets.local import state as local_state

    return local_state.kill_recorded(dry_run=dry_run)


def _docker(dry_run: bool, session: str | None) -> list[str]:
    from lab.targets.docker.reset import remove_labelled
    from lab.targets.docker.target import DockerTarget

    target = DockerTarget(paths.profiles_dir(), session=session)
    return remove_labelled(target.engine, dry_run=dry_run)


def _kind(dry_run: bool, session: str | None) -> list[str]:
    import shutil

    from lab.targets.kind.manifests import MANAGED
    from lab.targets.kind.target import KindTarget

    if shutil.which("kind") is None:
        return []  # kind is not installed: the lab never made anything with it
    target = KindTarget(paths.profiles_dir())
    if not dry_run:
        return target.reset()
    if not target.cluster.exists():
        return []
    listed = target.kubectl(
        "get", "pods,services", "--all-namespaces", "-l", MANAGED, "-o", "name", timeout=60
    )
    pods = [line.strip() for line in listed.stdout.splitlines() if line.strip()]
    extra = target.cluster.remove_extra_profiles(dry_run=True)
    return [f"would delete {name}" for name in (*pods, *extra)]


RESETTERS: dict[str, Callable[[bool, str | None], list[str]]] = {
    "local": _local,
    "docker": _docker,
    "kind": _kind,
}


@click.command("reset", help=HELP)
@click.option(
    "--target",
    "target_name",
    type=click.Choice(["local", "docker", "kind", "all"]),
    default="all",
    show_default=True,
    help="Where to remove the lab's objects.",
)
@click.option("--dry-run", is_flag=True, help="Say what would be removed; remove nothing.")
@click.option("--session", hidden=True, help="Only objects labelled seclab.session=ID (tests).")
def command(target_name: str, dry_run: bool, session: str | None) -> None:
    """Remove what the lab created."""
    names = list(RESETTERS) if target_name == "all" else [target_name]
    failed = False
    for name in names:
        try:
            done = RESETTERS[name](dry_run, session)
        except TargetError as exc:
            if target_name == "all":
                # Asked for everything: an absent engine simply has nothing of ours.
                click.echo(f"{name}: skipped ({exc.message})")
                continue
            click.secho(f"{name}: {exc.message}", fg="red", err=True)
            if exc.hint:
                click.echo(f"  fix: {exc.hint}", err=True)
            failed = True
            continue
        if not done:
            click.echo(f"{name}: nothing of the lab's to remove")
        for line in done:
            click.echo(f"{name}: {line}")
    if failed:
        sys.exit(1)
