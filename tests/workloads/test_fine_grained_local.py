"""profiles/fine-grained-local.json is complete for the local echo workload, proved two ways.

1. Under it (default ERRNO) the workload starts, serves `/` and `/health`, and exits cleanly.
2. Under the same allow-list with default LOG it leaves no audit record for its pid: every
   syscall it made, from the launcher's execve to its exit_group, is on the list.
Both run with a cold bytecode cache too: Python then writes `__pycache__` (mkdir, rename).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from echo_helpers import cold_cache_env, running_echo

from lab.audit.capture import AuditCapture
from lab.profile.lint import load_profile
from lab.profile.model import Profile

PROFILE = "fine-grained-local.json"


def _serves(profile: Profile, env: dict[str, str] | None = None) -> None:
    with running_echo(profile, "-text=fine", env=env) as echo:
        assert echo.get("/")[::2] == (200, "fine\n")
        assert echo.get("/health")[::2] == (200, '{"status":"ok"}\n')
    assert echo.outcome is not None
    assert (echo.outcome.exit_code, echo.outcome.message()) == (0, None), echo.stderr


def test_the_profile_is_an_allow_list_with_default_errno() -> None:
    profile = load_profile(PROFILE)
    assert profile.default_action == "SCMP_ACT_ERRNO"
    names = [name for rule in profile.syscalls for name in rule.names]
    assert names == sorted(names) and {"execve", "exit_group", "accept4"} <= set(names)


def test_the_workload_serves_under_it(tmp_path: Path) -> None:
    _serves(load_profile(PROFILE))
    _serves(load_profile(PROFILE), cold_cache_env(tmp_path / "pycache"))


def _logged(profile: Profile, env: dict[str, str] | None = None) -> list[str]:
    """Syscall names the workload made outside `profile`'s allow-list (default set to LOG)."""
    logging = profile.with_changes(default_action="SCMP_ACT_LOG")
    losses = []
    # Zero records proves something only if none were lost on the way. Other tests on this
    # kernel may flood the audit stream, so a lossy run is repeated, never counted as a pass.
    for _attempt in range(3):
        with AuditCapture() as capture:
            with running_echo(logging, "-text=fine", env=env) as echo:
                assert echo.get("/")[0] == 200
                assert echo.get("/health")[0] == 200
            assert echo.outcome is not None and echo.outcome.exit_code == 0
            capture.sync()
            events = capture.events([echo.proc.pid])
            loss = capture.loss()
        if loss.total_known() == 0:
            return [e.syscall_name or str(e.syscall) for e in events]
        losses.append(loss)
    pytest.fail(f"audit records were lost in every attempt: {losses}")


@pytest.mark.root
def test_nothing_is_logged_under_the_same_list_with_default_log(tmp_path: Path) -> None:
    env = cold_cache_env(tmp_path / "pycache")
    assert _logged(load_profile(PROFILE), env) == []  # cold cache: writes bytecode
    assert _logged(load_profile(PROFILE), env) == []  # warm cache: reads it back


@pytest.mark.root
def test_the_log_check_catches_a_missing_syscall() -> None:
    # The same check with `listen` and `execve` taken off the list must name both.
    profile = load_profile(PROFILE)
    trimmed = tuple(
        replace(rule, names=tuple(n for n in rule.names if n not in ("listen", "execve")))
        for rule in profile.syscalls
    )
    assert {"listen", "execve"} <= set(_logged(profile.with_changes(syscalls=trimmed)))
