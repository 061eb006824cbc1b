"""`seclab serve` opened in headless Chromium: the lab reaches the page and is drawn."""

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

import pytest
from e2e_browser import chromium, visit

REPO = Path(__file__).resolve().parent.parent.parent

pytestmark = pytest.mark.e2e


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(lab_env: dict[str, str], tmp_path: Path) -> Iterator[str]:
    """`seclab serve` on a free local port until the block ends (then SIGINT, as Ctrl-C)."""
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
        # The page needs the secret key the command printed.
        printed = re.search(r"http://\S+/\?key=\S+", (tmp_path / "serve.log").read_text())
        assert printed is not None, (tmp_path / "serve.log").read_text()
        yield printed.group(0)
    finally:
        os.killpg(server.pid, signal.SIGINT)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def _labs_of(state_dir: str) -> list[int]:
    """Live `seclab start` processes run with this test's state directory (the served apps,
    which textual-serve starts in sessions of their own, on a terminal it closes at the end)."""
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


def test_the_lab_in_a_browser_and_no_lab_left_when_the_server_stops(
    lab_env: dict[str, str], tmp_path: Path
) -> None:
    if chromium() is None:
        pytest.skip("e2e: chromium is not installed (Debian: apt-get install chromium)")
    state = lab_env["XDG_STATE_HOME"]
    with serving(lab_env, tmp_path) as url:
        page = asyncio.run(
            visit(url, tmp_path, ["Lessons", "Audit: watch a workload", "Commands the target"])
        )
        served = _labs_of(state)
    assert "-first-byte" in page.body_class  # the page hid its intro: the app is drawing
    assert "seclab" in page.text and "target: local" in page.text
    assert page.screenshot is not None and page.screenshot.stat().st_size > 20_000
    assert served, "no `seclab start` of this test drew the page"
    # Stopping the server ends each lab it served (and so the workloads those labs started).
    deadline = time.monotonic() + 30
    while (left := _labs_of(state)) and time.monotonic() < deadline:
        time.sleep(0.2)
    for pid in left:  # a failed run must not leave them to the next test
        os.kill(pid, signal.SIGKILL)
    assert not left, f"served labs still running after the server stopped: {left}"
