"""Where seclab finds its shipped files (profiles, lessons, kind.yaml) and keeps its state."""

from __future__ import annotations

import os
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


def state_dir(create: bool = True) -> Path:
    """Per-user state (progress, caches): $XDG_STATE_HOME/seclab, created on demand."""
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    path = Path(base) / "seclab"
    if create:
        try:
            private_dir(path)  # as root, a folder another user could redirect is refused
        except UnsafePathError as exc:
            raise StateDirError(str(exc)) from exc
        except OSError as exc:  # a read-only or missing home (sudo -H, a locked-down account)
            raise StateDirError(
                f"cannot create seclab's state folder {path} ({exc.strerror}); "
                "set XDG_STATE_HOME to a folder you can write"
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
