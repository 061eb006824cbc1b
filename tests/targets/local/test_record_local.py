"""`seclab record` on this kernel stops the whole recorded command: a shell's children too."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
SHELL = "sleep 300 & sleep 300"  # the background sleep is not the process seclab started


def _marked(marker: str) -> list[int]:
    """Live processes whose environment carries the marker (seclab's children inherit it)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
            if state != "Z" and marker.encode() in (entry / "environ").read_bytes():
                found.append(int(entry.name))
        except (OSError, IndexError):
            continue
    return found


def _sleeps(marker: str) -> list[int]:
    sleeps = []
    for pid in _marked(marker):
        try:
            if Path(f"/proc/{pid}/comm").read_text().strip() == "sleep":
                sleeps.append(pid)
        except OSError:
            continue
    return sleeps


@pytest.fixture
def marker() -> Iterator[str]:
    mark = f"SECLAB_RECORD_MARK={uuid.uuid4().hex}"
    yield mark
    for pid in _marked(mark):  # a failed test must not leave them behind either
        os.kill(pid, signal.SIGKILL)


def _record(marker: str, tmp_path: Path, *options: str) -> subprocess.Popen[str]:
    name, value = marker.split("=")
    env = {**os.environ, "PYTHONPATH": str(REPO), name: value}
    return subprocess.Popen(
        [sys.executable, "-m", "lab", "record", "--out", str(tmp_path / "p.json"), *options,
         "--", "sh", "-c", SHELL],
        cwd=REPO, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip


@pytest.mark.root
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_an_interrupted_recording_leaves_no_child_of_the_shell(
    tmp_path: Path, marker: str, sig: signal.Signals
) -> None:
    proc = _record(marker, tmp_path)
    try:
        # Both sleeps run once the shell has started them (a condition, with a generous guard).
        for _ in range(1200):
            if len(_sleeps(marker)) == 2:
                break
            assert proc.poll() is None, proc.communicate()[1]
            time.sleep(0.05)
        else:
            pytest.fail("the shell never started its two sleeps")
        proc.send_signal(sig)  # seclab alone, as a parent process or `kill` would
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 128 + sig, err
    assert _marked(marker) == [], "the shell's background sleep outlived seclab record"


@pytest.mark.root
def test_a_recording_stopped_at_its_timeout_stops_the_shells_children(
    tmp_path: Path, marker: str
) -> None:
    # The background sleep holds the output pipes: stopping only the shell left seclab
    # waiting for their end (300 s) after the timeout.
    proc = _record(marker, tmp_path, "--timeout", "1", "--max-iterations", "1")
    try:
        _, err = proc.communicate(timeout=90)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert "was still running after 1 s and was stopped" in err, err
    assert _marked(marker) == []
