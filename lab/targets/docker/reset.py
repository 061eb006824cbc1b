"""`reset` on Docker: remove the containers and images the lab created, and only those.

Labels alone do not say who created a container: an image's labels pass to every container run
from it and to every image built FROM it. So a container is the lab's when the labels set in
the lab's create call (`seclab=1`, `seclab.workload`, `seclab.session`) agree with the name the
lab gave it; an image when it still carries the name in its `seclab.image` label (or, imported
by an older seclab with `seclab=1`, one of the lab's image names).
"""

from __future__ import annotations

from lab.targets.base import DOCKER_LABEL, CommandEvent
from lab.targets.docker.engine import Engine
from lab.targets.docker.offline import BUSYBOX_IMAGE, ECHO_IMAGE, IMAGE_LABEL
from lab.targets.docker.plan import container_name


def label_filters(session: str | None) -> list[str]:
    """The label filters that pick what the lab (or one session of it) created."""
    labels = [f"{DOCKER_LABEL[0]}={DOCKER_LABEL[1]}"]
    if session:
        labels.append(f"seclab.session={session}")
    return labels


def is_lab_container(name: str, labels: dict[str, str]) -> bool:
    """True when the create-time labels and the name agree: the lab made this container."""
    workload = labels.get("seclab.workload")
    if labels.get(DOCKER_LABEL[0]) != DOCKER_LABEL[1] or not workload:
        return False
    return name.lstrip("/") == container_name(workload, labels.get("seclab.session"))


def is_lab_image(tags: list[str], labels: dict[str, str]) -> bool:
    """True for an image the lab imported, not one built FROM it (that has other names)."""
    own = labels.get(IMAGE_LABEL)
    if own:
        return own in tags
    legacy = labels.get(DOCKER_LABEL[0]) == DOCKER_LABEL[1]
    return legacy and any(t in (BUSYBOX_IMAGE, ECHO_IMAGE) for t in tags)


def remove_labelled(engine: Engine, *, dry_run: bool) -> list[str]:
    """Remove (or with dry_run, list) labelled containers, then labelled images; say what."""
    import docker.errors

    client = engine.docker()
    labels = label_filters(engine.session)
    done: list[str] = []
    verb = "would remove" if dry_run else "removed"
    for container in client.containers.list(all=True, filters={"label": labels}):
        if not is_lab_container(container.name, container.labels):
            continue  # seclab=1 came from an image: a container someone else made
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
    found = {i.id: i for i in client.images.list(filters={"label": [IMAGE_LABEL]})}
    found.update({i.id: i for i in client.images.list(filters={"label": labels})})
    for image in found.values():
        if not is_lab_image(image.tags, image.labels):
            continue  # built FROM the lab's image, or renamed: not ours to remove
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
