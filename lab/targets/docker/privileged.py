"""Can this Docker engine start privileged containers, and would it ignore their profile?

Asked of the engine itself: one throw-away privileged container (labelled, removed at once).
The capability bounding set only guesses (a runc wrapper or a user namespace changes the
answer). Docker Engine 26 and later apply a profile that is named explicitly to a privileged
container (moby PR 47500); 25 and older, and containerd under Kubernetes, never do.
"""

from __future__ import annotations

import contextlib
from typing import Any

from lab.targets.docker.images import ImageResolver
from lab.targets.docker.plan import labels_for
from lab.targets.docker.versions import parse_version

PROBE = "privileged-probe"
NO_IMAGE = (
    "not tried: the engine has no busybox image yet (`seclab prepare --target docker` makes one)"
)


def start_problem(
    client: Any, images: ImageResolver, session: str | None, *, build: bool = True
) -> str | None:
    """Why a privileged container cannot start on this engine (its own words), or None.

    With `build=False` (the doctor, `prepare --check`) nothing is pulled or built: without a
    busybox image already in the engine the answer is NO_IMAGE.
    """
    import docker.errors

    image = images.image_for("busybox") if build else images.available("busybox")
    if image is None:
        return NO_IMAGE
    name = f"seclab-{PROBE}-{session or 'any'}"
    try:
        container = client.containers.run(
            image, ["true"], name=name, labels=labels_for(PROBE, session), privileged=True,
            detach=True,
        )  # fmt: skip
        result = container.wait(timeout=30)
        if result.get("StatusCode", 1) != 0:
            return f"a privileged test container exited with status {result.get('StatusCode')}"
        return None
    except docker.errors.APIError as exc:
        return (
            "privileged containers cannot start on this engine (a throw-away privileged "
            f"container failed: {exc.explanation or exc}); typical inside another container or "
            "a restricted VM, where the engine lacks capabilities a privileged container asks for"
        )
    finally:
        with contextlib.suppress(Exception):
            client.containers.get(name).remove(force=True)


def profile_applied(engine_version: str | None) -> str | None:
    """Why a named profile is applied to privileged containers on this engine, or None."""
    version = parse_version(engine_version)
    if version is None or version[0] < 26:
        return None
    return (
        f"Docker Engine {engine_version} applies a profile that is named explicitly to a "
        "privileged container (Docker 26 and later, moby PR 47500): violation.json would stop "
        "it here. Under Kubernetes (containerd, CRI-O) and Docker 25 or older, privileged "
        "means no filter whatever profile is named"
    )
