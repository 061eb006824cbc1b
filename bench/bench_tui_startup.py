"""Time from `seclab start` to its first full frame, against a minimal Textual app.

Both run the same way: a fresh process in a fresh 160x50 tmux window; the clock stops when
the captured pane shows the app's full layout: every pane's title, the tabs and the key bar
(polled every 10 ms). Also printed: the time until the panes' insides are filled (the audit
filter box and the workloads table are mounted right after the first frame) and until the
lesson list is filled (the session is made on a worker after the first frame).
Run: python bench/bench_tui_startup.py [--runs 5]. Figures only; the target ratio is ≤ 1.5.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
MINIMAL_APP = """\
from textual.app import App
from textual.widgets import Footer, Header, Static


class Minimal(App):
    BINDINGS = [("q", "quit", "Quit")]

    def compose(self):
        yield Header()
        yield Static("minimal app ready")
        yield Footer()


Minimal().run()
"""
ENV = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "ROWS")}


def tmux(server: str, *args: str) -> str:
    done = subprocess.run(
        ["tmux", "-L", server, *args], stdin=subprocess.DEVNULL, capture_output=True,
        text=True, timeout=30, env=ENV, check=False,
    )  # fmt: skip
    return done.stdout


def time_until(argv: list[str], marks: list[Callable[[str], bool]], cwd: Path) -> list[float]:
    """Seconds from launch until each mark holds on the screen (in order)."""
    server = f"seclab-bench-{uuid.uuid4().hex[:8]}"
    tmux(server, "start-server")
    times: list[float] = []
    try:
        start = time.monotonic()
        tmux(server, "new-session", "-d", "-x", "160", "-y", "50", "-c", str(cwd), *argv)
        for mark in marks:
            deadline = start + 60
            while not mark(tmux(server, "capture-pane", "-p")):
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{argv} never drew the expected screen")
                time.sleep(0.01)
            times.append(time.monotonic() - start)
    finally:
        tmux(server, "kill-server")
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    if shutil.which("tmux") is None:
        print("tmux is not installed: nothing to measure (apt-get install tmux)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        minimal = Path(tmp) / "minimal.py"
        minimal.write_text(MINIMAL_APP)
        ENV["XDG_STATE_HOME"] = str(Path(tmp) / "state")
        lab = [sys.executable, "-m", "lab", "start", "--target", "local"]
        base: list[float] = []
        first: list[float] = []
        lessons: list[float] = []
        panes: list[float] = []
        for _ in range(args.runs):
            base += time_until(
                [sys.executable, str(minimal)],
                [lambda s: "minimal app ready" in s and "Quit" in s],
                REPO,
            )
            shown = time_until(
                lab,
                [lambda s: "Lessons" in s and "Run" in s and "Audit" in s,
                 lambda s: "filter:" in s and "workload" in s,
                 lambda s: "Is seccomp here?" in s],
                REPO,
            )  # fmt: skip
            first.append(shown[0])
            panes.append(shown[1])
            lessons.append(shown[2])
    b, f, p, le = (statistics.median(x) for x in (base, first, panes, lessons))
    print(f"runs: {args.runs} each (median, then min-max)")
    print(f"minimal Textual app, first full frame: {b * 1000:.0f} ms {spread(base)}")
    print(
        f"seclab start, first full frame: {f * 1000:.0f} ms {spread(first)}, "
        f"ratio {f / b:.2f} (target ≤ 1.5)"
    )
    print(f"seclab start, panes filled (audit filter, workloads table): {p * 1000:.0f} ms, "
          f"ratio {p / b:.2f}")  # fmt: skip
    print(f"seclab start, lesson list filled: {le * 1000:.0f} ms, ratio {le / b:.2f}")


def spread(values: list[float]) -> str:
    return f"({min(values) * 1000:.0f}-{max(values) * 1000:.0f})"


if __name__ == "__main__":
    main()
