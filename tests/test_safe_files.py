"""seclab's state folder cannot be used to redirect its writes: links are refused or replaced,
never followed, and the folder must be this user's own (issue 15: as root, a planted
`local-workloads.json` link made root overwrite a root 0600 file)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from lab import paths
from lab.course.progress import ProgressStore
from lab.safe_files import UnsafePathError, open_private, private_dir, write_atomic
from lab.targets.base import TargetError
from lab.targets.kind import config as kindconfig
from lab.targets.local import state as local_state

SECRET = "root:only\n"


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg"))
    return paths.state_dir()


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    """A file the lab must never write: the target a planted link points at."""
    path = tmp_path / "secret"
    path.write_text(SECRET)
    path.chmod(0o600)
    return path


def test_a_linked_workloads_file_is_not_written_through(state: Path, secret: Path) -> None:
    (state / local_state.STATE_FILE).symlink_to(secret)
    local_state.record(os.getpid(), "echo", ["http_echo"])  # best effort: refused, not followed
    local_state.forget(os.getpid())
    assert secret.read_text() == SECRET
    with pytest.raises(TargetError, match="symbolic link"):
        local_state.recorded()  # reset says so (exit 1), rather than a traceback


def test_progress_never_writes_through_a_link_or_a_planted_temp_name(
    state: Path, secret: Path
) -> None:
    warnings: list[str] = []
    store = ProgressStore(warn=warnings.append)
    folder = store.directory()
    (folder / "audit--local.json").symlink_to(secret)
    (folder / f"audit--local.tmp{os.getpid()}").symlink_to(secret)  # the old temp name
    store.mark_passed("audit", "local", "step-1")
    assert secret.read_text() == SECRET
    written = folder / "audit--local.json"
    assert not written.is_symlink() and "step-1" in written.read_text()
    assert stat.S_IMODE(written.stat().st_mode) == 0o600
    assert any("symbolic link" in w for w in warnings)  # the planted link was set aside, said


def test_the_kind_config_replaces_a_link_instead_of_following_it(
    state: Path, secret: Path
) -> None:
    (state / "kind-seclab.yaml").symlink_to(secret)
    path = kindconfig.write({"kind": "Cluster"}, Path("kind.yaml"), state, "seclab")
    assert secret.read_text() == SECRET
    assert not path.is_symlink() and "Cluster" in path.read_text()


def test_the_state_folder_must_be_a_real_folder_of_this_user(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    xdg = tmp_path / "xdg"
    xdg.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (xdg / "seclab").symlink_to(elsewhere)
    monkeypatch.setenv("XDG_STATE_HOME", str(xdg))
    with pytest.raises(paths.StateDirError, match="symbolic link"):
        paths.state_dir()
    (xdg / "seclab").unlink()
    (xdg / "seclab").mkdir(mode=0o777)
    os.chmod(xdg / "seclab", 0o777)
    assert stat.S_IMODE(paths.state_dir().stat().st_mode) & 0o022 == 0  # tightened
    if os.geteuid() == 0:  # only root can give a folder to another user
        os.chown(xdg / "seclab", 65534, 65534)
        with pytest.raises(paths.StateDirError, match="belongs to uid 65534.*XDG_STATE_HOME"):
            paths.state_dir()


def test_the_helpers_refuse_links_and_hard_links(tmp_path: Path, secret: Path) -> None:
    folder = private_dir(tmp_path / "private")
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    (folder / "link").symlink_to(secret)
    with pytest.raises(UnsafePathError):
        open_private(folder / "link", os.O_RDWR)
    os.link(secret, folder / "hard")
    with pytest.raises(UnsafePathError, match="not a plain file"):
        open_private(folder / "hard", os.O_RDWR)
    write_atomic(folder / "link", "new\n")
    assert secret.read_text() == SECRET and (folder / "link").read_text() == "new\n"
    assert [p.name for p in folder.iterdir() if p.name.endswith(".tmp")] == []


def test_a_lesson_workspace_replaces_a_planted_profile_link(state: Path, secret: Path) -> None:
    from lab.course.action_context import ActionContext
    from lab.course.profile_actions import _write_profile

    workdir = private_dir(state / "work" / "audit")
    (workdir / "derived.json").symlink_to(secret)
    ctx = ActionContext(target=None, obs=None, listener=print, workdir=workdir)  # type: ignore[arg-type]
    path = _write_profile(ctx, "derived.json", {"defaultAction": "SCMP_ACT_LOG"})
    assert secret.read_text() == SECRET
    assert not path.is_symlink() and "SCMP_ACT_LOG" in path.read_text()
