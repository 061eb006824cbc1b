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
