"""Where seclab finds its shipped files (profiles, lessons, kind.yaml) and keeps its state."""

from __future__ import annotations

import contextlib
import os
import pwd
from functools import cache
from pathlib import Path

from lab.safe_files import UnsafePathError, private_dir

_PACKAGE = Path(__file__).resolve().parent


@cache
def data_root() -> Path:
    """The folder holding `profiles/`, `lessons/` and `kind.yaml`.

    In a checkout (or an editable install) that is the repository; in an installed wheel the
    same files are shipped inside the package as `lab/_data`.
    """
    override = os.environ.get("SECLAB_DATA")
    if override:
        return Path(override).resolve()
    checkout = _PACKAGE.parent
    if (checkout / "profiles").is_dir() and (checkout / "pyproject.toml").is_file():
        return checkout
    return _PACKAGE / "_data"


def profiles_dir() -> Path:
    """The lab's seccomp profiles (mounted into kind nodes, used by every target)."""
    return data_root() / "profiles"


def lessons_dir() -> Path:
    """The lab's lesson files."""
    return data_root() / "lessons"


def kind_config() -> Path:
    """The repository's kind cluster configuration."""
    return data_root() / "kind.yaml"


class StateDirError(OSError):
    """The per-user state folder cannot be created; the message says how to choose another."""


def _account(name: str) -> tuple[int, int, Path] | None:
    """(uid, gid, home) of a login name, or None when there is no such account."""
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        return None
    return entry.pw_uid, entry.pw_gid, Path(entry.pw_dir)


def invoking_user() -> tuple[int, int, Path] | None:
    """Under `sudo` as root: (uid, gid, home) of the user who ran sudo; otherwise None.

    Progress and workspaces belong to the learner, not to root: `sudo seclab start` (needed
    for the audit records) must find and leave them in the learner's own home, owned by them.
    """
    name = os.environ.get("SUDO_USER")
    if os.geteuid() != 0 or not name or name == "root":
        return None
    return _account(name)


def learner() -> tuple[int, int] | None:
    """Under `sudo` as root: (uid, gid) of the user who ran sudo, who owns their files."""
    user = invoking_user()
    return (user[0], user[1]) if user else None


def own_state_dir() -> Path:
    """State that only this (effective) user may write, never the learner's under sudo.

    The local workloads' registry says which processes root may stop: as root it must not sit in
    a folder the invoking user could write.
    """
    if invoking_user() is None:
        return state_dir()
    path = Path(pwd.getpwuid(os.geteuid()).pw_dir) / ".local" / "state" / "seclab"
    try:
        return private_dir(path)
    except OSError as exc:
        raise StateDirError(
            f"cannot create seclab's state folder {path} ({exc.strerror or exc}); "
            "set HOME to a folder root can write"
        ) from exc


def cache_dir() -> Path:
    """Caches that only this (effective) user writes and reads: $XDG_CACHE_HOME/seclab, else
    ~/.cache/seclab; under sudo root's own, never a folder the invoking user could write."""
    given = os.environ.get("XDG_CACHE_HOME") if invoking_user() is None else None
    base = Path(given) if given else Path(pwd.getpwuid(os.geteuid()).pw_dir) / ".cache"
    return private_dir(base / "seclab")


def home() -> Path:
    """The learner's home: the invoking user's under sudo, this user's otherwise."""
    user = invoking_user()
    return user[2] if user else Path.home()


def give_to_learner(path: Path) -> None:
    """Under sudo, make a file or folder the lab created belong to the invoking user."""
    user = invoking_user()
    if user is not None:
        # A root-squashed or read-only place: the file works, only its owner differs.
        with contextlib.suppress(OSError):
            os.chown(path, user[0], user[1])


def make_learner_dir(path: Path) -> Path:
    """Create `path` and its missing parents, each owned by the learner (under sudo too)."""
    missing = []
    probe = path
    while not probe.exists() and probe != probe.parent:
        missing.append(probe)
        probe = probe.parent
    path.mkdir(parents=True, exist_ok=True)
    for created in missing:
        give_to_learner(created)
    return path


def _learner_base(variable: str, *default: str) -> Path:
    # sudo drops XDG_* (env_reset): then the invoking user's default folder is meant, not root's.
    given = os.environ.get(variable)
    return Path(given) if given else home().joinpath(*default)


def state_dir(create: bool = True) -> Path:
    """Per-user state (progress, caches): $XDG_STATE_HOME/seclab, created on demand."""
    path = _learner_base("XDG_STATE_HOME", ".local", "state") / "seclab"
    if create:
        try:
            make_learner_dir(path.parent)
            # as root, a folder another user could redirect is refused (the learner's own is
            # theirs under sudo)
            private_dir(path, learner())
        except UnsafePathError as exc:
            raise StateDirError(str(exc)) from exc
        except OSError as exc:  # a read-only or missing home (sudo -H, a locked-down account)
            raise StateDirError(
                f"cannot create seclab's state folder {path} ({exc.strerror}); "
                "set XDG_STATE_HOME to a folder you can write"
            ) from exc
    return path


def data_dir(create: bool = True) -> Path:
    """The learner's own files (exercise workspaces): $XDG_DATA_HOME/seclab."""
    path = _learner_base("XDG_DATA_HOME", ".local", "share") / "seclab"
    if create:
        try:
            make_learner_dir(path)
        except OSError as exc:
            raise StateDirError(
                f"cannot create seclab's data folder {path} ({exc.strerror}); "
                "set XDG_DATA_HOME to a folder you can write"
            ) from exc
    return path


def resolve_profile(name_or_path: str | os.PathLike[str]) -> Path:
    """A profile given as a path, or as a bare name of one of the lab's profiles (`audit.json`)."""
    path = Path(name_or_path)
    # os.path.exists, not Path.exists: in a folder this user cannot read, the latter raises.
    if os.path.exists(path) or path.parent != Path("."):
        return path
    shipped = profiles_dir() / path
    if shipped.exists():
        return shipped
    if not path.suffix and (profiles_dir() / f"{path}.json").exists():
        return profiles_dir() / f"{path}.json"
    return path
