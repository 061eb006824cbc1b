"""`seclab doctor`'s Docker lines: the engine, runc and its seccomp flags, privileged containers."""

from __future__ import annotations

from lab.doctor import Check
from lab.targets.capabilities import privileged_blocker
from lab.targets.commands import CommandError, Runner
from lab.targets.runtime_versions import engine_versions, log_flag_blocker

NEEDS = ("docker", "kind")


def docker_checks(runner: Runner) -> list[Check]:
    """Engine version, runc version with SECCOMP_FILTER_FLAG_LOG support, privileged mode."""
    import docker
    import requests.exceptions

    from lab.targets.docker_errors import engine_unreachable

    try:
        client = docker.from_env(timeout=10)
        info = client.version()
    except (docker.errors.DockerException, requests.exceptions.RequestException) as exc:
        error = engine_unreachable(exc)
        status = "missing" if "not running" in error.message else "broken"
        return [Check("docker engine", status, error.message, error.hint, NEEDS)]
    engine, runc = engine_versions(info)
    checks = [
        Check("docker engine", "ok", f"Docker {engine} (API {info.get('ApiVersion')})", None, NEEDS)
    ]
    if runc is None:
        runc = _runc_cli(runner)
    blocker = log_flag_blocker(engine, runc)
    if blocker:
        checks.append(
            Check(
                "SECCOMP_FILTER_FLAG_LOG",
                "missing",
                f"runc {runc or '?'}: {blocker}, so ERRNO denials in Docker leave no audit record",
                "upgrade to Docker >= 23 with runc >= 1.2; meanwhile the local target shows "
                "violation-log.json's denials",
            )
        )
    else:
        checks.append(Check("SECCOMP_FILTER_FLAG_LOG", "ok", f"runc {runc}: profile flags apply"))
    reason = privileged_blocker()
    if reason:
        checks.append(
            Check(
                "privileged containers",
                "broken",
                reason,
                "skip the privileged exercise here, or use a host with a full "
                "capability bounding set",
            )
        )
    else:
        checks.append(Check("privileged containers", "ok", "full capability bounding set"))
    return checks


def _runc_cli(runner: Runner) -> str | None:
    try:
        done = runner(["runc", "--version"], timeout=10)
    except CommandError:
        return None
    first = done.stdout.splitlines()[0] if done.stdout else ""
    return first.removeprefix("runc version ").strip() or None
