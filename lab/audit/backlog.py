"""The kernel's audit backlog for one session: its `lost` counter, and a temporary larger limit.

The limit is host-wide, so raising it is shared among every seclab process that watches:
- the first raises it and writes the value it found to `backlog.json` in a root-only folder
  under /run (a tmpfs: the kernel forgets the limit at boot, and so does the file);
- each holder keeps a lock on its own file in `backlog.d/`, which says the limit it wants; the
  limit is the largest wanted by a live holder, and the last one out puts the old value back,
  so two watches do not undo each other;
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


def _live_holders(folder: Path) -> list[int]:
    """The limits the holders still running want; the files of dead ones (unlocked) go."""
    wants: list[int] = []
    for path in (folder / _HOLDERS).iterdir():
        try:
            fd = _open_nofollow(path, os.O_RDWR)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:  # its holder keeps the lock while it runs
            text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
            wants.append(int(text) if text.isdigit() else 0)
        else:
            path.unlink(missing_ok=True)
        finally:
            os.close(fd)
    return wants


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


def _apply(folder: Path, wants: list[int]) -> dict[str, int] | None:
    """Set the limit the live holders want together (the largest; never below the original),
    recording the original the first time; the state in force."""
    if not wants:
        _restore(folder)
        return None
    current = audit_status().backlog_limit
    state = _read_state(folder)
    if state is None:
        if not 0 < current < max(wants):
            return None  # already large enough (or unlimited): nothing to change or restore
        state = {"original": current, "set_to": current}
    target = max(*wants, state["original"])
    if current != state["set_to"]:
        return state  # someone else changed it meanwhile: leave it to them
    if target != current:
        set_backlog_limit(target)
    _write_state(folder, state["original"], target)
    return {"original": state["original"], "set_to": target}


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
                wants = _live_holders(folder)
                if not wants:
                    _restore(folder)  # left by a session that was killed: put it back
                    self.limit = audit_status().backlog_limit
                if not self.wanted:
                    return
                self._hold(folder, self.wanted)
                state = _apply(folder, [*wants, self.wanted])
                if state is not None:
                    self.original, self.limit = state["original"], state["set_to"]
        except OSError:
            return  # the limit stays as it is; `seclab doctor` shows it

    def _hold(self, folder: Path, wanted: int) -> None:
        path = folder / _HOLDERS / f"{os.getpid()}-{id(self)}"
        fd = _open_nofollow(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC)
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        os.pwrite(fd, str(wanted).encode(), 0)
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
                _apply(folder, _live_holders(folder))  # the others' wish, or the original
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
