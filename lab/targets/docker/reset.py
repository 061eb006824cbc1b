"""`reset` on Docker: remove the containers and images labelled `seclab=1`, and only those."""

from __future__ import annotations

from lab.targets.base import DOCKER_LABEL, CommandEvent
from lab.targets.docker.engine import Engine


def label_filters(session: str | None) -> list[str]:
    """The label filters that pick what the lab (or one session of it) created."""
    labels = [f"{DOCKER_LABEL[0]}={DOCKER_LABEL[1]}"]
    if session:
        labels.append(f"seclab.session={session}")
    return labels


def remove_labelled(engine: Engine, *, dry_run: bool) -> list[str]:
    """Remove (or with dry_run, list) labelled containers, then labelled images; say what."""
    import docker.errors

    client = engine.docker()
    labels = label_filters(engine.session)
    done: list[str] = []
    verb = "would remove" if dry_run else "removed"
    for container in client.containers.list(all=True, filters={"label": labels}):
        argv = ("docker", "rm", "-f", container.name)
        if not dry_run:
            engine.emit(CommandEvent(argv))
            try:
                container.remove(force=True)
            except docker.errors.NotFound:
                continue  # gone meanwhile: nothing left to remove
            engine.emit(CommandEvent(argv, exit_code=0))
        done.append(f"{verb} container {container.name} ({container.short_id})")
    if engine.session:
        return done  # a session's containers only: the shared offline images stay
    for image in client.images.list(filters={"label": labels}):
        tags = image.tags or [image.short_id]
        argv = ("docker", "rmi", "-f", *tags)
        if not dry_run:
            engine.emit(CommandEvent(argv))
            try:
                client.images.remove(image.id, force=True)
            except docker.errors.APIError as exc:
                done.append(f"kept image {', '.join(tags)}: {exc.explanation or exc}")
                continue
            engine.emit(CommandEvent(argv, exit_code=0))
        done.append(f"{verb} image {', '.join(tags)}")
    return done
