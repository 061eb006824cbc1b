"""pid → container enrichment: /proc lookups here, and a real Docker container under LOG."""

from __future__ import annotations

import io
import json
import os
import subprocess
import tarfile
import uuid
from collections.abc import Iterator

import pytest

from lab.audit.enrich import ContainerEnricher, container_id_of, docker_names, start_time_of
from lab.audit.records import AuditEvent
from lab.audit.sources import choose_source
from lab.audit.stream import AuditStream

LOG_PROFILE = json.dumps({"defaultAction": "SCMP_ACT_LOG"})


def _event(pid: int) -> AuditEvent:
    return AuditEvent(1, 0.0, pid, 0xC000003E, 110, 0x7FFC0000, comm="x")


def test_a_host_process_has_no_container_and_keeps_its_event() -> None:
    enricher = ContainerEnricher()
    try:
        event = _event(os.getpid())
        assert container_id_of(os.getpid()) is None
        assert enricher.enrich(event) is event
    finally:
        enricher.close()


def test_a_process_that_exited_simply_has_no_container() -> None:
    proc = subprocess.Popen(["true"], stdin=subprocess.DEVNULL)
    proc.wait(timeout=10)
    assert start_time_of(proc.pid) is None
    enricher = ContainerEnricher()
    try:
        assert enricher.enrich(_event(proc.pid)).container_id is None
    finally:
        enricher.close()


def test_start_time_tells_a_live_process_apart() -> None:
    start = start_time_of(os.getpid())
    assert isinstance(start, int) and start > 0
    assert start_time_of(os.getpid()) == start


@pytest.fixture(scope="module")
def busybox_image() -> Iterator[str]:
    """An offline busybox image made from /bin/busybox (busybox-static), removed afterwards."""
    import docker

    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        tar.add("/bin/busybox", arcname="bin/busybox")
        for applet in ("sh", "sleep"):
            link = tarfile.TarInfo(f"bin/{applet}")
            link.type, link.linkname = tarfile.SYMTYPE, "busybox"
            tar.addfile(link)
    tag = f"seclab-test-enrich-{uuid.uuid4().hex[:8]}"
    client = docker.from_env(timeout=60)
    client.api.import_image_from_data(buf.getvalue(), repository=tag, tag="latest",
                                      changes=["LABEL seclab=1"])  # fmt: skip
    try:
        yield f"{tag}:latest"
    finally:
        client.images.remove(f"{tag}:latest", force=True)


@pytest.mark.root
@pytest.mark.docker
def test_container_records_carry_its_id_name_and_pod(busybox_image: str) -> None:
    import docker

    client = docker.from_env(timeout=60)
    name = f"seclab-enrich-{uuid.uuid4().hex[:8]}"
    # The kind target provides the pod resolver; kind cannot run here, so a fake stands in.
    # A plain Docker container is not a pod (no kubepods cgroup): it is never asked about.
    asked: list[str] = []
    enricher = ContainerEnricher(
        names=docker_names(), pods=lambda cid: asked.append(cid) or ("fine-pod", "default")
    )
    with AuditStream(choose_source("netlink"), enricher=enricher) as stream:
        container = client.containers.run(
            busybox_image, ["/bin/sleep", "30"], detach=True, name=name,
            labels={"seclab": "1"}, security_opt=[f"seccomp={LOG_PROFILE}"],
        )  # fmt: skip
        try:
            container.reload()
            pid = container.attrs["State"]["Pid"]
            assert stream.sync()
            events = [e for e in _drain(stream) if e.pid == pid]
            assert enricher.idle()
            later = enricher.enrich(events[-1])
        finally:
            container.remove(force=True)
            enricher.close()
    assert events, "the container's syscalls under SCMP_ACT_LOG left no records"
    assert {e.container_id for e in events} == {container.id}
    names = {e.syscall_name for e in events}
    assert "execve" in names and names & {"nanosleep", "clock_nanosleep"}, names
    assert (later.container_name, later.pod, later.namespace) == (name, None, None)
    # Never asked about this container (records of other tests' pod containers may be in the
    # same stream: tests/targets/kind/test_watch_pods.py names a pod's container).
    assert container.id not in asked


def _drain(stream: AuditStream) -> list[AuditEvent]:
    events: list[AuditEvent] = []
    while batch := stream.get_batch(0):
        events.extend(batch)
    return events
