"""`seclab serve` opened in headless Chromium: the lab reaches the page and is drawn."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e_browser import chromium, visit

REPO = Path(__file__).resolve().parent.parent.parent

pytestmark = pytest.mark.e2e


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def served(lab_env: dict[str, str], tmp_path: Path) -> Iterator[str]:
    if chromium() is None:
        pytest.skip("e2e: chromium is not installed (Debian: apt-get install chromium)")
    port = _free_port()
    argv = [sys.executable, "-m", "lab", "serve", "--port", str(port), "--target", "local",
            "--lesson", "audit"]  # fmt: skip
    with (tmp_path / "serve.log").open("w") as log:
        server = subprocess.Popen(
            argv, cwd=REPO, env=lab_env, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
            start_new_session=True,  # its own group: the lab it started is stopped with it
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert server.poll() is None, (tmp_path / "serve.log").read_text()
                assert time.monotonic() < deadline, "seclab serve never listened"
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}/"
    finally:
        os.killpg(server.pid, signal.SIGINT)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def test_the_lab_in_a_browser(served: str, tmp_path: Path) -> None:
    page = asyncio.run(
        visit(served, tmp_path, ["Lessons", "Audit: watch a workload", "Commands the target"])
    )
    assert "-first-byte" in page.body_class  # the page hid its intro: the app is drawing
    assert "seclab" in page.text and "target: local" in page.text
    assert page.screenshot is not None and page.screenshot.stat().st_size > 20_000
