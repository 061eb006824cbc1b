"""kind: the cluster exists, the profiles are on its nodes, the pods' images are loaded there.

Every step is a real kind/kubectl/docker command run through the kind target's runner, so a
Ctrl-C kills the command in flight, and the tests replay recorded transcripts of them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass

from lab import paths
from lab.course.interrupts import first_interrupt_only
from lab.prepare.items import Item, Steps
from lab.prepare.pull_policy import pod_images, policy_item
from lab.targets.base import TargetError
from lab.targets.kind import config as kindconfig
from lab.targets.kind import versions as kind_versions
from lab.targets.kind.cluster import OFFLINE
from lab.targets.kind.target import UPSTREAM, KindTarget

FIX = "seclab prepare --target kind"
STAND_INS = {UPSTREAM[w]: OFFLINE[w] for w in UPSTREAM}  # upstream image -> offline stand-in
WORKLOAD_OF = {OFFLINE[w]: w for w in OFFLINE}


@dataclass
class KindRoom:
    """The kind part of the room, made ready (or, with `check`, only looked at)."""

    target: KindTarget
    steps: Steps
    check: bool

    @property
    def name(self) -> str:
        return self.target.cluster_name

    def items(self, workloads: Sequence[str]) -> list[Item]:
        images = pod_images(workloads)
        cluster = self.target.cluster
        try:
            exists = cluster.exists()
        except TargetError as exc:
            return [Item.bad(f"kind cluster {self.name}", exc.message, exc.hint)]
        if not exists and self.check:
            config = paths.state_dir(create=False) / f"kind-{self.name}.yaml"
            loads = [argv for image in images for argv in self._fetch_argvs(image)]
            detail = "does not exist (creating it pulls the node image: do it before the talk)"
            first = [cluster.create_argv(config), *loads]
            items = [Item.bad(f"kind cluster {self.name}", detail, FIX, first)]
        else:
            items = [self._cluster(exists)]
            if items[0].ok:
                items += [self._profiles(), *self._images(images)]
        return [*items, policy_item(images)] if images else items

    def _cluster(self, exists: bool) -> Item:
        name = f"kind cluster {self.name}"
        try:
            how = "exists" if exists else self._create()
            self.target.check_nodes()  # its nodes answer and are Ready
        except TargetError as exc:
            return Item.bad(name, exc.message, exc.hint or FIX)
        except paths.StateDirError as exc:
            return Item.bad(name, str(exc), "set XDG_STATE_HOME to a folder you can write")
        return Item.good(name, f"{how}; nodes Ready (kubectl context kind-{self.name})")

    def _create(self) -> str:
        source = paths.kind_config()
        base = kindconfig.load(source)
        cluster = self.target.cluster
        # What these versions need (failCgroupV1: false for a 1.35+ node on a cgroup v1 host).
        minor = cluster.node_minor(kindconfig.node_image(base))
        kubelet, said = kind_versions.config_patches(
            minor, seccomp_default=False, cgroup=kind_versions.host_cgroup_version()
        )
        for line in said:
            self.steps.note(line)
        config = kindconfig.render(base, paths.profiles_dir(), kubelet=kubelet)
        written = kindconfig.write(config, source, paths.state_dir(), self.name)
        # A second Ctrl-C must not cut short the removal of a half-made cluster.
        note = "seclab prepare: removing the half-made cluster, please wait"
        self.steps.note("the first cluster takes minutes: kind pulls its node image")
        step = f"kind create cluster --name {self.name}"
        with first_interrupt_only(note), self.steps.step(step):
            try:
                cluster.create(written, on_line=lambda line: self.steps.note(f"  {line}"))
            except TargetError:
                raise  # create() looked inside the node and removed the half-made cluster
            except BaseException:
                self.steps.note(
                    f"removing the half-made cluster: kind delete cluster --name {self.name}"
                )
                with contextlib.suppress(TargetError):
                    cluster.delete()
                raise
        return "created"

    def _profiles(self) -> Item:
        name = "profiles on the nodes"
        cluster, folder = self.target.cluster, self.target.profiles_dir
        count = len(list(folder.glob("*.json")))
        try:
            if not self.check:
                copied = cluster.sync_profiles(folder)
                extra = f" (copied {', '.join(copied)})" if copied else ""
                return Item.good(name, f"{count} match {folder} in {kindconfig.MOUNT_PATH}{extra}")
            stale = {node: names for node, names in cluster.stale_profiles(folder).items() if names}
        except TargetError as exc:
            return Item.bad(name, exc.message, exc.hint or FIX)
        if not stale:
            return Item.good(name, f"{count} match {folder} in {kindconfig.MOUNT_PATH}")
        where = "; ".join(f"{node}: {', '.join(names)}" for node, names in stale.items())
        copies = [
            ("docker", "cp", str(folder / n), f"{node}:{kindconfig.MOUNT_PATH}/{n}")
            for node, names in stale.items()
            for n in names
        ]
        return Item.bad(name, f"missing or out of date ({where})", "seclab cluster sync", copies)

    def _images(self, images: dict[str, str]) -> list[Item]:
        try:
            nodes = self.target.cluster.nodes()
        except TargetError as exc:
            return [Item.bad("images in the nodes", exc.message, exc.hint or FIX)]
        return [self._image(image, nodes) for image in images]

    def _image(self, image: str, nodes: list[str]) -> Item:
        name = f"image {image} in the nodes"
        cluster = self.target.cluster
        stand_in = STAND_INS.get(image)
        try:
            missing = [n for n in nodes if not cluster.node_has_image(n, image)]
            if not missing:
                return Item.good(name, f"loaded in {self.name}'s nodes")
            on_host = cluster.image_present(image)
            if not on_host and stand_in and all(cluster.node_has_image(n, stand_in) for n in nodes):
                return Item.good(name, f"not there, but the lab's offline stand-in {stand_in} is")
            if self.check:
                why = f"not in {', '.join(missing)}: the kubelet would pull it during the talk"
                return Item.bad(name, why, FIX, self._fetch_argvs(image, on_host))
            if not on_host and not self._pull(image):
                return self._stand_in(name, image, stand_in, missing)
            with self.steps.step(f"loading {image} into the nodes (docker save, kind load)"):
                cluster.load_image(image)
        except TargetError as exc:
            return Item.bad(name, exc.message, exc.hint or FIX)
        how = "loaded" if on_host else "pulled on this machine and loaded"
        return Item.good(name, f"{how} into {', '.join(missing)}")

    def _stand_in(self, name: str, image: str, stand_in: str | None, nodes: list[str]) -> Item:
        """Offline: the lab's stand-in (busybox-static, with its own profiles) instead."""
        cluster = self.target.cluster
        if stand_in is None:
            hint = (
                f"on a machine with network: docker pull {image}; docker save {image} > "
                f"image.tar; here: docker load < image.tar; then {FIX}"
            )
            return Item.bad(name, f"Docker cannot pull {image} and the lab has no stand-in", hint)
        with self.steps.step(f"offline: building {stand_in} and loading it into the nodes"):
            if not cluster.image_present(stand_in):
                cluster.build_stand_in(WORKLOAD_OF[stand_in])
            cluster.load_image(stand_in)
        return Item.good(
            name,
            f"Docker cannot pull it here: the lab's offline stand-in {stand_in} is loaded into "
            f"{', '.join(nodes)} instead (the lessons use it, with its own profiles)",
        )

    def _fetch_argvs(self, image: str, on_host: bool | None = None) -> list[list[str]]:
        """What puts the image into the nodes: a pull on this machine if Docker lacks it."""
        cluster = self.target.cluster
        if on_host is None:
            on_host = cluster.image_present(image)
        pull = [] if on_host else [["docker", "pull", image]]
        return [*pull, *cluster.load_argvs(image)]

    def _pull(self, image: str) -> bool:
        """docker pull; False when it cannot (offline): the stand-in is the answer then."""
        with self.steps.step(f"docker pull {image}"):
            return self.target.cluster.pull(image, timeout=900)
