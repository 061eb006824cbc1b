"""The audit pane's real stream names the Docker container a record came from."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from lab.audit.records import AuditEvent
from lab.targets.docker.target import DockerTarget
from lab.tui.audit_feed import format_event
from lab.tui.audit_source import EnrichedStream, open_audit_stream

LOG_EVERYTHING = json.dumps({"defaultAction": "SCMP_ACT_LOG"})


@pytest.mark.root
@pytest.mark.docker
def test_records_from_a_container_carry_its_name_in_the_pane(tmp_path: Path) -> None:
    target = DockerTarget(tmp_path, prefer_offline=True)  # the offline busybox, built if needed
    image = target.images().image_for("busybox")
    client = target.docker()
    name = f"seclab-test-source-{uuid.uuid4().hex[:8]}"
    asked: list[str] = []  # a plain container is not under a kubelet: no pod is asked about

    def pods(cid: str) -> tuple[str, str] | None:
        asked.append(cid)
        return None

    stream = open_audit_stream("netlink", pods=pods)
    assert isinstance(stream, EnrichedStream)
    try:
        container = client.containers.run(
            image, ["/bin/sleep", "30"], detach=True, name=name,
            labels={"seclab": "1"}, security_opt=[f"seccomp={LOG_EVERYTHING}"],
        )  # fmt: skip
        try:
            container.reload()
            pid = container.attrs["State"]["Pid"]
            assert stream.sync()
            assert stream.enricher.idle()  # the container's name was looked up meanwhile
            mine: list[AuditEvent] = []
            while batch := stream.get_batch(0):
                mine += [e for e in batch if e.pid == pid]
            assert mine, "the container's syscalls under SCMP_ACT_LOG left no records"
            # The first records may precede the lookup; from now on they carry the name.
            late = stream.enricher.enrich(mine[-1])
        finally:
            container.remove(force=True)
    finally:
        stream.close()
    assert {e.container_id for e in mine} == {container.id}
    assert late.container_name == name
    # The pane names a lab container by the workload the lesson speaks of (no prefix, no session).
    assert format_event(late).endswith(" in test-source")
    assert container.id not in asked  # other tests' pod containers may share the stream
    assert not stream.enricher._thread.is_alive()  # closing the stream stopped the lookups
