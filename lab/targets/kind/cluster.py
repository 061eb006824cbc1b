"""The lab's kind cluster: does it exist, create it, delete it, load images, look inside nodes."""

from __future__ import annotations

import hashlib
import platform
import shlex
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from lab.targets.base import TargetError
from lab.targets.commands import INSTALL, CommandError, Completed
from lab.targets.docker import offline
from lab.targets.kind import versions as kind_versions
from lab.targets.kind.config import MOUNT_PATH
from lab.targets.kind.kubectl import ReportedRunner
from lab.targets.kind.manifests import EXTRA_SUBDIR, SECCOMP_ROOT

INSTALL_KIND = f"install kind: {INSTALL['kind']}"
# The lab's offline stand-ins (built from busybox-static, as for the docker target).
OFFLINE = {"http-echo": offline.ECHO_IMAGE, "busybox": offline.BUSYBOX_IMAGE}
EXTRA_DIR = f"{SECCOMP_ROOT}/{EXTRA_SUBDIR}"  # profiles from elsewhere, copied in by the lab
# Pulls that failed in this process: an offline classroom should not wait on each lesson.
_PULL_FAILED: set[str] = set()


@dataclass
class KindCluster:
    """One named kind cluster, driven through the real `kind` and `docker` CLIs."""

    run: ReportedRunner
    name: str = "seclab"
    timeout: float = 60
    create_timeout: float = 900  # pulling the node image on a slow link takes minutes
    _save_platform: bool | None = None

    @property
    def control_plane(self) -> str:
        return f"{self.name}-control-plane"

    def _call(
        self, argv: list[str], *, timeout: float | None = None, check: bool = True
    ) -> Completed:
        try:
            return self.run(argv, timeout=timeout or self.timeout, check=check)
        except CommandError as exc:
            hint = None
            if "not installed" in str(exc):
                hint = INSTALL_KIND if argv[0] == "kind" else "install Docker and start it"
                # Nothing ran: say first what is missing, then what it was needed for.
                raise TargetError(
                    f"{exc.args[0]}: the lab runs `{shlex.join(argv)}`",
                    hint=hint,
                    command=argv,
                ) from None
            if "Cannot connect to the Docker daemon" in exc.stderr:
                hint = "start Docker (Linux: sudo systemctl start docker)"
            elif "Mounts denied" in exc.stderr or "is not shared from the host" in exc.stderr:
                hint = "share the folder: Docker Desktop > Settings > Resources > File sharing"
            # kind ends with its error and the failing docker command's output: keep the tail.
            lines = [line for line in exc.stderr.splitlines() if line.strip()]
            detail = "\n  ".join(lines[-4:]) if lines else str(exc.args[0])
            raise TargetError(
                f"`{shlex.join(argv)}` failed:\n  {detail}",
                hint=hint,
                command=argv,
                stderr=exc.stderr,
            ) from None

    def clusters(self) -> list[str]:
        """Names of the kind clusters on this Docker engine."""
        done = self._call(["kind", "get", "clusters"])
        # With none, kind says "No kind clusters found." (on stderr); names go to stdout.
        return [
            line.strip()
            for line in done.stdout.splitlines()
            if line.strip() and not line.startswith("No kind clusters")
        ]

    def kind_release(self) -> tuple[int, ...] | None:
        """kind's own version, e.g. (0, 31, 0); None when it does not say."""
        done = self._call(["kind", "version"], check=False)
        return kind_versions.kind_release(done.stdout)

    def node_minor(self, image: str | None) -> int | None:
        """The Kubernetes minor the new cluster's nodes will run: from the config's image tag or
        kind's release; else read from the node image itself (its /kind/version) when Docker
        has it, or has exactly one kindest/node image (offline, kind can use no other)."""
        minor = kind_versions.expected_node_minor(self.kind_release(), image)
        if minor is not None:
            return minor
        if image:
            candidates = [image]
        else:
            listed = ["docker", "images", "kindest/node", "--format", "{{.Repository}}:{{.Tag}}"]
            done = self._call(listed, check=False)
            candidates = [n for n in done.stdout.split() if not n.endswith(":<none>")]
        if len(candidates) != 1:
            return None
        read = ["docker", "run", "--rm", "--network", "none", "--entrypoint", "cat",
                candidates[0], "/kind/version"]  # fmt: skip
        done = self._call(read, check=False)
        version = kind_versions.parse_version(done.stdout) if done.returncode == 0 else None
        return version[1] if version and len(version) > 1 else None

    def exists(self) -> bool:
        return self.name in self.clusters()

    def nodes(self) -> list[str]:
        """The node containers of this cluster (kind names nodes after their containers)."""
        done = self._call(["kind", "get", "nodes", "--name", self.name])
        return [
            line.strip()
            for line in done.stdout.splitlines()
            if line.strip() and not line.startswith("No kind nodes")
        ]

    def create_argv(self, config: Path) -> list[str]:
        return [
            "kind",
            "create",
            "cluster",
            "--name",
            self.name,
            "--config",
            str(config),
            "--wait",
            "120s",
            # On failure kind would delete the node, and with it the kubelet's journal, which
            # says why: the lab keeps it, reads the journal, then deletes the cluster itself.
            "--retain",
        ]

    def create(self, config: Path, on_line: Callable[[str], None] | None = None) -> Completed:
        """Create the cluster, kind's progress going to `on_line` as it comes. On failure, say
        kind's ERROR line and the tail of the kubelet's journal, and delete the half-made
        cluster (never one that was there before: see `create_failed`)."""
        argv = self.create_argv(config)
        try:
            return self.run.stream(argv, timeout=self.create_timeout, on_line=on_line)
        except CommandError as exc:
            if exc.missing or "not installed" in str(exc.args[0]):
                raise TargetError(
                    f"{exc.args[0]}: the lab runs `{shlex.join(argv)}`",
                    hint=INSTALL_KIND,
                    command=argv,
                ) from None
            raise self.create_failed(argv, exc.stdout + exc.stderr, str(exc.args[0])) from None

    def create_failed(self, argv: list[str], output: str, said: str) -> TargetError:
        """The error for a failed `kind create cluster --retain`, after a look in its node."""
        lines = [line.rstrip() for line in output.splitlines() if line.strip()]
        errors = [line for line in lines if line.startswith("ERROR:")]
        cause = errors[0] if errors else (lines[-1] if lines else said)
        parts = [f"`{shlex.join(argv)}` failed ({said}):", f"  {cause}"]
        hint: str | None = None
        if "already exist for a cluster with the name" in output:
            # Someone else's cluster (or one made meanwhile): never delete it.
            return TargetError(
                "\n".join(parts),
                hint="seclab cluster up reuses it; `kind get clusters` lists it",
                command=argv,
                stderr=output,
            )
        journal = ""
        try:
            nodes = self.nodes()
        except TargetError:
            nodes = []
        node = self.control_plane if self.control_plane in nodes else next(iter(nodes), None)
        if node:
            look = ["docker", "exec", node, "journalctl", "-u", "kubelet", "--no-pager", "-n", "30"]
            done = self._call(look, check=False)
            journal = done.stdout.strip()
            if journal:
                parts.append(f"  the kubelet's journal on {node} ({shlex.join(look)}):")
                parts += [f"    {line}" for line in journal.splitlines()]
        # The cluster did not exist before this create (the lab reuses one that does): what is
        # there now is half-made by it, and goes, node or not (kind also drops its context).
        try:
            self.delete()
            parts.append(
                f"  the half-made cluster is deleted (kind delete cluster --name {self.name})"
            )
        except TargetError as exc:
            parts.append(f"  could not delete the half-made cluster: {exc.message}")
            hint = f"kind delete cluster --name {self.name}"
        if "Mounts denied" in output or "is not shared from the host" in output:
            hint = "share the folder: Docker Desktop > Settings > Resources > File sharing"
        elif "Cannot connect to the Docker daemon" in output:
            hint = "start Docker (Linux: sudo systemctl start docker)"
        elif "--node-labels" in journal:
            hint = (
                "a node label in kind.yaml is one the kubelet refuses (under kubernetes.io or "
                "k8s.io): give it a prefix of your own, e.g. seclab/managed-by: seclab"
            )
        elif "failed to pull image" in cause:
            hint = (
                "kind could not get its node image: with network, `docker pull` it; offline, "
                "`docker load` it from a saved tar, or name a local one with `image:` in kind.yaml"
            )
        elif "cgroup" in journal and "v1" in journal:
            hint = "this node image refuses cgroup v1 hosts: see `seclab doctor --target kind`"
        return TargetError(
            "\n".join(parts),
            hint=hint or "the lines above are kind's and the kubelet's own words on why",
            command=argv,
            stderr=output,
        )

    def delete(self) -> Completed:
        return self._call(["kind", "delete", "cluster", "--name", self.name], timeout=300)

    def load_argvs(
        self, image: str, archive: str = "IMAGE.tar", *, probe: bool = True
    ) -> list[list[str]]:
        """`docker save` + `kind load image-archive`: unlike `kind load docker-image`, this works
        for multi-arch images under Docker's containerd image store (Docker 29's default),
        where `--platform` keeps the save to the node's platform. `probe=False` runs nothing
        (a dry run): --platform is then left out."""
        with_platform = self._save_has_platform() if probe else bool(self._save_platform)
        platform = ["--platform", node_platform()] if with_platform else []
        return [
            ["docker", "save", *platform, "-o", archive, image],
            ["kind", "load", "image-archive", archive, "--name", self.name],
        ]

    def _save_has_platform(self) -> bool:
        """Whether this Docker's `docker save` takes --platform (Docker 28 and later)."""
        if self._save_platform is None:
            done = self._call(["docker", "save", "--help"], check=False)
            self._save_platform = "--platform" in done.stdout
        return self._save_platform

    def image_present(self, image: str) -> bool:
        """Whether the local Docker engine has the image (so it can be loaded without network)."""
        argv = ["docker", "image", "inspect", image, "--format", "{{.Id}}"]
        return self._call(argv, check=False).returncode == 0

    def load_image(self, image: str) -> None:
        """Put a Docker image into every node (through a temporary archive)."""
        with tempfile.TemporaryDirectory(prefix="seclab-image-") as folder:
            archive = str(Path(folder) / "image.tar")
            for argv in self.load_argvs(image, archive):
                self._call(argv, timeout=600)

    def pull(self, image: str, timeout: float = 60) -> bool:
        """`docker pull`; False (never an error) when it fails: offline is a normal case."""
        if image in _PULL_FAILED:
            return False
        try:
            done = self._call(["docker", "pull", image], timeout=timeout, check=False)
        except TargetError:
            done = None
        if done is None or done.returncode != 0:
            _PULL_FAILED.add(image)
            return False
        return True

    def build_stand_in(self, workload: str) -> str:
        """Build the lab's offline stand-in for `workload` from the host's static busybox."""
        image = OFFLINE[workload]
        busybox = offline.find_busybox()
        if busybox is None:
            raise TargetError(
                f"no busybox on this machine to build the offline image {image} from",
                hint="apt-get install busybox-static (or load the upstream image into the node)",
            )
        with_echo = workload == "http-echo"
        changes = [f"--change={c}" for c in offline.image_changes(image, with_echo=with_echo)]
        with tempfile.TemporaryDirectory(prefix="seclab-rootfs-") as folder:
            tar = Path(folder) / "rootfs.tar"
            tar.write_bytes(offline.busybox_rootfs(busybox, with_echo=with_echo))
            self._call(["docker", "import", *changes, str(tar), image], timeout=300)
        return image

    def docker_desktop(self) -> bool:
        """Whether the engine is Docker Desktop (its VM only sees shared host folders)."""
        done = self._call(["docker", "info", "--format", "{{.OperatingSystem}}"], check=False)
        return done.returncode == 0 and "Docker Desktop" in done.stdout

    def node_profiles(self, node: str) -> list[str] | None:
        """The files in the node's profiles directory; None when the directory is not there."""
        done = self._call(["docker", "exec", node, "ls", MOUNT_PATH], check=False)
        if done.returncode != 0:
            return None
        return sorted(done.stdout.split())

    def _stale_in(self, node: str, local: dict[str, str]) -> list[str]:
        """The profiles missing from the node or differing from `local` (name -> sha256)."""
        argv = ["docker", "exec", node, "sha256sum", *(f"{MOUNT_PATH}/{n}" for n in local)]
        done = self._call(argv, check=False)
        remote = {}
        for line in done.stdout.splitlines():
            digest, _, path = line.partition("  ")
            remote[Path(path).name] = digest
        return [name for name, digest in local.items() if remote.get(name) != digest]

    def _nodes_for(self, local: dict[str, str]) -> list[str]:
        nodes = self.nodes() if local else []
        if local and not nodes:
            raise TargetError(
                f'kind has no nodes for cluster "{self.name}"', hint="seclab cluster up"
            )
        return nodes

    def stale_profiles(self, profiles: Path) -> dict[str, list[str]]:
        """Per node, the profiles that are missing or differ there; changes nothing."""
        local = _digests(profiles)
        return {node: self._stale_in(node, local) for node in self._nodes_for(local)}

    def node_has_image(self, node: str, image: str) -> bool:
        """Whether the node's containerd holds the image (what `kind load` itself asks)."""
        argv = ["docker", "exec", node, "crictl", "inspecti", image]
        return self._call(argv, check=False).returncode == 0

    def sync_profiles(self, profiles: Path) -> list[str]:
        """Copy the profiles that differ (or are missing) into every node; say what was copied."""
        local = _digests(profiles)
        copied: list[str] = []
        for node in self._nodes_for(local):
            stale = self._stale_in(node, local)
            if not stale:
                continue  # the mount is live: edits are already visible in the node
            self._call(["docker", "exec", node, "mkdir", "-p", MOUNT_PATH])
            for name in stale:
                self._call(["docker", "cp", str(profiles / name), f"{node}:{MOUNT_PATH}/{name}"])
                copied.append(f"{node}:{name}")
        return copied

    def extra_profiles(self, node: str) -> list[str]:
        """The profiles the lab copied into the node's seclab-extra/ (make-your-own's)."""
        done = self._call(["docker", "exec", node, "ls", "-1", EXTRA_DIR], check=False)
        if done.returncode != 0:
            return []  # no such folder: nothing copied there
        return sorted(name for name in done.stdout.split() if "/" not in name)

    def remove_extra_profiles(self, *, dry_run: bool = False) -> list[str]:
        """Remove the lab's seclab-extra/ profiles from every node, and nothing else there."""
        gone = []
        for node in self.nodes():
            names = self.extra_profiles(node)
            if not names:
                continue
            gone += [f"{node}:{EXTRA_SUBDIR}/{name}" for name in names]
            if not dry_run:
                paths = [f"{EXTRA_DIR}/{name}" for name in names]
                self._call(["docker", "exec", node, "rm", "-f", "--", *paths])
                self._call(["docker", "exec", node, "rmdir", EXTRA_DIR], check=False)
        return gone

    def copy_profile(self, path: Path, folder: str) -> None:
        """Copy one profile into `folder` on every node."""
        for node in self.nodes():
            self._call(["docker", "exec", node, "mkdir", "-p", folder])
            self._call(["docker", "cp", str(path), f"{node}:{folder}/{path.name}"])


def node_platform() -> str:
    """The platform of this machine's nodes, as `docker save --platform` names it."""
    machine = platform.machine().lower()
    return "linux/" + {"x86_64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(
        machine, machine
    )


def _digests(profiles: Path) -> dict[str, str]:
    """name -> sha256 of every profile in the lab's folder."""
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(profiles.glob("*.json"))
    }
