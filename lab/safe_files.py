"""Files in seclab's state folder, written so that a planted link cannot redirect them.

seclab often runs as root (the audit pane, local workloads). If its state folder, or a file in
it, could be a link chosen by another user, root would write where that user pointed: a
`local-workloads.json` linked to a root 0600 file was overwritten that way. So the folder must be
a real directory owned by this user and writable by no one else; files are opened with
O_NOFOLLOW, and replaced by writing a fresh file (O_EXCL) beside them and renaming it over them.

Under `sudo`, the learner's own folders (progress, workspaces) belong to the user who ran sudo:
each function then takes `learner=(uid, gid)`, accepts that user as an owner besides this one,
and gives what it creates to them. Links are still never followed, so root writes only where it
means to, whoever owns the folder.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from pathlib import Path


class UnsafePathError(OSError):
    """A state path that another user could redirect; the message says what to do."""


Learner = tuple[int, int]  # (uid, gid) of the user who ran sudo


def _owners(learner: Learner | None) -> set[int]:
    return {os.geteuid()} | ({learner[0]} if learner else set())


def private_dir(path: Path, learner: Learner | None = None) -> Path:
    """`path` as a folder only its owner can write: created 0700, else checked (and tightened).

    Refused: a symbolic link, something that is not a folder, a folder of another user (the
    learner's own is accepted under sudo, and a folder created for them is theirs).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        path.mkdir(mode=0o700)
    except FileExistsError:
        pass
    else:
        if learner is not None:
            os.chown(path, *learner, follow_symlinks=False)
    info = os.lstat(path)
    if stat.S_ISLNK(info.st_mode):
        raise UnsafePathError(
            f"{path} is a symbolic link: seclab keeps its state only in a real folder. "
            "Remove the link (seclab recreates the folder)"
        )
    if not stat.S_ISDIR(info.st_mode):
        raise UnsafePathError(f"{path} is not a folder: move it away")
    if info.st_uid not in _owners(learner):
        raise UnsafePathError(
            f"{path} belongs to uid {info.st_uid}, not to this user (uid {os.geteuid()}), who "
            "could be made to write where its owner points: set XDG_STATE_HOME to a folder of "
            "your own"
        )
    if info.st_mode & 0o022:
        os.chmod(path, stat.S_IMODE(info.st_mode) & ~0o022)
    return path


def open_private(path: Path, flags: int, mode: int = 0o600, learner: Learner | None = None) -> int:
    """os.open without following a link at `path`; the file must be a regular file of ours.

    A link is refused with ELOOP by the kernel; a hard link (more than one name) or a file of
    another user is refused here.
    """
    try:
        fd = os.open(path, flags | os.O_NOFOLLOW | os.O_CLOEXEC, mode)
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # the name is a symbolic link
            raise UnsafePathError(
                exc.errno, f"{path} is a symbolic link; seclab follows no links here: remove it"
            ) from None
        raise
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_nlink != 1 or info.st_uid not in _owners(learner):
        os.close(fd)
        raise UnsafePathError(
            f"{path} is not a plain file of this user (a link, or another user's): remove it"
        )
    return fd


def read_private(path: Path, learner: Learner | None = None) -> str:
    """The text of a state file, never read through a link."""
    fd = open_private(path, os.O_RDONLY, learner=learner)
    with os.fdopen(fd, encoding="utf-8") as handle:
        return handle.read()


def write_atomic(path: Path, text: str, mode: int = 0o600, learner: Learner | None = None) -> None:
    """Replace `path` with `text`: a new file beside it, then a rename over it.

    The new file is created with O_EXCL (mkstemp), so no planted name is followed; the rename
    replaces whatever `path` was, a link included, without writing through it. A crash leaves the
    old file, never half of one.
    """
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            if learner is not None:
                os.fchown(handle.fileno(), *learner)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
