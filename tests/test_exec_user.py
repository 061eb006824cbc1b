"""`sudo seclab exec/record -- CMD` runs CMD as the user who ran sudo, unless --as-root.

sudo is simulated by its environment (SUDO_UID, SUDO_GID, SUDO_USER) with seclab run as root:
that is all sudo hands over, and what seclab reads. The user is `nobody` (uid 65534).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
_SUDO = {"SUDO_UID": "65534", "SUDO_GID": "65534", "SUDO_USER": "nobody"}
_CAPS = "grep -E '^(Uid|Gid|Groups|CapEff|CapPrm):' /proc/self/status"


def _seclab(*args: str, sudo: bool = True, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), **(_SUDO if sudo else {})}
    if not sudo:
        for key in _SUDO:
            env.pop(key, None)
    return subprocess.run(
        [sys.executable, "-m", "lab", *args], capture_output=True, text=True, env=env,
        stdin=subprocess.DEVNULL, timeout=120, cwd=cwd,
    )  # fmt: skip


def _status(text: str) -> dict[str, str]:
    return dict(line.split(":", 1) for line in text.splitlines() if ":" in line)


@pytest.mark.root
def test_exec_under_sudo_runs_the_command_as_the_invoking_user_without_capabilities() -> None:
    run = _seclab("exec", "--profile", "audit.json", "--", "sh", "-c", _CAPS)
    assert run.returncode == 0, run.stderr
    status = _status(run.stdout)
    assert status["Uid"].split() == ["65534"] * 4
    assert status["Gid"].split() == ["65534"] * 4
    groups = sorted(set(os.getgrouplist("nobody", 65534)))
    assert status["Groups"].split() == [str(g) for g in groups]
    assert int(status["CapEff"], 16) == 0 and int(status["CapPrm"], 16) == 0
    assert "as nobody (uid 65534), the user who ran sudo" in run.stderr
    assert "--as-root" in run.stderr


@pytest.mark.root
def test_exec_as_root_when_asked_and_without_sudo() -> None:
    for run in (
        _seclab("exec", "--as-root", "--profile", "audit.json", "--", "sh", "-c", _CAPS),
        _seclab("exec", "--profile", "audit.json", "--", "sh", "-c", _CAPS, sudo=False),
    ):
        assert run.returncode == 0, run.stderr
        assert _status(run.stdout)["Uid"].split() == ["0"] * 4
        assert "the user who ran sudo" not in run.stderr


@pytest.mark.root
def test_record_under_sudo_runs_the_command_as_the_invoking_user() -> None:
    # A folder nobody can reach and write (pytest's own tmp_path is root's, mode 0700).
    folder = Path(tempfile.mkdtemp(prefix="seclab-as-user-", dir="/tmp"))
    try:
        folder.chmod(0o777)
        out = folder / "uid"
        run = _seclab("record", "--", "sh", "-c", f"id -u > {out}")
        assert "as nobody (uid 65534), the user who ran sudo" in run.stderr, run.stderr
        assert out.read_text().strip() == "65534", run.stderr
        assert out.stat().st_uid == 65534
    finally:
        shutil.rmtree(folder)


def test_help_says_who_runs_the_command() -> None:
    for command in ("exec", "record"):
        run = _seclab(command, "--help", sudo=False)
        assert "the user who ran sudo" in run.stdout and "--as-root" in run.stdout
