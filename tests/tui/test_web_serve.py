"""A real `seclab serve` on 127.0.0.1 and a free port, driven with an aiohttp client: the key and
the Origin are checked, terminal sizes are capped, a closed socket ends its lab, and in a room
the attendees watch the presenter's lab without running one of their own."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import aiohttp

from lab.tui.web import MAX_HEIGHT, MAX_WIDTH, clamp_size, origin_allowed

REPO = Path(__file__).resolve().parent.parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(tmp_path: Path, *extra: str) -> Iterator[tuple[int, list[str], str]]:
    """`seclab serve` until the block ends; yields its port, the addresses it printed, its state
    directory (which marks the labs it starts)."""
    port = _free_port()
    state = str(tmp_path / "state")
    env = {**os.environ, "XDG_STATE_HOME": state, "PYTHONPATH": str(REPO)}
    argv = [sys.executable, "-m", "lab", "serve", "--port", str(port), "--target", "local",
            "--lesson", "audit", "--url", f"http://127.0.0.1:{port}", *extra]  # fmt: skip
    log_path = tmp_path / "serve.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(argv, cwd=REPO, env=env, stdin=subprocess.DEVNULL, stdout=log,
                                  stderr=log, start_new_session=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert server.poll() is None, log_path.read_text()
                assert time.monotonic() < deadline, "seclab serve never listened"
                time.sleep(0.1)
        urls = re.findall(r"http://\S+\?key=\S+", log_path.read_text())
        yield port, urls, state
    finally:
        os.killpg(server.pid, signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        for pid in labs_of(state):  # a failed run must not leave them to the next test
            os.kill(pid, signal.SIGKILL)


def labs_of(state_dir: str) -> list[int]:
    """Live `seclab start` processes with this test's state directory."""
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0")
            environ = (proc / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"start" in argv and f"XDG_STATE_HOME={state_dir}".encode() in environ:
            found.append(int(proc.name))
    return found


def wait_for(condition: object, timeout: float = 40) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.1)
    return False


def key_of(url: str) -> str:
    return url.rsplit("?key=", 1)[1]


async def _handshake(url: str, **headers: str) -> int:
    """The HTTP status of a websocket handshake (101 when accepted)."""
    async with aiohttp.ClientSession() as http:
        try:
            async with http.ws_connect(url, headers=headers) as ws:
                await ws.close()
                return 101
        except aiohttp.WSServerHandshakeError as error:
            return error.status


async def _read_until(ws: aiohttp.ClientWebSocketResponse, word: bytes, timeout: float) -> bytes:
    seen = b""
    deadline = time.monotonic() + timeout
    while word not in seen:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"never received {word!r}; got {seen[-500:]!r}"
        message = await ws.receive(timeout=remaining)
        if message.type == aiohttp.WSMsgType.BINARY:
            seen += message.data
        elif message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
            raise AssertionError(f"socket closed before {word!r}; got {seen[-500:]!r}")
    return seen


def test_a_missing_key_or_a_foreign_origin_is_refused_and_a_closed_socket_ends_its_lab(
    tmp_path: Path,
) -> None:
    with serving(tmp_path, "--max-sessions", "1") as (port, urls, state):
        assert len(urls) == 1, urls
        key = key_of(urls[0])
        assert len(key) >= 32
        base = f"ws://127.0.0.1:{port}/ws"
        own = f"http://127.0.0.1:{port}"

        async def probe() -> None:
            async with aiohttp.ClientSession() as http:
                async with http.get(f"http://127.0.0.1:{port}/") as page:
                    assert page.status == 403
                async with http.get(urls[0]) as page:
                    assert page.status == 200
                    assert f"/ws/{key}" in await page.text()
            assert await _handshake(f"{base}/", Origin=own) in (403, 404)
            assert await _handshake(f"{base}/{'x' * len(key)}", Origin=own) == 403
            assert await _handshake(f"{base}/{key}", Origin="http://evil.example") == 403
            assert await _handshake(f"{base}/{key}", Origin=f"http://evil.example:{port}",
                                    Host=f"evil.example:{port}") == 403  # fmt: skip
            assert not labs_of(state), "a refused socket started a lab"

            # The key and the page's own Origin: a lab runs, at a capped size, until the
            # socket closes.
            async with (
                aiohttp.ClientSession() as http,
                http.ws_connect(
                    f"{base}/{key}?width=10000&height=5000", headers={"Origin": own}
                ) as ws,
            ):
                await _read_until(ws, b"seclab", timeout=60)
                labs = labs_of(state)
                assert len(labs) == 1, labs
                environ = Path(f"/proc/{labs[0]}/environ").read_bytes().split(b"\0")
                assert f"COLUMNS={MAX_WIDTH}".encode() in environ
                assert f"ROWS={MAX_HEIGHT}".encode() in environ
                # The cap: a second tab waits for a free slot, then is refused; no second lab.
                assert await _handshake(f"{base}/{key}", Origin=own) == 503
                assert len(labs_of(state)) == 1
            # Closed by the client: its lab ends.

        asyncio.run(probe())
        assert wait_for(lambda: not labs_of(state)), f"labs left: {labs_of(state)}"
        # The access log shows the requests, never the key: its terminal may be on a projector.
        # (The log handler wraps long lines: compare without whitespace.)
        text = (tmp_path / "serve.log").read_text()
        requests = "".join(text[text.index('"GET ') :].split())  # after the printed addresses
        assert '"GET/ws/' in requests, text
        assert key not in requests, text


def test_attendees_watch_the_presenters_lab_and_run_nothing(tmp_path: Path) -> None:
    with serving(tmp_path, "--public") as (port, urls, state):
        assert len(urls) == 2, urls
        presenter, viewer = (key_of(u) for u in urls)
        assert presenter != viewer
        base = f"ws://127.0.0.1:{port}/ws"
        own = {"Origin": f"http://127.0.0.1:{port}"}

        async def room() -> None:
            async with (
                aiohttp.ClientSession() as http,
                http.ws_connect(f"{base}/{viewer}", headers=own) as early,
            ):
                await _read_until(early, b"Waiting for the presenter", timeout=20)
                await early.send_json(["stdin", "q"])
                assert not labs_of(state), "an attendee started a lab"
                async with http.ws_connect(f"{base}/{presenter}", headers=own) as lead:
                    await _read_until(lead, b"seclab", timeout=60)
                    # A second presenter tab is refused while the first runs.
                    assert await _handshake(f"{base}/{presenter}", **own) == 503
                    # The attendee who waited sees the lab; a late one sees it too (repainted).
                    await _read_until(early, b"seclab", timeout=30)
                    async with http.ws_connect(f"{base}/{viewer}", headers=own) as late:
                        await _read_until(late, b"seclab", timeout=30)
                        await late.send_json(["stdin", "q"])
                        await late.send_json(["resize", {"width": 5, "height": 5}])
                    assert len(labs_of(state)) == 1
                await _read_until(early, b"lab has ended", timeout=40)

        asyncio.run(room())
        assert wait_for(lambda: not labs_of(state)), f"labs left: {labs_of(state)}"


def test_sizes_are_capped_and_origins_are_the_servers_own() -> None:
    assert clamp_size("10000", "5000") == (MAX_WIDTH, MAX_HEIGHT)
    assert clamp_size("abc", None) == (80, 24)
    assert clamp_size(0, -3) == (1, 1)
    address = "http://lab.example:8000"
    assert origin_allowed(None, "127.0.0.1:8000", address)  # not a browser: the key guards it
    assert origin_allowed("http://127.0.0.1:8000", "127.0.0.1:8000", address)
    assert origin_allowed("http://10.0.0.5:8000", "10.0.0.5:8000", address)
    assert origin_allowed("http://lab.example:8000", "lab.example:8000", address)
    assert not origin_allowed("http://evil.example", "127.0.0.1:8000", address)
    # DNS rebinding: another name pointed at this server, page and Host agree, still refused.
    assert not origin_allowed("http://evil.example:8000", "evil.example:8000", address)
    assert not origin_allowed("null", "127.0.0.1:8000", address)
