"""seclab on a real kind cluster: cluster-up time, each kind lesson's time, and the lab's overhead
over the same kind/kubectl/docker commands run by hand.

Run from a checkout where kind, kubectl and a kind node image are present, with no cluster named
"seclab" (the bench makes and deletes its own, under the lab's name):

    sudo PYTHONPATH=. .venv/bin/python bench/bench_kind.py [LESSON ...]

1. `seclab cluster up` (shipped kind.yaml), timed; then `seclab cluster down`; then the raw
   `kind create cluster` with the config seclab generated, timed (and deleted).
2. `seclab cluster up` again, then for each lesson: `seclab run L --target kind --auto`, timed,
   with SECLAB_KIND_RECORD recording every command it ran; then the recorded commands (same argv,
   same stdin) run back to back by a plain subprocess loop, timed. Overhead = lab / raw - 1: the
   lab's own work (Python start, lesson loading, decisions, audit capture, output).
   Image loading (`docker save`, `kind load`, `docker import`) is left out of both: its archive
   is a temporary file, gone after the run.
3. `seclab cluster down`. Figures only, no assertions.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SKIP = (("kind", "load"), ("docker", "save"), ("docker", "import"))


def seclab(*args: str, env: dict[str, str] | None = None) -> tuple[float, int, str]:
    began = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "lab", *args], cwd=REPO, stdin=subprocess.DEVNULL,
        capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})},
        check=False,
    )  # fmt: skip
    return time.monotonic() - began, done.returncode, done.stdout + done.stderr


def raw(argv: list[str], stdin: str | None = None) -> float:
    began = time.monotonic()
    subprocess.run(argv, input=stdin, capture_output=True, text=True, check=False, timeout=900)
    return time.monotonic() - began


def replay(transcript: Path) -> tuple[float, int]:
    """The recorded commands, run again by hand: their total time and how many ran."""
    data = json.loads(transcript.read_text())
    total, count = 0.0, 0
    for step in data["steps"]:
        argv = step["argv"]
        if tuple(argv[:2]) in SKIP or any("{" in a for a in argv):
            continue
        stdin = step.get("stdin")
        if "stdin_json" in step:
            stdin = json.dumps(step["stdin_json"])
        total += raw(argv, stdin)
        count += 1
    return total, count


def lessons() -> list[str]:
    sys.path.insert(0, str(REPO))
    from lab.course.loader import load_each_lesson

    found = [lesson for lesson in load_each_lesson()[0] if lesson.supports("kind")]
    return [lesson.id for lesson in sorted(found, key=lambda lesson: lesson.order)]


def main() -> None:
    chosen = sys.argv[1:] or lessons()
    if "seclab" in subprocess.run(["kind", "get", "clusters"], capture_output=True, text=True,
                                  check=False).stdout.split():  # fmt: skip
        sys.exit("a kind cluster named seclab exists: the bench makes its own; delete it first")
    state = Path(tempfile.mkdtemp(prefix="seclab-bench-"))
    env = {"XDG_STATE_HOME": str(state)}
    version = subprocess.run(["kind", "version"], capture_output=True, text=True, check=False)
    print(f"kind: {version.stdout.strip()}")
    try:
        up, code, out = seclab("cluster", "up", env=env)
        print(f"seclab cluster up        {up:7.1f} s  (exit {code})")
        if code != 0:
            print(out[-3000:])
            return
        seclab("cluster", "down", env=env)
        config = state / "seclab" / "kind-seclab.yaml"
        create = ["kind", "create", "cluster", "--name", "seclab", "--config", str(config),
                  "--wait", "120s"]  # fmt: skip
        by_hand = raw(create)
        raw(["kind", "delete", "cluster", "--name", "seclab"])
        print(f"kind create cluster      {by_hand:7.1f} s  (same config, by hand)")
        print(f"cluster up overhead      {100 * (up / by_hand - 1):+6.1f} %")
        up, code, _ = seclab("cluster", "up", env=env)
        print(f"\n{'lesson':24} {'seclab':>8} {'by hand':>8} {'overhead':>9}  commands  exit")
        lab_sum = raw_sum = 0.0
        for lesson in chosen:
            record = state / f"{lesson}.json"
            took, code, _ = seclab("run", lesson, "--target", "kind", "--auto", "--reset",
                                   env={**env, "SECLAB_KIND_RECORD": str(record)})  # fmt: skip
            by_hand, count = replay(record) if record.exists() else (0.0, 0)
            over = f"{100 * (took / by_hand - 1):+8.1f}%" if by_hand else "       -"
            print(f"{lesson:24} {took:7.1f}s {by_hand:7.1f}s {over}  {count:8d}  {code:4d}")
            lab_sum, raw_sum = lab_sum + took, raw_sum + by_hand
            seclab("reset", "--target", "kind", env=env)
        if raw_sum:
            print(
                f"{'all':24} {lab_sum:7.1f}s {raw_sum:7.1f}s {100 * (lab_sum / raw_sum - 1):+8.1f}%"
            )
    finally:
        seclab("cluster", "down", env=env)
        print(f"\n(transcripts of the runs: {state})")


if __name__ == "__main__":
    main()
