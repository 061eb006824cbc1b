"""The kernel's audit backlog for one session: its `lost` counter, and a temporary larger limit.

The limit is host-wide, so raising it is shared among every seclab process that watches:
- the first raises it and writes the value it found to `backlog.json` in a root-only folder
  under /run (a tmpfs: the kernel forgets the limit at boot, and so does the file);
- each holder keeps a lock on its own file in `backlog.d/`; the last one out puts the old
  value back, so two watches do not undo each other;
- a holder killed with SIGKILL leaves its file unlocked: the next start sees that nobody holds
  the raise any more and repairs the limit the lab left.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator
from pathlib import Path

from lab.audit.netlink import audit_status, set_backlog_limit

_STATE = "backlog.json"
_HOLDERS = "backlog.d"


def run_dir() -> Path:
    """Where the shared raise is recorded (SECLAB_RUN_DIR overrides, for tests)."""
    return Path(os.environ.get("SECLAB_RUN_DIR") or "/run/seclab")


def _open_nofollow(path: Path, flags: int) -> int:
    return os.open(path, flags | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    fd = _open_nofollow(folder / "backlog.lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _prepare(folder: Path) -> None:
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    (folder / _HOLDERS).mkdir(mode=0o700, exist_ok=True)
    for path in (folder, folder / _HOLDERS):
        info = os.lstat(path)
        if not os.path.isdir(path) or os.path.islink(path) or info.st_uid != os.geteuid():
            raise OSError(f"{path} is not a folder owned by this user")


def _live_holders(folder: Path, own: Path | None) -> int:
    """Holders still running; the files of dead ones (unlocked) are removed."""
    live = 0
    for path in (folder / _HOLDERS).iterdir():
        if path == own:
            continue
        try:
            fd = _open_nofollow(path, os.O_RDWR)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            live += 1  # its holder keeps the lock while it runs
        else:
            path.unlink(missing_ok=True)
        finally:
            os.close(fd)
    return live


def _read_state(folder: Path) -> dict[str, int] | None:
    try:
        fd = _open_nofollow(folder / _STATE, os.O_RDONLY)
    except FileNotFoundError:
        return None
    with os.fdopen(fd) as f:
        try:
            data = json.load(f)
            return {"original": int(data["original"]), "set_to": int(data["set_to"])}
        except (ValueError, KeyError, TypeError):
            return None  # not ours to trust: leave the limit alone


def _write_state(folder: Path, original: int, set_to: int) -> None:
    tmp = folder / f"{_STATE}.{os.getpid()}"
    tmp.unlink(missing_ok=True)
    fd = _open_nofollow(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
    with os.fdopen(fd, "w") as f:
        json.dump({"original": original, "set_to": set_to}, f)
    os.replace(tmp, folder / _STATE)


def _restore(folder: Path) -> None:
    """Put the recorded limit back (unless someone else changed it since) and forget it."""
    state = _read_state(folder)
    if state is not None and audit_status().backlog_limit == state["set_to"]:
        set_backlog_limit(state["original"])
    (folder / _STATE).unlink(missing_ok=True)


class BacklogGuard:
    """Remembers the kernel's counters at the start; raises the backlog limit and restores it."""

    def __init__(self, wanted: int | None) -> None:
        self.wanted = wanted
        self.lost_at_start: int | None = None
        self.limit: int | None = None  # the limit in force during the session
        self.original: int | None = None  # set when the lab's raise is in force
        self.restored = False
        self._holder: Path | None = None
        self._holder_fd: int | None = None

    def enter(self) -> None:
        """Read the baseline; repair a limit a killed session left; raise it when asked."""
        try:
            status = audit_status()
        except OSError:
            return  # not root: no kernel counters, and the limit stays as it is
        self.lost_at_start = status.lost
        self.limit = status.backlog_limit
        folder = run_dir()
        try:
            _prepare(folder)
            with _locked(folder):
                if not _live_holders(folder, None):
                    _restore(folder)  # left by a session that was killed: put it back
                    status = audit_status()
                    self.limit = status.backlog_limit
                if not self.wanted:
                    return
                state = _read_state(folder)
                if state is None and 0 < status.backlog_limit < self.wanted:
                    set_backlog_limit(self.wanted)
                    _write_state(folder, status.backlog_limit, self.wanted)
                    state = {"original": status.backlog_limit, "set_to": self.wanted}
                if state is not None:
                    self.original, self.limit = state["original"], state["set_to"]
                self._hold(folder)
        except OSError:
            return  # the limit stays as it is; `seclab doctor` shows it

    def _hold(self, folder: Path) -> None:
        path = folder / _HOLDERS / f"{os.getpid()}-{id(self)}"
        fd = _open_nofollow(path, os.O_RDWR | os.O_CREAT)
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        self._holder, self._holder_fd = path, fd

    def exit(self) -> None:
        """Let go; the last holder puts the old limit back (unless someone else changed it)."""
        if self._holder is None or self.restored:
            return
        self.restored = True
        folder = run_dir()
        try:
            with _locked(folder):
                self._holder.unlink(missing_ok=True)
                if self._holder_fd is not None:
                    os.close(self._holder_fd)
                    self._holder_fd = None
                if not _live_holders(folder, None):
                    _restore(folder)
        except OSError:
            pass  # nothing more we can do; the next start repairs it

    def lost_since_start(self) -> int | None:
        """Records the kernel dropped since we started (kernel-wide), or None when unknown."""
        if self.lost_at_start is None:
            return None
        try:
            return audit_status().lost - self.lost_at_start
        except OSError:
            return None
