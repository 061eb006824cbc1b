"""Time from `seclab start` until the lesson list and the step text are on screen, against a
minimal Textual app started the same way.

Both run the same way: a fresh process in a fresh 160x50 tmux window, polled every 10 ms.
The figure that counts (target ratio ≤ 1.5) stops when the learner can start: the lesson list
is filled and the first step's text is shown. Also printed: the first full frame (every
pane's title, the tabs and the key bar), the panes' insides (the audit filter box and the
workloads table, mounted right after the first frame) and the lesson list alone.
Run: python bench/bench_tui_startup.py [--runs 5] [--cold]. Figures only.
`--cold` removes the lesson cache before each run (the first start after an install or an edit).
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
            while not mark(screen := tmux(server, "capture-pane", "-p")):
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{argv} never drew the expected screen:\n{screen}")
                time.sleep(0.01)
            times.append(time.monotonic() - start)
    finally:
        tmux(server, "kill-server")
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cold", action="store_true", help="no lesson cache at each start")
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
        ready: list[float] = []
        for _ in range(args.runs):
            if args.cold:
                shutil.rmtree(Path(tmp) / "state", ignore_errors=True)
            base += time_until(
                [sys.executable, str(minimal)],
                [lambda s: "minimal app ready" in s and "Quit" in s],
                REPO,
            )
            shown = time_until(
                lab,
                [lambda s: "Lessons" in s and "Run" in s and "Audit" in s,
                 lambda s: "filter:" in s and "workload" in s,
                 lambda s: "Is seccomp here?" in s,
                 # The first step of the first lesson (a fresh state folder: no progress).
                 lambda s: "Is seccomp here?" in s and "Seccomp is a kernel feature" in s],
                REPO,
            )  # fmt: skip
            first.append(shown[0])
            panes.append(shown[1])
            lessons.append(shown[2])
            ready.append(shown[3])
    b, f, p, le, r = (statistics.median(x) for x in (base, first, panes, lessons, ready))
    print(f"runs: {args.runs} each (median, then min-max)")
    print(f"minimal Textual app, first full frame: {b * 1000:.0f} ms {spread(base)}")
    print(
        f"seclab start, first full frame: {f * 1000:.0f} ms {spread(first)}, "
        f"ratio {f / b:.2f} (target ≤ 1.5)"
    )
    print(f"seclab start, panes filled (audit filter, workloads table): {p * 1000:.0f} ms, "
          f"ratio {p / b:.2f}")  # fmt: skip
    print(f"seclab start, lesson list filled: {le * 1000:.0f} ms, ratio {le / b:.2f}")
    print(
        f"seclab start, lesson list and step text on screen: {r * 1000:.0f} ms {spread(ready)}, "
        f"ratio {r / b:.2f} (target ≤ 1.5){' (cold: no lesson cache)' if args.cold else ''}"
    )


def spread(values: list[float]) -> str:
    return f"({min(values) * 1000:.0f}-{max(values) * 1000:.0f})"


if __name__ == "__main__":
    main()
