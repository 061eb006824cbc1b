"""Talking to a running container: HTTP on its published port, `docker exec`, waiting for exit."""

from __future__ import annotations

import shlex
import threading
from collections.abc import Sequence
from typing import Any

from lab.targets.base import CommandEvent, ExecResult, HttpResponse, TargetError
from lab.targets.docker.engine import Engine
from lab.targets.docker.plan import ECHO_PORT
from lab.targets.exits import signal_of
from lab.targets.http_get import http_get


def host_port(container: Any) -> int | None:
    """The host port Docker published for the container's 5678/tcp, if any."""
    ports = (container.attrs.get("NetworkSettings") or {}).get("Ports") or {}
    bindings = ports.get(ECHO_PORT) or []
    return int(bindings[0]["HostPort"]) if bindings else None


def request(engine: Engine, container: Any, port: int, path: str, timeout: float) -> HttpResponse:
    """GET http://127.0.0.1:<published port><path>, retried while the container runs."""

    def alive() -> bool:
        container.reload()
        return bool(container.status == "running")

    return http_get(engine.emit, f"http://127.0.0.1:{port}{path}", timeout, alive)


def exec_in(engine: Engine, container: Any, argv: Sequence[str], timeout: float) -> ExecResult:
    """`docker exec <container> argv…`, with its exit code (159 when SIGSYS killed it)."""
    cli = ("docker", "exec", container.name, *argv)
    engine.emit(CommandEvent(cli))
    api = engine.docker().api
    exec_id = api.exec_create(container.id, list(argv), stdout=True, stderr=True)["Id"]
    result: dict[str, Any] = {}

    def _start() -> None:
        try:
            result["output"] = api.exec_start(exec_id, demux=True)
        except Exception as exc:  # reported to the caller below
            result["error"] = exc

    worker = threading.Thread(target=_start, daemon=True, name="docker-exec")
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise TargetError(
            f"`{shlex.join(cli)}` did not finish within {timeout:g} s",
            hint="the command may still run in the container; delete the workload to stop it",
        )
    if "error" in result:
        raise TargetError(f"`{shlex.join(cli)}` failed: {result['error']}")
    out, err = result.get("output") or (None, None)
    stdout = (out or b"").decode(errors="replace")
    stderr = (err or b"").decode(errors="replace")
    code = api.exec_inspect(exec_id).get("ExitCode")
    engine.emit(CommandEvent(cli, exit_code=code, stdout=stdout, stderr=stderr))
    return ExecResult(code, stdout, stderr, signal=signal_of(code), commands=(shlex.join(cli),))


def wait_exit(container: Any, timeout: float) -> int | None:
    """Wait for the container to stop; its exit code, or None after `timeout` (it is killed)."""
    import requests.exceptions

    try:
        status = container.wait(timeout=timeout)
    except (requests.exceptions.ReadTimeout, requests.exceptions.ConnectionError):
        container.kill()
        return None
    return int(status.get("StatusCode", -1))
