"""The course as CI runs it without root and in a new network namespace: every local lesson
ends with each check passed, or skipped with its reason (`seclab run L --target local --auto`).

Root is needed to drop it: the tests start the real CLI under setpriv (another user, or uid 0
with every capability dropped) and under `unshare -n` (loopback brought up, as a container has).
"""

from __future__ import annotations

import os
import re
import shutil
import site
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from lesson_play import lesson_ids

pytestmark = pytest.mark.root
REPO = Path(__file__).resolve().parents[2]
# What a skipped check or step must say: why this host cannot give it.
REASONS = ("CAP_AUDIT_READ", "network namespace", "this machine is", "needs the kernel's audit")


def _needs_root() -> None:
    if os.geteuid() != 0:
        pytest.skip("dropping privileges and making a network namespace need root")


def _nobody_cannot_run(python: str, env: dict[str, str]) -> str | None:
    """Why user nobody cannot run seclab with this interpreter here (its own error), or None."""
    argv = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", python,
            "-m", "lab", "exec", "--profile", "audit.json", "--", "true"]  # fmt: skip
    done = subprocess.run(
        argv, cwd=REPO, capture_output=True, text=True, timeout=60, check=False,
        env={**os.environ, **env, "XDG_STATE_HOME": "/tmp"},
    )  # fmt: skip
    said = done.stderr.strip().splitlines()
    return None if done.returncode == 0 else (said[-1] if said else f"exit {done.returncode}")


def _python_for_nobody() -> tuple[str, dict[str, str]]:
    """An interpreter user nobody can run, with what it needs to find seclab and its packages.

    This venv's own, when nobody may run it; else the system's python of the same minor version
    (a venv whose interpreter lives under /root, as pyenv's does, is root's alone) given this
    checkout and this venv's site-packages on PYTHONPATH. Skips, saying why, when neither runs.
    """
    why = _nobody_cannot_run(sys.executable, {})
    if why is None:
        return sys.executable, {}
    system = shutil.which("python3", path="/usr/bin:/bin")
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    if system and os.path.realpath(system) != os.path.realpath(sys.executable):
        probe = subprocess.run(
            [system, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True, text=True, timeout=30, check=False,
        )  # fmt: skip
        if probe.stdout.strip() == version:
            env = {"PYTHONPATH": os.pathsep.join([str(REPO), *site.getsitepackages()])}
            if _nobody_cannot_run(system, env) is None:
                return system, env
    pytest.skip(f"user nobody cannot run {sys.executable} -m lab here, nor a system python "
                f"{version}: {why}")  # fmt: skip


def _prefix(mode: str) -> tuple[list[str], str, dict[str, str]]:
    """The command that drops privileges, the interpreter to run under it, and its env."""
    _needs_root()
    if mode == "nobody":
        if shutil.which("setpriv") is None:
            pytest.skip("setpriv (util-linux) is not installed")
        python, env = _python_for_nobody()
        return ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"], python, env
    if mode == "no-capabilities":  # uid 0 without CAP_AUDIT_READ (or any other capability)
        if shutil.which("setpriv") is None:
            pytest.skip("setpriv (util-linux) is not installed")
        return ["setpriv", "--inh-caps=-all", "--bounding-set=-all"], sys.executable, {}
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        pytest.skip("unshare (util-linux) and ip (iproute2) are needed for a network namespace")
    netns = ["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$@"', "sh"]
    return netns, sys.executable, {}


@pytest.mark.parametrize("mode", ["nobody", "no-capabilities", "new-netns"])
@pytest.mark.parametrize("lesson_id", lesson_ids("local"))
def test_every_local_lesson_passes_or_skips_with_its_reason(
    mode: str, lesson_id: str, request: pytest.FixtureRequest
) -> None:
    # pytest's own tmp folders are root's alone (mode 700): the dropped user needs one it can
    # reach, for its state (progress) and data (workspaces) folders.
    state = Path(tempfile.mkdtemp(prefix="seclab-unprivileged-"))
    state.chmod(0o777)
    request.addfinalizer(lambda: shutil.rmtree(state, ignore_errors=True))
    prefix, python, extra = _prefix(mode)
    argv = [*prefix, python, "-m", "lab", "run", lesson_id, "--target", "local", "--auto"]
    env = {**os.environ, **extra, "XDG_STATE_HOME": str(state), "XDG_DATA_HOME": str(state),
           "HOME": str(state)}  # fmt: skip
    done = subprocess.run(
        argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    out = done.stdout + done.stderr
    assert done.returncode == 0, out[-4000:]
    skipped = re.findall(r"^- \w+ [\w-]+: skipped here: (.+)$|^  why: (.+)$", out, re.M)
    for reason in ("".join(pair) for pair in skipped):
        assert any(word in reason for word in REASONS), reason
    # No records reach this process in any of these modes: an audit check is skipped, never
    # passed (a "count: 0" passing here would be a check that cannot fail).
    assert "✓ audit" not in out, out[-2000:]
    if "- audit " in out:
        assert skipped
