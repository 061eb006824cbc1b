"""`seclab cluster up|down|status|sync`: the lab's kind cluster, made from the repo's kind.yaml."""

from __future__ import annotations

import contextlib
import re
import shlex
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from lab import paths
from lab.course.interrupts import first_interrupt_only
from lab.targets.base import CommandEvent, TargetError
from lab.targets.commands import Runner, SubprocessRunner
from lab.targets.kind import config as kindconfig
from lab.targets.kind import versions as kind_versions
from lab.targets.kind.cluster import KindCluster
from lab.targets.kind.manifests import BUSYBOX_IMAGE, HTTP_ECHO_IMAGE, MANAGED
from lab.targets.kind.recording import maybe_recording
from lab.targets.kind.status import pod_state
from lab.targets.kind.target import KindTarget

# Loaded into the nodes when Docker has them, so a class without network still works.
PRELOAD = (HTTP_ECHO_IMAGE, BUSYBOX_IMAGE)

# Tests replace this with a runner that replays recorded transcripts.
make_runner: Callable[[], Runner] = SubprocessRunner


# kind's own rule for cluster names (its config validation); checked here, before anything runs.
_VALID_NAME = re.compile(r"[a-z0-9.-]+")


def _valid_name(ctx: click.Context, param: click.Parameter, value: str) -> str:
    if not _VALID_NAME.fullmatch(value):
        raise click.BadParameter(
            f"{value!r} is not a name kind accepts: use lower-case letters, digits, '.' and '-', "
            "e.g. --name seclab"
        )
    return value


_NAME = click.option(
    "--name", default="seclab", show_default=True, callback=_valid_name, help="Cluster name."
)


def _show(event: CommandEvent) -> None:
    if event.exit_code is None:  # shown once, as it starts: kind create takes minutes
        click.secho(f"$ {event.shown()}", fg="cyan", err=True)


def _state_dir() -> Path:
    try:
        return paths.state_dir()
    except paths.StateDirError as exc:
        raise TargetError(str(exc)) from None


def _target(name: str) -> KindTarget:
    runner = make_runner()
    if make_runner is SubprocessRunner:  # the real one: SECLAB_KIND_RECORD may record it
        state = str(paths.state_dir(create=False))
        replace = {str(paths.profiles_dir().resolve()): "{profiles}", state: "{state}"}
        runner = maybe_recording(runner, replace)
    return KindTarget(paths.profiles_dir(), _show, cluster_name=name, runner=runner)


@contextmanager
def _errors() -> Iterator[None]:
    try:
        yield
    except TargetError as exc:
        click.secho(f"error: {exc.message}", fg="red", err=True)
        if exc.hint:
            click.echo(f"  fix: {exc.hint}", err=True)
        sys.exit(1)


@click.group("cluster")
def command() -> None:
    """The lab's kind cluster: one node with profiles/ mounted where the kubelet looks.

    \b
      seclab cluster up --dry-run      show the commands and the generated kind config
      seclab cluster up                create (or reuse) cluster "seclab"
      seclab cluster status            nodes, the profiles mount, the lab's pods
      seclab cluster sync              copy edited profiles into the nodes
      seclab cluster down              delete the cluster

    kind, kubectl and Docker must be installed (`seclab doctor --target kind` checks).
    Exit status: 0 when done, 1 when a tool failed or is missing (the message says which and
    how to fix it), 2 on usage errors; `status` exits 1 when the cluster does not exist.
    """


@command.command()
@click.option("--workers", type=click.IntRange(0, 5), default=0, help="Worker nodes to add.")
@click.option(
    "--seccomp-default",
    is_flag=True,
    help="Turn on the kubelet's seccompDefault on every node (RuntimeDefault for all pods).",
)
@click.option("--dry-run", is_flag=True, help="Print the commands and the config; run nothing.")
@_NAME
def up(workers: int, seccomp_default: bool, dry_run: bool, name: str) -> None:
    """Create the lab's kind cluster, or reuse it when it exists.

    \b
    Examples:
      seclab cluster up --dry-run                   the commands and config, nothing run
      seclab cluster up                             one control-plane node
      seclab cluster up --workers 1 --seccomp-default
    """
    with _errors():
        source = paths.kind_config()
        base = kindconfig.load(source)
        cgroup = kind_versions.host_cgroup_version()

        def config_for(minor: int | None) -> tuple[dict[str, Any], list[str]]:
            kubelet, said = kind_versions.config_patches(
                minor, seccomp_default=seccomp_default, cgroup=cgroup
            )
            config = kindconfig.render(base, paths.profiles_dir(), workers=workers, kubelet=kubelet)
            return config, said

        image = kindconfig.node_image(base)
        config, _ = config_for(kind_versions.expected_node_minor(None, image))
        target = _target(name)
        cluster = target.cluster
        if dry_run:
            path = paths.state_dir(create=False) / f"kind-{name}.yaml"
            click.echo("# seclab cluster up would run:")
            click.echo("kind get clusters")
            click.echo(shlex.join(cluster.create_argv(path)))
            for image in PRELOAD:
                for argv in cluster.load_argvs(image, probe=False):
                    click.echo(f"{shlex.join(argv)}   # if Docker has the image")
            click.echo("# (docker save gets --platform where Docker has it, from Docker 28;")
            click.echo("#  without the images, the lab's offline stand-ins are built and loaded)")
            click.echo(f"\n# with this config, written to {path}:")
            click.echo(kindconfig.dump(config, source), nl=False)
            return
        if cluster.exists():
            click.echo(f'kind cluster "{name}" exists: reusing it.')
            if workers or seccomp_default:
                click.echo(
                    "note: --workers and --seccomp-default apply when the cluster is made; "
                    "run `seclab cluster down` first to change them."
                )
            for copied in target.sync_profiles():
                click.echo(f"copied {copied}")
        else:
            if cluster.docker_desktop():
                click.echo(
                    f"note: Docker Desktop only mounts shared folders: make sure "
                    f"{paths.profiles_dir()} is under Settings > Resources > File sharing."
                )
            config, said = config_for(cluster.node_minor(kindconfig.node_image(base)))
            for line in said:
                click.echo(f"note: {line}.")
            written = kindconfig.write(config, source, _state_dir(), name)
            _create(cluster, written, name)
            click.echo(f'created kind cluster "{name}" (kubectl context kind-{name}).')
        # The pods' images into the nodes: upstream when Docker has it (or can pull it), else
        # the lab's offline stand-in (busybox-static), so a class without network still works.
        for workload, image in target.choose_images().items():
            offline = "" if image in PRELOAD else " (the lab's offline stand-in: no network here)"
            click.echo(f"{workload} pods use {image}{offline}.")
        click.echo("ready: seclab cluster status shows the nodes and the profiles mount.")


def _create(cluster: KindCluster, config: Path, name: str) -> None:
    """kind create, its progress shown as it comes; a failure says why (kind's ERROR line,
    the kubelet's journal) and removes the half-made cluster, and so does Ctrl-C."""
    note = "seclab cluster up: removing the half-made cluster, please wait"
    with first_interrupt_only(note):
        try:
            cluster.create(config, on_line=lambda line: click.echo(f"  {line}", err=True))
        except TargetError:
            raise  # create() looked inside and removed what it made
        except BaseException:
            click.echo(
                f"removing the half-made cluster: kind delete cluster --name {name}", err=True
            )
            with contextlib.suppress(TargetError):
                cluster.delete()
            raise


@command.command()
@_NAME
def down(name: str) -> None:
    """Delete the lab's kind cluster (and everything in it)."""
    with _errors():
        cluster = _target(name).cluster
        if not cluster.exists():
            click.echo(f'no kind cluster named "{name}": nothing to delete.')
            return
        cluster.delete()
        click.echo(f'deleted kind cluster "{name}".')


@command.command()
@_NAME
def status(name: str) -> None:
    """Nodes, whether the profiles mount is there, and the lab's pods."""
    with _errors():
        target = _target(name)
        if not target.cluster.exists():
            click.echo(f'no kind cluster named "{name}": seclab cluster up creates it.')
            sys.exit(1)
        local = sorted(p.name for p in target.profiles_dir.glob("*.json"))
        nodes = target.kubectl.get_json("nodes") or {}
        for item in nodes.get("items", []):
            node = item["metadata"]["name"]
            ready = any(
                c.get("type") == "Ready" and c.get("status") == "True"
                for c in item.get("status", {}).get("conditions", [])
            )
            version = item.get("status", {}).get("nodeInfo", {}).get("kubeletVersion", "?")
            click.echo(f"node {node}: {'Ready' if ready else 'NotReady'}, kubelet {version}")
            files = target.cluster.node_profiles(node)
            if files is None:
                click.echo("  profiles: NOT mounted (seclab cluster sync copies them in)")
            else:
                missing = sorted(set(local) - set(files))
                extra = f"; missing {', '.join(missing)} (seclab cluster sync)" if missing else ""
                click.echo(f"  profiles: {len(files)} file(s) in the node{extra}")
        pods = target.kubectl.get_json("pods", "--all-namespaces", "-l", MANAGED) or {}
        items = pods.get("items", [])
        click.echo(f"lab pods: {len(items) or 'none'}")
        for pod in items:
            state = pod_state(pod)
            why = f" ({state.reason})" if state.reason else ""
            click.echo(
                f"  {pod['metadata']['name']}: {state.phase.value}{why}, restarts {state.restarts}"
            )


@command.command()
@_NAME
def sync(name: str) -> None:
    """Copy profiles edited since the cluster was made into its nodes (no recreation)."""
    with _errors():
        copied = _target(name).sync_profiles()
        click.echo("\n".join(f"copied {c}" for c in copied) or "profiles already up to date.")
