"""The kind target: the tutorial's pods on a real kind cluster, through kind, kubectl and docker.

Nothing here talks to Kubernetes directly: every step is a real command the learner could type,
shown to them through `on_command` before it runs.
"""

from __future__ import annotations

import shlex
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from lab.targets.base import (
    CommandEvent,
    CommandListener,
    ExecResult,
    HttpResponse,
    Phase,
    ProfileRef,
    Target,
    TargetError,
    WorkloadSpec,
    WorkloadState,
)
from lab.targets.commands import Runner, SubprocessRunner
from lab.targets.docker.offline import ECHO_PROFILE as STAND_IN_PROFILE
from lab.targets.kind.cluster import OFFLINE, KindCluster
from lab.targets.kind.kubectl import Kubectl, ReportedRunner
from lab.targets.kind.manifests import (
    BUSYBOX_IMAGE,
    CONTAINER,
    ECHO_PORT,
    EXTRA_SUBDIR,
    HTTP_ECHO_IMAGE,
    MANAGED,
    SECCOMP_ROOT,
    check_name,
    pod_manifest,
    selector,
)
from lab.targets.kind.pods import PodResolver
from lab.targets.kind.recording import maybe_recording
from lab.targets.kind.status import pod_state
from lab.targets.kind.versions import (
    ClusterVersions,
    host_cgroup_version,
    parse_node,
    parse_runc,
)

UPSTREAM = {"http-echo": HTTP_ECHO_IMAGE, "busybox": BUSYBOX_IMAGE}
_TERMINAL = {Phase.EXITED, Phase.FAILED_TO_CREATE, Phase.CRASH_LOOPING, Phase.NOT_FOUND}


class KindTarget(Target):
    """Workloads as pods on the lab's kind cluster (`seclab cluster up` makes it)."""

    def __init__(
        self,
        profiles_dir: Path,
        on_command: CommandListener | None = None,
        cluster_name: str = "seclab",
        runner: Runner | None = None,
    ) -> None:
        super().__init__(profiles_dir, on_command, name="kind")
        self.cluster_name = cluster_name
        # SECLAB_KIND_RECORD=FILE records every command into a transcript (kind_recording).
        self.runner: Runner = runner or maybe_recording(
            SubprocessRunner(), {str(Path(profiles_dir).resolve()): "{profiles}"}
        )
        self.reported = ReportedRunner(self.runner, self.emit)
        self.kubectl = Kubectl(self.reported, cluster_name)
        self.cluster = KindCluster(self.reported, cluster_name)
        self.poll_interval = 1.0  # seconds between state reads while waiting for a pod
        self.pods = PodResolver(self.kubectl)
        # workload -> the image its pods use (choose_images, at prepare); upstream until then.
        self.images: dict[str, str] = {}
        self.versions = ClusterVersions(cgroup=host_cgroup_version())  # read at prepare

    # -- the cluster -----------------------------------------------------------------------
    def prepare(self) -> None:
        self.check_nodes()
        self.choose_images()
        versions = self.read_versions()
        facts = "; ".join(versions.facts())
        self.note(f"this cluster: {versions.summary()}" + (f". {facts}" if facts else ""))

    def read_versions(self) -> ClusterVersions:
        """Kubernetes and containerd (from the node object), runc (asked in the node), and the
        host's cgroup version: what the lessons' kind variants depend on."""
        done = self.reported(
            ["docker", "exec", self.cluster.control_plane, "runc", "--version"],
            timeout=30,
            check=False,
        )
        runc = parse_runc(done.stdout) if done.returncode == 0 else None
        self.versions = replace(self.versions, runc=runc)
        return self.versions

    def note(self, text: str) -> None:
        """Show the learner a remark next to the commands (no command is run)."""
        self.emit(CommandEvent((), exit_code=0, display=f"# {text}"))

    def check_nodes(self) -> None:
        """The cluster exists and its nodes are Ready, or a TargetError says what to do."""
        if not self.cluster.exists():
            raise TargetError(
                f"there is no kind cluster named {self.cluster_name!r}", hint="seclab cluster up"
            )
        nodes = self.kubectl.get_json("nodes") or {}
        not_ready = [
            item["metadata"]["name"]
            for item in nodes.get("items", [])
            if not any(
                c.get("type") == "Ready" and c.get("status") == "True"
                for c in item.get("status", {}).get("conditions", [])
            )
        ]
        items = nodes.get("items") or []
        if items:
            self.versions = parse_node(items[0], host_cgroup_version())
        if not items or not_ready:
            raise TargetError(
                f"the cluster's nodes are not Ready yet: {', '.join(not_ready) or 'none found'}",
                hint="wait a minute and look again with `seclab cluster status`",
            )

    def choose_images(self) -> dict[str, str]:
        """Which image each workload's pods use, made available in the nodes: the upstream
        image when the nodes have it or Docker has (or can pull) it, else the lab's offline
        stand-in, built from busybox-static and loaded into the nodes."""
        nodes = self.cluster.nodes()
        for workload in UPSTREAM:
            self.images[workload] = self._image_for(workload, nodes)
        return dict(self.images)

    def _image_for(self, workload: str, nodes: list[str]) -> str:
        cluster = self.cluster
        upstream, stand_in = UPSTREAM[workload], OFFLINE[workload]
        if nodes and all(cluster.node_has_image(n, upstream) for n in nodes):
            return upstream
        if cluster.image_present(upstream):
            cluster.load_image(upstream)
            return upstream
        if nodes and all(cluster.node_has_image(n, stand_in) for n in nodes):
            self.note(f"the nodes have no {upstream}: using the lab's offline {stand_in}")
            return stand_in
        if cluster.pull(upstream):
            cluster.load_image(upstream)
            return upstream
        try:
            if not cluster.image_present(stand_in):
                cluster.build_stand_in(workload)
            cluster.load_image(stand_in)
        except TargetError as exc:
            self.note(f"no {upstream} and no offline stand-in ({exc.message}): the pods ask "
                      f"the node for {upstream}, which needs network")  # fmt: skip
            return upstream
        self.note(f"offline: {upstream} cannot be had here, so the pods run the lab's "
                  f"stand-in {stand_in} (busybox-static), loaded into the nodes")  # fmt: skip
        return stand_in

    def uses_offline(self, workload: str) -> bool:
        """True when the workload's pods run the lab's offline stand-in (see choose_images)."""
        return workload in OFFLINE and self.images.get(workload) == OFFLINE[workload]

    def _for_stand_in(self, spec: WorkloadSpec) -> WorkloadSpec:
        """The offline echo is busybox, not Go: fine-grained.json lists the Go server's
        syscalls, so the stand-in runs under its own allow-list (as on the docker target)."""
        if spec.workload != "http-echo" or self.images.get("http-echo") != OFFLINE["http-echo"]:
            return spec
        if spec.profile.kind != "localhost" or spec.profile.file != "fine-grained.json":
            return spec
        self.note(
            f"offline http-echo stand-in: fine-grained.json lists the Go server's syscalls; "
            f"using {STAND_IN_PROFILE}, recorded for the stand-in"
        )
        return replace(spec, profile=ProfileRef.localhost(STAND_IN_PROFILE))

    def sync_profiles(self) -> list[str]:
        """Copy profiles that differ (or are missing) into every node; return what was copied."""
        return self.cluster.sync_profiles(self.profiles_dir)

    # -- workloads -------------------------------------------------------------------------
    def run(self, spec: WorkloadSpec) -> WorkloadState:
        spec = self._for_stand_in(spec)
        manifest = pod_manifest(spec, self.images.get(spec.workload))
        extra = spec.profile.file if spec.profile.kind == "localhost" else None
        if extra and Path(extra).is_absolute() and Path(extra).is_file():
            # Outside the mount: a missing file is left for the kubelet to report.
            self.cluster.copy_profile(Path(extra), f"{SECCOMP_ROOT}/{EXTRA_SUBDIR}")
        # Pod specs are immutable: replacing a workload means deleting the lab's old pod.
        self.delete(spec.name)
        self.kubectl.apply(
            manifest,
            display=f"kubectl --context {self.kubectl.context} "
            f"apply -f -   # pod/{spec.name}, {spec.profile.describe()}",
        )
        return self.state(spec.name)

    def run_to_completion(self, spec: WorkloadSpec, timeout: float = 60) -> ExecResult:
        state = self.run(spec)
        deadline = time.monotonic() + timeout
        while state.phase not in _TERMINAL:
            if state.stuck:  # waiting cannot help: say why now, not after the timeout
                raise TargetError(f"pod {spec.name} cannot start: {state.stuck}")
            if time.monotonic() > deadline:
                raise TargetError(
                    f"pod {spec.name} did not finish within {timeout:g} s "
                    f"(still {state.phase.value}: {state.reason or ''})"
                )
            time.sleep(self.poll_interval)
            state = self.state(spec.name)
        output = self.logs(spec.name) if state.phase is not Phase.FAILED_TO_CREATE else ""
        return ExecResult(
            state.exit_code, stdout=output, stderr=state.message or "", signal=state.signal
        )

    def _node_port(self, name: str) -> int:
        service = self.kubectl.get_json("service", name, missing_ok=True)
        if service is None:
            self.kubectl(
                "expose",
                "pod",
                name,
                "--type",
                "NodePort",
                "--port",
                str(ECHO_PORT),
                "--selector",
                f"app={name}",
                "--labels",
                selector(name),
            )
            service = self.kubectl.get_json("service", name) or {}
        for port in service.get("spec", {}).get("ports", []):
            if port.get("nodePort"):
                return int(port["nodePort"])
        raise TargetError(f"service {name} has no node port", hint="seclab reset, then rerun")

    def request(self, name: str, path: str = "/", timeout: float = 10) -> HttpResponse:
        check_name(name)
        port = self._node_port(name)
        url = f"http://localhost:{port}/{path.lstrip('/')}"
        argv = [
            "docker",
            "exec",
            self.cluster.control_plane,
            "curl",
            "-sS",
            "--max-time",
            f"{timeout:g}",
            "-w",
            "\\n%{http_code}",
            url,
        ]
        done = self.reported(argv, timeout=timeout + 15, check=False)
        body, _, code = done.stdout.rpartition("\n")
        shown = (shlex.join(done.argv),)
        if done.returncode != 0 or not code.isdigit() or code == "000":
            return HttpResponse(
                None, body, error=done.stderr.strip() or f"exit {done.returncode}", commands=shown
            )
        return HttpResponse(int(code), body, commands=shown)

    def exec(self, name: str, argv: Sequence[str], timeout: float = 30) -> ExecResult:
        check_name(name)
        done = self.kubectl(
            "exec", name, "-c", CONTAINER, "--", *argv, timeout=timeout, check=False
        )
        code = done.returncode
        # kubectl passes on the remote exit status; a shell reports death by signal N as 128+N.
        signal = code - 128 if 128 < code <= 192 and "exit code" in done.stderr else None
        return ExecResult(
            code, done.stdout, done.stderr, signal=signal, commands=(shlex.join(done.argv),)
        )

    def state(self, name: str) -> WorkloadState:
        check_name(name)
        pod = self.kubectl.get_json("pod", name, missing_ok=True)
        if pod is None:
            return WorkloadState(Phase.NOT_FOUND)
        return pod_state(pod)

    def logs(self, name: str) -> str:
        check_name(name)
        done = self.kubectl("logs", name, "-c", CONTAINER, check=False)
        return done.stdout if done.returncode == 0 else ""

    def delete(self, name: str) -> None:
        check_name(name)
        self.kubectl("delete", "pods,services", "-l", selector(name), timeout=120)

    def reset(self) -> list[str]:
        try:
            if not self.cluster.exists():
                return []  # no cluster: nothing of the lab's can be in it
        except TargetError as exc:
            if exc.hint and "install" in exc.hint:
                return []  # kind is not installed here: the lab never made anything with it
            raise
        done = self.kubectl(
            "delete", "pods,services", "--all-namespaces", "-l", MANAGED, timeout=180
        )
        # `pod "audit-pod" deleted` → pod/audit-pod
        gone = []
        for line in done.stdout.splitlines():
            words = line.split()
            if len(words) >= 3 and words[2] == "deleted":
                gone.append(f"{words[0]}/{words[1].strip(chr(34))}")
        # make-your-own's profiles, copied into the nodes outside the mount: only that folder.
        return gone + self.cluster.remove_extra_profiles()

    def cancel(self) -> None:
        cancel = getattr(self.runner, "cancel", None)
        if callable(cancel):
            cancel()

    # -- audit enrichment ------------------------------------------------------------------
    def pod_for_container(self, cid: str) -> tuple[str, str] | None:
        """(pod, namespace) running the container with this id (full or 12+ hex prefix)."""
        return self.pods.pod_for_container(cid)
