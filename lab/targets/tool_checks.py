"""`seclab doctor`'s container lines: Docker engine, runc and its flags, privileged mode, kind."""

from __future__ import annotations

import json
from collections.abc import Callable

from lab.check import Check
from lab.targets.commands import INSTALL, CommandError, Runner
from lab.targets.docker.versions import engine_versions, log_flag_blocker

NEEDS = ("docker", "kind")


def docker_checks(runner: Runner) -> list[Check]:
    """Engine version, runc version with SECCOMP_FILTER_FLAG_LOG support, privileged mode."""
    import docker
    import requests.exceptions

    from lab.targets.docker.context import follow
    from lab.targets.docker.errors import engine_unreachable

    endpoint = follow()  # the SDK ignores the CLI's context; the lab follows it
    try:
        client = docker.from_env(timeout=10)
        info = client.version()
    except (docker.errors.DockerException, requests.exceptions.RequestException) as exc:
        error = engine_unreachable(exc)
        status = "missing" if "not running" in error.message else "broken"
        return [Check("docker engine", status, error.message, error.hint, NEEDS)]
    engine, runc = engine_versions(info)
    where = f" at {endpoint.host}, from {endpoint.why}" if endpoint else ""
    checks = [
        Check(
            "docker engine",
            "ok",
            f"Docker {engine} (API {info.get('ApiVersion')}){where}",
            None,
            NEEDS,
        )  # fmt: skip
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
    checks.append(_privileged(client, engine))
    return checks


def _privileged(client: object, engine: str | None) -> Check:
    """Start one throw-away privileged container (labelled, removed) and say what happened."""
    from lab.targets.docker.images import ImageResolver
    from lab.targets.docker.plan import new_session_id
    from lab.targets.docker.privileged import NO_IMAGE, profile_applied, start_problem

    images = ImageResolver(client, lambda event: None)
    try:  # the doctor changes nothing in the engine: no image is pulled or built for this
        reason = start_problem(client, images, new_session_id(), build=False)
    except Exception as exc:  # the engine went away: say so
        reason = f"could not try a privileged container: {exc}"
    if reason == NO_IMAGE:
        return Check("privileged containers", "missing", reason, "seclab prepare --target docker")
    if reason:
        return Check("privileged containers", "broken", reason,
                     "the privileged exercise is skipped here; run it on a host where "
                     "privileged containers start")  # fmt: skip
    applied = profile_applied(engine)
    detail = "a privileged test container started (and was removed)"
    return Check("privileged containers", "ok", f"{detail}; {applied}" if applied else detail)


def _runc_cli(runner: Runner) -> str | None:
    try:
        done = runner(["runc", "--version"], timeout=10)
    except CommandError:
        return None
    first = done.stdout.splitlines()[0] if done.stdout else ""
    return first.removeprefix("runc version ").strip() or None


def tools(runner: Runner) -> list[Check]:
    """kind and kubectl, asked for their versions."""
    checks = []
    for name, argv, parse in (
        ("kind", ["kind", "version"], lambda out: out.split()[1] if out.split() else out),
        (
            "kubectl",
            ["kubectl", "version", "--client", "-o", "json"],
            lambda out: json.loads(out)["clientVersion"]["gitVersion"],
        ),
    ):
        checks.append(_tool(runner, name, argv, parse))
    return checks


def _tool(runner: Runner, name: str, argv: list[str], parse: Callable[[str], str]) -> Check:
    fix = f"install {name}: {INSTALL[name]}"
    try:
        done = runner(argv, timeout=20)
        return Check(name, "ok", parse(done.stdout.strip()), None, ("kind",))
    except CommandError as exc:
        status = "missing" if exc.returncode is None and "not installed" in str(exc) else "broken"
        return Check(name, status, str(exc).splitlines()[0], fix, ("kind",))
    except (ValueError, KeyError, IndexError) as exc:
        return Check(name, "broken", f"unexpected output: {exc}", fix, ("kind",))
