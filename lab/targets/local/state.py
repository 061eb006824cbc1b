"""The local target's record of its processes, so `seclab reset` can end them from anywhere.

Each entry is a pid with its start time (field 22 of /proc/<pid>/stat): a pid the kernel has
since given to another process never matches, so reset cannot kill a stranger.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lab.paths import own_state_dir
from lab.safe_files import UnsafePathError, open_private
from lab.targets.base import TargetError

STATE_FILE = "local-workloads.json"


def state_file() -> Path:
    """Where the local target records its workload processes."""
    # Root's own folder even under sudo: this file says which processes root may stop.
    return own_state_dir() / STATE_FILE


def state_file_reachable() -> bool:
    """False when the state folder cannot exist here (read-only or missing home)."""
    try:
        own_state_dir()
    except OSError:
        return False
    return True


def start_time(pid: int) -> int | None:
    """The process's start time in clock ticks since boot, or None when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # comm (field 2) may hold spaces and parentheses: split after its closing one.
    return int(stat.rsplit(")", 1)[1].split()[19])


@contextlib.contextmanager
def _locked() -> Iterator[dict[str, Any]]:
    path = state_file()
    # Never through a link: as root, a planted local-workloads.json link made root overwrite
    # the file it pointed at.
    fd = open_private(path, os.O_RDWR | os.O_CREAT)
    with os.fdopen(fd, "r+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        try:
            data = json.loads(handle.read() or "{}")
        except ValueError:
            data = {}  # a damaged file only loses the record; the processes are still ours
        yield data
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps(data, indent=1))


def record(pid: int, name: str, argv: list[str]) -> None:
    """Remember a workload process the lab started (best effort: a read-only home is fine)."""
    entry = {"name": name, "start": start_time(pid), "argv": argv, "owner": os.getpid()}
    with contextlib.suppress(OSError), _locked() as data:
        data[str(pid)] = entry


def forget(pid: int) -> None:
    """Drop a process that has ended or been stopped."""
    with contextlib.suppress(OSError), _locked() as data:
        data.pop(str(pid), None)


def recorded() -> dict[int, dict[str, Any]]:
    """The recorded processes that are still alive and still the ones recorded."""
    if not state_file_reachable():
        return {}  # record() could not have written there either: nothing of ours to find
    try:
        with _locked() as data:
            alive = {
                int(pid): entry
                for pid, entry in data.items()
                if entry.get("start") is not None and start_time(int(pid)) == entry["start"]
            }
            for pid in [p for p in data if int(p) not in alive]:
                data.pop(pid)  # ended long ago: nothing to reset
    except UnsafePathError as exc:
        raise TargetError(
            f"the lab's record of its processes is unsafe to read: {exc}",
            hint="remove it; then stop any leftover http_echo by hand (`pgrep -a -f http_echo`)",
        ) from None
    return alive


def kill_recorded(*, dry_run: bool = False) -> list[str]:
    """Stop every recorded live process (SIGKILL: a workload may ignore gentler signals)."""
    done = []
    for pid, entry in sorted(recorded().items()):
        label = f"process {pid} ({entry.get('name')}: {' '.join(entry.get('argv') or [])[:60]})"
        if dry_run:
            done.append(f"would stop {label}")
            continue
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        forget(pid)
        done.append(f"stopped {label}")
    return done
