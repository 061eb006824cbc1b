"""kind: which images the lab's pods use, and whether their pull policy lets a loaded image be."""

from __future__ import annotations

from collections.abc import Sequence

from lab.prepare.items import Item
from lab.targets.base import ProfileRef, WorkloadSpec
from lab.targets.kind.manifests import pod_manifest


def pod_images(workloads: Sequence[str]) -> dict[str, str]:
    """image -> the pull policy the lab's pods get for it (what kind.manifests writes, or
    Kubernetes' default: Always for `:latest` or no tag, IfNotPresent for any other tag)."""
    found: dict[str, str] = {}
    for workload in workloads:
        spec = WorkloadSpec("prepare", workload, ProfileRef.unconfined(), ("true",))  # type: ignore[arg-type]
        container = pod_manifest(spec)["spec"]["containers"][0]
        image = container["image"]
        tag = image.rsplit("/", 1)[-1].partition(":")[2]
        default = "Always" if tag in ("", "latest") and "@" not in image else "IfNotPresent"
        found[image] = container.get("imagePullPolicy") or default
    return found


def policy_item(images: dict[str, str]) -> Item:
    """The pods must use the loaded images: a pull policy of Always would fetch them anew."""
    always = [image for image, policy in images.items() if policy == "Always"]
    if always:
        return Item.bad(
            "pods' imagePullPolicy",
            f"Always for {', '.join(always)} (lab/targets/kind/manifests.py): "
            "the node pulls at every pod start, whatever is loaded",
            "report it: the pods need imagePullPolicy IfNotPresent (or a fixed tag)",
        )
    listed = ", ".join(f"{image}: {policy}" for image, policy in images.items())
    return Item.good("pods' imagePullPolicy", f"{listed or 'no pods'}: loaded images are used")
