"""The local echo workload behaves like hashicorp/http-echo: flags, `/`, `/health`, SIGTERM."""

from __future__ import annotations

import json
import subprocess

import pytest
from echo_helpers import REPO, WORKLOAD, running_echo

from lab.workloads.http_echo import parse_args, split_listen


def test_flags_in_go_and_gnu_spelling() -> None:
    assert parse_args(["-text=hi"]).text == "hi"
    assert parse_args(["--text", "hi there"]).text == "hi there"
    assert parse_args(["-text=x"]).listen == ":5678"
    assert parse_args(["-text=x", "-listen=127.0.0.1:8080"]).listen == "127.0.0.1:8080"


@pytest.mark.parametrize(
    ("listen", "expected"),
    [(":5678", ("", 5678)), ("127.0.0.1:0", ("127.0.0.1", 0)), ("[::1]:80", ("::1", 80))],
)
def test_listen_addresses(listen: str, expected: tuple[str, int]) -> None:
    assert split_listen(listen) == expected


@pytest.mark.parametrize("listen", ["5678", "host:", ":99999", ":http"])
def test_bad_listen_addresses_say_how_to_write_them(listen: str) -> None:
    with pytest.raises(ValueError, match=r"\[HOST\]:PORT"):
        split_listen(listen)


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*WORKLOAD, *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )


def test_text_is_required_like_http_echo() -> None:
    proc = _run()
    assert proc.returncode == 2
    assert "-text" in proc.stderr


def test_a_bad_listen_flag_is_a_clear_error() -> None:
    proc = _run("-text=x", "-listen=nope")
    assert proc.returncode == 1
    assert "write it as [HOST]:PORT" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_serves_text_and_health_then_stops_cleanly_on_sigterm() -> None:
    with running_echo(None, "-text=just made some syscalls!") as echo:
        assert echo.get("/") == (200, "text/plain; charset=utf-8", "just made some syscalls!\n")
        assert echo.get("/any/path?x=1")[2] == "just made some syscalls!\n"
        status, kind, body = echo.get("/health")
        assert (status, kind) == (200, "application/json")
        assert json.loads(body) == {"status": "ok"}
    assert echo.outcome is not None and echo.outcome.exit_code == 0
    assert '"GET /health HTTP/1.1" 200' in echo.stderr


def test_a_refused_accept_is_retried_after_a_growing_wait_not_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Under a profile that refuses accept4 the queued connection keeps the socket readable:
    each failed accept waits (5 ms doubling to 1 s, as Go's net/http) instead of spinning."""
    import errno
    import socketserver

    from lab.workloads.http_echo import EchoHandler, EchoServer

    waits: list[float] = []
    refusing = True

    def accept(self: socketserver.TCPServer) -> tuple[object, object]:
        if refusing:
            raise PermissionError(errno.EPERM, "Operation not permitted")
        return object(), ("127.0.0.1", 1)

    monkeypatch.setattr(socketserver.TCPServer, "get_request", accept)
    monkeypatch.setattr(EchoServer, "wait", staticmethod(waits.append))
    with EchoServer(("127.0.0.1", 0), EchoHandler) as server:
        for _ in range(10):
            with pytest.raises(PermissionError):
                server.get_request()
        assert waits == [0.005, 0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.0, 1.0]
        refusing = False
        server.get_request()
        assert server.backoff == 0.0  # an accepted connection starts the waits again
