"""Drive headless Chromium over the DevTools protocol: open a page, read its websocket, screenshot.

textual-serve draws the app with xterm.js on a canvas, so the page's DOM holds no text; what
the app sends travels in the page's websocket, which the DevTools protocol lets us read.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import re
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[@-_]")

CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--window-size=1280,800",
)  # fmt: skip


def chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@dataclass
class PageVisit:
    """What the page received and showed."""

    text: str = ""  # everything the page's websockets received, escape codes removed
    body_class: str = ""
    screenshot: Path | None = None
    frames: int = 0
    log: list[str] = field(default_factory=list)


async def visit(url: str, workdir: Path, wanted: list[str], timeout: float = 90) -> PageVisit:
    """Open `url`, wait until every `wanted` string arrived over its websocket, screenshot it."""
    binary = chromium()
    assert binary is not None
    profile = workdir / "chromium-profile"
    argv = [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--remote-debugging-port=0"]
    with (workdir / "chromium.log").open("w") as log:
        proc = subprocess.Popen(
            [*argv, "about:blank"], stdin=subprocess.DEVNULL, stdout=log, stderr=log
        )
    try:
        return await _drive(url, profile, workdir, wanted, timeout)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


async def _drive(
    url: str, profile: Path, workdir: Path, wanted: list[str], timeout: float
) -> PageVisit:
    deadline = time.monotonic() + timeout
    port_file = profile / "DevToolsActivePort"
    while not port_file.exists() or not port_file.read_text().strip():
        assert time.monotonic() < deadline, "chromium never opened its DevTools port"
        await asyncio.sleep(0.1)
    port = int(port_file.read_text().split()[0])
    visit = PageVisit()
    async with aiohttp.ClientSession() as http:
        async with http.get(f"http://127.0.0.1:{port}/json/list") as response:
            targets = await response.json(content_type=None)
        page = next(t for t in targets if t.get("type") == "page")
        async with http.ws_connect(page["webSocketDebuggerUrl"], max_msg_size=0) as ws:
            ids = itertools.count(1)

            async def call(method: str, **params: Any) -> dict[str, Any]:
                ident = next(ids)
                await ws.send_str(json.dumps({"id": ident, "method": method, "params": params}))
                while True:
                    message = json.loads((await ws.receive(timeout=30)).data)
                    _collect(visit, message)
                    if message.get("id") == ident:
                        return dict(message.get("result") or {})

            await call("Network.enable")
            await call("Page.enable")
            await call("Page.navigate", url=url)
            while not all(word in visit.text for word in wanted):
                remaining = deadline - time.monotonic()
                assert remaining > 0, f"never received {wanted}; got {visit.text[-2000:]!r}"
                try:
                    message = await ws.receive(timeout=min(remaining, 5))
                except TimeoutError:
                    continue
                _collect(visit, json.loads(message.data))
            await asyncio.sleep(1.0)  # let xterm.js paint the last frames before the picture
            result = await call(
                "Runtime.evaluate", expression="document.body.className", returnByValue=True
            )
            visit.body_class = str(result.get("result", {}).get("value", ""))
            shot = await call("Page.captureScreenshot", format="png")
            visit.screenshot = workdir / "serve.png"
            visit.screenshot.write_bytes(base64.b64decode(shot["data"]))
    return visit


def _collect(visit: PageVisit, message: dict[str, Any]) -> None:
    if message.get("method") != "Network.webSocketFrameReceived":
        return
    response = message["params"]["response"]
    data = response.get("payloadData", "")
    if response.get("opcode") == 2:  # binary frames arrive base64-encoded
        data = base64.b64decode(data).decode("utf-8", "replace")
    visit.frames += 1
    visit.text += _ANSI.sub("", data)
