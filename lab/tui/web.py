"""The web mirror: textual-serve's Server and AppService, extended to be safe to leave running.

textual-serve 1.1.3 runs one app per websocket and trusts whoever connects. A served lab runs as
root, so this module adds what it lacks: a secret key in the URL, an Origin check, a cap on
sessions and on terminal size, sessions that end when their socket closes (and a process that
will not quit is stopped), and, for a room, read-only viewers that watch the presenter's lab.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import logging
import re
import secrets
import shlex
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp_jinja2
from aiohttp import WSMsgType, web
from textual_serve.app_service import AppService
from textual_serve.server import Server

log = logging.getLogger("seclab.serve")

# Terminal size a browser may ask for. A real screen is well inside this; 10,000 columns made
# one app grow to 514 MB before it died.
MAX_WIDTH = 400
MAX_HEIGHT = 150
# How long a session's app gets to quit after its socket closed, then to end on SIGTERM (the lab
# stops its workloads on SIGTERM), before it is killed.
QUIT_GRACE = 10.0
TERM_GRACE = 10.0
# A reloaded page connects while its previous session is still ending: wait this long for a slot.
SLOT_WAIT = 8.0
# Frames a viewer may fall behind before it is dropped (it reconnects with a reload).
VIEWER_BACKLOG = 512
# What a viewer's terminal needs before the app's frames: the alternate screen, no cursor.
VIEWER_PREAMBLE = b"\x1b[?1049h\x1b[?25l\x1b[2J\x1b[H"
WAITING = b"\x1b[2J\x1b[HWaiting for the presenter to open the lab\xe2\x80\xa6\r\n"
ENDED = b"\x1b[2J\x1b[HThe presenter's lab has ended; it reappears here when it starts again.\r\n"
LOCAL_NAMES = frozenset({"localhost"})


@dataclass(frozen=True)
class ServeConfig:
    """What `seclab serve` serves, to whom, and how much."""

    argv: tuple[str, ...]  # the `seclab start …` each presenter session runs
    host: str
    port: int
    presenter_key: str
    viewer_key: str | None = None  # None: no viewers (a lab on this machine only)
    address: str = ""  # the address printed for browsers: its Origin is this server's own
    url: str | None = None  # the address to build page links from; None: the request's Host
    max_sessions: int = 4
    max_viewers: int = 100

    @property
    def shared(self) -> bool:
        """A room: one presenter session, watched read-only by attendees."""
        return self.viewer_key is not None


def new_key() -> str:
    """A fresh secret for a URL (192 bits)."""
    return secrets.token_urlsafe(24)


def clamp_size(width: object, height: object) -> tuple[int, int]:
    """A terminal size within the caps; anything that is not a number gets 80x24."""
    w = _to_int(width, 80)
    h = _to_int(height, 24)
    return max(1, min(w, MAX_WIDTH)), max(1, min(h, MAX_HEIGHT))


def _to_int(value: object, default: int) -> int:
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit() and len(value) <= 6:
        return int(value)
    return default


def _literal_or_local(host: str) -> bool:
    """An IP address or `localhost`: a name no other site can point at this server."""
    if host.lower() in LOCAL_NAMES:
        return True
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def origin_allowed(origin: str | None, host_header: str | None, address: str) -> bool:
    """Whether a websocket's Origin is this server's own page.

    Browsers always send Origin on a websocket; a page on another site carries its own, and is
    refused. A client without Origin is not a browser page (the key still guards it). A page
    reached by a DNS name is allowed only under the name `seclab serve` printed: another name
    resolving here (DNS rebinding) is refused.
    """
    if origin is None:
        return True
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return False
    own = urlsplit(address)
    if (own.scheme, own.netloc.lower()) == (parts.scheme, parts.netloc.lower()):
        return True
    if host_header is None or parts.netloc.lower() != host_header.lower():
        return False
    return _literal_or_local(parts.hostname or "")


class LabAppService(AppService):
    """One `seclab start`, run without a shell, that always ends after its socket closes."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        write_bytes: Callable[[bytes], Awaitable[None]],
        write_str: Callable[[str], Awaitable[None]],
        close: Callable[[], Awaitable[None]],
        server: Server,
    ) -> None:
        super().__init__(
            shlex.join(argv),
            write_bytes=write_bytes,
            write_str=write_str,
            close=close,
            download_manager=server.download_manager,
            debug=server.debug,
        )
        self.argv = tuple(argv)
        self._stopping: asyncio.Task[None] | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        environment = super()._build_environment(width, height)
        # Textual's web driver, taught one more message: repaint the whole screen for a viewer
        # who just arrived.
        environment["TEXTUAL_DRIVER"] = "lab.tui.web_driver:LabWebDriver"
        return environment

    async def _open_app_process(self, width: int = 80, height: int = 24) -> Any:
        # textual-serve hands its command to /bin/sh; the argv is run as it is instead.
        self._process = process = await asyncio.create_subprocess_exec(
            *self.argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=self._build_environment(width, height),
        )
        self._stdin = process.stdin
        return process

    async def on_data(self, payload: bytes) -> None:
        # A closed socket must not end the reading: an app whose output pipe fills up blocks
        # and never reads the quit below (20 such labs outlived their sockets by minutes).
        with contextlib.suppress(ConnectionError, RuntimeError):
            await super().on_data(payload)

    async def on_meta(self, data: bytes) -> None:
        with contextlib.suppress(ConnectionError, RuntimeError):
            await super().on_meta(data)

    async def stop(self) -> None:
        """Ask the app to quit; SIGTERM it, then kill it, if it does not. Safe to call twice."""
        if self._task is None:
            return
        if self._stopping is None:
            self._stopping = asyncio.create_task(self._stop())
        # Shielded: a server shutting down cancels handlers, and a half-stopped lab stays behind.
        await asyncio.shield(self._stopping)

    async def _stop(self) -> None:
        await self._download_manager.cancel_app_downloads(app_service_id=self.app_service_id)
        await self.send_meta({"type": "quit"})
        process = self._process
        if process is not None:
            for step, grace in (("terminate", QUIT_GRACE), ("kill", TERM_GRACE)):
                try:
                    await asyncio.wait_for(process.wait(), grace)
                    break
                except TimeoutError:
                    log.warning("seclab serve: session %s did not end; %s", process.pid, step)
                    with contextlib.suppress(ProcessLookupError):
                        getattr(process, step)()
            await process.wait()
        if self._task is not None:
            await self._task
            self._task = None


class Viewer:
    """One attendee's socket: frames are queued, so a slow viewer never slows the lab."""

    def __init__(self, websocket: web.WebSocketResponse) -> None:
        self.websocket = websocket
        self._queue: asyncio.Queue[bytes | None] = asyncio.Queue(VIEWER_BACKLOG)
        self._sender = asyncio.create_task(self._send())

    def put(self, data: bytes) -> None:
        try:
            self._queue.put_nowait(data)
        except asyncio.QueueFull:
            log.info("seclab serve: a viewer fell behind; dropped (a reload reconnects it)")
            self.close()

    def close(self) -> None:
        self._sender.cancel()
        asyncio.ensure_future(self.websocket.close())

    async def _send(self) -> None:
        with contextlib.suppress(ConnectionError, RuntimeError):
            while (data := await self._queue.get()) is not None:
                await self.websocket.send_bytes(data)


class _HideKeys(logging.Filter):
    """Replaces the keys in aiohttp's access log lines (`?key=…`, `/ws/…`) with `…`: the
    terminal that prints them may be on the projector."""

    _KEY = re.compile(r"(key=|/ws/)[^\s\"&?]+")

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        hidden = self._KEY.sub(r"\1…", text)
        if hidden != text:
            record.msg, record.args = hidden, None
        return True


class LabServer(Server):
    """textual-serve's server with keys, an Origin check, caps and viewers."""

    def initialize_logging(self) -> None:
        super().initialize_logging()
        logging.getLogger("aiohttp.access").addFilter(_HideKeys())

    def __init__(self, config: ServeConfig) -> None:
        super().__init__(
            shlex.join(config.argv),
            host=config.host,
            port=config.port,
            title="seclab",
            public_url=config.url,
        )
        self.config = config
        slots = 1 if config.shared else config.max_sessions
        self._slots = asyncio.Semaphore(slots)
        self._sessions: dict[LabAppService, web.WebSocketResponse] = {}
        self._viewers: set[Viewer] = set()
        self._presenter: LabAppService | None = None

    # -- the routes -------------------------------------------------------------------------

    async def _make_app(self) -> web.Application:
        app = web.Application()
        aiohttp_jinja2.setup(app, loader=self._template_loader())
        app.add_routes(
            [
                web.get("/", self.handle_index, name="index"),
                web.get("/ws/{key}", self.handle_websocket, name="websocket"),
                web.static("/static", self.statics_path, name="static"),
            ]
        )
        app.on_startup.append(self.on_startup)
        app.on_shutdown.append(self.on_shutdown)
        return app

    def _template_loader(self) -> Any:
        import jinja2

        return jinja2.FileSystemLoader(self.templates_path)

    def _role(self, key: str | None) -> str | None:
        """`presenter`, `viewer`, or None for a missing or wrong key (compared in constant time)."""
        if not key:
            return None
        if secrets.compare_digest(key, self.config.presenter_key):
            return "presenter"
        viewer_key = self.config.viewer_key
        if viewer_key is not None and secrets.compare_digest(key, viewer_key):
            return "viewer"
        return None

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        key = request.query.get("key")
        if self._role(key) is None:
            raise web.HTTPForbidden(
                text="seclab serve: this page needs its key: open the address `seclab serve` "
                "printed (it ends in ?key=…).\n"
            )
        base = self.config.url or f"{request.scheme}://{request.host}"
        ws_base = "wss:" if base.startswith("https:") else "ws:"
        font_size = _to_int(request.query.get("fontsize", "16"), 16)
        context = {
            "font_size": max(6, min(font_size, 64)),
            "app_websocket_url": ws_base + base.split(":", 1)[1] + f"/ws/{key}",
            "config": {"static": {"url": f"{base}/static/"}},
            "application": {"name": "seclab"},
        }
        response = aiohttp_jinja2.render_template("app_index.html", request, context)
        response.headers["Referrer-Policy"] = "no-referrer"  # the key is in the page's URL
        response.headers["Cache-Control"] = "no-store"
        return response

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        role = self._role(request.match_info.get("key"))
        if role is None:
            raise web.HTTPForbidden(text="seclab serve: wrong or missing key.\n")
        origin = request.headers.get("Origin")
        if not origin_allowed(origin, request.headers.get("Host"), self.config.address):
            log.warning("seclab serve: refused a websocket from Origin %s", origin)
            raise web.HTTPForbidden(text=f"seclab serve: Origin {origin} is not this lab's page.\n")
        if role == "viewer":
            return await self._view(request)
        try:
            await asyncio.wait_for(self._slots.acquire(), SLOT_WAIT)
        except TimeoutError:
            raise web.HTTPServiceUnavailable(
                text="seclab serve: "
                + (
                    "the presenter's lab is already open in another tab; close it first.\n"
                    if self.config.shared
                    else f"{self.config.max_sessions} sessions are open (--max-sessions); "
                    "close one first.\n"
                )
            ) from None
        try:
            return await self._present(request)
        finally:
            self._slots.release()

    # -- a session that runs the lab ----------------------------------------------------------

    async def _present(self, request: web.Request) -> web.WebSocketResponse:
        websocket = web.WebSocketResponse(heartbeat=15, max_msg_size=1 << 20)
        width, height = clamp_size(request.query.get("width"), request.query.get("height"))
        await websocket.prepare(request)

        async def write_bytes(data: bytes) -> None:
            if self._presenter is service:
                for viewer in list(self._viewers):
                    viewer.put(data)
            if not websocket.closed:
                await websocket.send_bytes(data)

        async def write_str(data: str) -> None:
            if not websocket.closed:
                await websocket.send_str(data)

        async def close() -> None:
            await websocket.close()

        service = LabAppService(
            self.config.argv,
            write_bytes=write_bytes,
            write_str=write_str,
            close=close,
            server=self,
        )
        self._sessions[service] = websocket
        if self.config.shared:
            self._presenter = service
        try:
            await service.start(width, height)
            await self._presenter_messages(websocket, service)
        except Exception as error:  # a broken session must not take the server with it
            log.exception(error)
        finally:
            await service.stop()
            self._sessions.pop(service, None)
            if self._presenter is service:
                self._presenter = None
                for viewer in list(self._viewers):
                    viewer.put(ENDED)
        return websocket

    async def _presenter_messages(
        self, websocket: web.WebSocketResponse, service: LabAppService
    ) -> None:
        """The browser's keys, size and focus, checked before they reach the app."""
        async for message in websocket:
            if message.type != WSMsgType.TEXT:
                continue
            kind, data = _envelope(message.data)
            if kind == "stdin" and isinstance(data, str):
                await service.send_bytes(data.encode("utf-8"))
            elif kind == "resize" and isinstance(data, dict):
                await service.set_terminal_size(*clamp_size(data.get("width"), data.get("height")))
            elif kind == "ping":
                await websocket.send_json(["pong", data])
            elif kind == "blur":
                await service.blur()
            elif kind == "focus":
                await service.focus()

    # -- an attendee who watches -------------------------------------------------------------

    async def _view(self, request: web.Request) -> web.WebSocketResponse:
        if len(self._viewers) >= self.config.max_viewers:
            raise web.HTTPServiceUnavailable(
                text=f"seclab serve: {self.config.max_viewers} viewers already watch "
                "(--max-viewers).\n"
            )
        websocket = web.WebSocketResponse(heartbeat=15, max_msg_size=4096)
        await websocket.prepare(request)
        viewer = Viewer(websocket)
        self._viewers.add(viewer)
        presenter = self._presenter
        viewer.put(VIEWER_PREAMBLE + (b"" if presenter is not None else WAITING))
        if presenter is not None:
            await presenter.send_meta({"type": "repaint"})
        try:
            # Keys, clicks and sizes from a viewer go nowhere: it only watches.
            async for message in websocket:
                if message.type == WSMsgType.TEXT:
                    kind, data = _envelope(message.data)
                    if kind == "ping":
                        await websocket.send_json(["pong", data])
        finally:
            self._viewers.discard(viewer)
            viewer.close()
        return websocket

    # -- start and stop ---------------------------------------------------------------------

    async def on_startup(self, app: web.Application) -> None:
        """The command printed the addresses; textual-serve's banner would print a keyless one."""

    async def on_shutdown(self, app: web.Application) -> None:
        """Stop every lab before the server goes: none is left running behind it."""
        for viewer in list(self._viewers):
            viewer.close()
        for websocket in list(self._sessions.values()):
            with contextlib.suppress(Exception):
                await websocket.close()
        await asyncio.gather(*(service.stop() for service in list(self._sessions)))

    @property
    def sessions(self) -> int:
        return len(self._sessions)


def _envelope(text: str) -> tuple[object, object]:
    """A browser message's kind and data, or (None, None) when it is not `[kind, data]`."""
    try:
        envelope = json.loads(text)
    except ValueError:
        return None, None
    if not isinstance(envelope, list) or not envelope:
        return None, None
    return envelope[0], envelope[1] if len(envelope) > 1 else None


def serve(config: ServeConfig) -> None:
    """Serve the lab until Ctrl-C."""
    LabServer(config).serve()
