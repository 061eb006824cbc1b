"""AuditCapture against the real kernel: every record of a workload, and a deterministic flush."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from workload import run_workload

from lab.audit.capture import AuditCapture
from lab.audit.marker import MARKER_SYSCALL, emit_marker, is_marker

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.root
def test_capture_keeps_every_record_of_a_workload_after_sync() -> None:
    with AuditCapture() as cap:
        pid, status = run_workload("LOG:getppid", calls=["getppid:3000"])
        cap.sync()
        mine = cap.events([pid])
    assert status == 0
    assert len(mine) == 3000
    assert {(e.syscall_name, e.action) for e in mine} == {("getppid", "log")}
    assert [e.serial for e in mine] == sorted(e.serial for e in mine)


@pytest.mark.root
def test_sync_hides_markers_and_the_marker_filter_dies_with_its_thread() -> None:
    with AuditCapture() as cap:
        cap.sync()
        cap.sync()
        # The marker filter bound only its own thread: this call must leave no record.
        os.getsid(0)
        cap.sync()
        ours = cap.events([os.getpid()])
    assert ours == []


@pytest.mark.root
def test_markers_are_recognised_and_unique() -> None:
    with AuditCapture() as cap:
        first, second = emit_marker(), emit_marker()
        cap.sync()
    assert first != second and len(first) <= 15  # the kernel keeps 15 bytes of a thread name
    assert MARKER_SYSCALL == "getsid"


def test_marker_records_are_classified_as_markers() -> None:
    from lab.audit.records import AuditEvent

    event = AuditEvent(1, 0.0, 1, 0xC000003E, 124, 0x7FFC0000, comm="sl-sync-0000001")
    assert is_marker(event)
    assert not is_marker(AuditEvent(1, 0.0, 1, 0xC000003E, 124, 0x7FFC0000, comm="python3"))


@pytest.mark.root
def test_without_privileges_the_error_says_run_with_sudo() -> None:
    code = (
        "from lab.audit.capture import AuditCapture\n"
        "from lab.audit.source import SourceUnavailable\n"
        "try:\n    AuditCapture().__enter__()\n"
        "except SourceUnavailable as exc:\n    print(exc)\n"
    )
    proc = subprocess.run(
        # Still root, but without CAP_AUDIT_READ: exactly the case the message must explain.
        ["setpriv", "--bounding-set=-audit_read", "--inh-caps=-all", sys.executable, "-c", code],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60, cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    assert "run with sudo" in proc.stdout, proc.stdout + proc.stderr


@pytest.mark.root
def test_a_bounded_capture_keeps_the_newest_and_counts_the_rest() -> None:
    with AuditCapture(max_events=100) as cap:
        pid, _ = run_workload("LOG:getppid", calls=["getppid:500"])
        cap.sync()
        mine = cap.events([pid])
        loss = cap.loss()
        cap.clear()
        after = cap.events()
    assert len(mine) <= 100 and loss.buffer_dropped >= 400
    assert after == []
