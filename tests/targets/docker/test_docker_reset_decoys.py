"""`seclab reset` on Docker takes what the lab created and leaves decoys built on its images.

Decoys, as a user makes them: an image built FROM the lab's offline image (it inherits the
image's labels), a container run from that image, and a container run from the lab's image
itself. The reset here is a dry run across all sessions (other sessions on this machine stay
untouched) plus a real reset of this test's own session.
"""

from __future__ import annotations

import io
import uuid
from pathlib import Path

import pytest

from lab.targets.base import Phase, ProfileRef, WorkloadSpec
from lab.targets.docker.offline import BUSYBOX_IMAGE
from lab.targets.docker.reset import remove_labelled
from lab.targets.docker.target import DockerTarget

pytestmark = pytest.mark.docker
SLEEPER = WorkloadSpec("decoy-check", "busybox", ProfileRef.localhost("audit.json"),
                       ("sleep", "300"))  # fmt: skip


def test_reset_leaves_images_built_from_the_lab_image_and_their_containers(
    profiles_dir: Path,
) -> None:
    target = DockerTarget(profiles_dir, prefer_offline=True)
    client = target.docker()
    assert target.images().image_for("busybox") == BUSYBOX_IMAGE
    # An old seclab imported its images with `LABEL seclab=1`: make the decoys inherit it too.
    base = client.images.get(BUSYBOX_IMAGE)
    tag = f"seclab-test-decoy-{uuid.uuid4().hex[:8]}"
    dockerfile = f"FROM {base.id}\nLABEL seclab=1\nLABEL user=kind-node\nCMD [\"sleep\", \"300\"]\n"
    decoy_image, _ = client.images.build(fileobj=io.BytesIO(dockerfile.encode()), tag=tag, rm=True)
    from_decoy = client.containers.create(decoy_image.id, name=f"{tag}-node")
    from_lab_image = client.containers.create(BUSYBOX_IMAGE, ["sleep", "300"], name=f"{tag}-plain")
    try:
        assert from_decoy.labels.get("seclab") == "1"  # inherited: what fooled reset before
        assert target.run(SLEEPER).phase == Phase.RUNNING
        ours = f"seclab-decoy-check-{target.session}"

        every = DockerTarget(profiles_dir, session=None).engine
        listed = "\n".join(remove_labelled(every, dry_run=True))
        assert ours in listed
        assert f"{tag}-node" not in listed and f"{tag}-plain" not in listed
        assert tag not in listed  # the image built FROM ours
        assert f"would remove image {BUSYBOX_IMAGE}" in listed  # ours is still found

        removed = "\n".join(target.reset())
        assert ours in removed
        names = {c.name for c in client.containers.list(all=True)}
        assert ours not in names
        assert {f"{tag}-node", f"{tag}-plain"} <= names
        assert client.images.get(tag).id == decoy_image.id
    finally:
        target.close()
        for container in (from_decoy, from_lab_image):
            container.remove(force=True)
        client.images.remove(decoy_image.id, force=True)
