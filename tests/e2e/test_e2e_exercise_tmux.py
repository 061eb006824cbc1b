"""The real `seclab start` in tmux solves an exercise with an outside editor: the file is
written from outside the lab while it runs, and the lab notices and checks it."""

from __future__ import annotations

import shutil
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_e2e_tmux import REPO, Pane, _tmux

pytestmark = [pytest.mark.e2e, pytest.mark.root]

WRONG = """{"defaultAction": "SCMP_ACT_ALLOW",
 "syscalls": [{"names": ["chmod"], "action": "SCMP_ACT_ERRNO"}]}
"""
RIGHT = """{"defaultAction": "SCMP_ACT_ALLOW",
 "syscalls": [{"names": ["chmod", "fchmodat", "fchmodat2"], "action": "SCMP_ACT_ERRNO",
               "errnoRet": 13}]}
"""


@pytest.fixture
def lab(lab_env: dict[str, str], tmp_path: Path) -> Iterator[tuple[Pane, Path]]:
    if shutil.which("tmux") is None:
        pytest.skip("e2e: tmux is not installed (Debian: apt-get install tmux)")
    data = tmp_path / "data"
    env = {**lab_env, "XDG_DATA_HOME": str(data)}
    name = f"ex-{uuid.uuid4().hex[:6]}"
    env_args = [f"-e{key}={env[key]}" for key in ("XDG_STATE_HOME", "XDG_DATA_HOME", "PYTHONPATH")]
    command = [sys.executable, "-m", "lab", "start", "--target", "local",
               "--lesson", "exercise-chmod"]  # fmt: skip
    _tmux("new-session", "-d", "-s", name, "-x", "160", "-y", "50", "-c", str(REPO),
          *env_args, *command)  # fmt: skip
    try:
        yield Pane(name), data / "seclab" / "workspaces" / "exercise-chmod" / "chmod.json"
    finally:
        _tmux("kill-session", "-t", name, check=False)


def test_an_exercise_solved_by_writing_the_file_from_outside(lab: tuple[Pane, Path]) -> None:
    pane, mine = lab
    pane.wait_for("the exercise to open", lambda s: "Step 1/1:" in s, timeout=60)
    pane.wait_for("the editor to show the file", lambda s: "your file:" in s)
    assert mine.is_file() and "SCMP_ACT_LOG" in mine.read_text()  # the starting file
    mine.write_text(WRONG)  # an outside editor saves a wrong answer: EPERM, not EACCES
    screen = pane.wait_for("the lab to check the saved file", lambda s: "not yet" in s, 120)
    assert "Operation not permitted" in screen
    mine.write_text(RIGHT)
    pane.wait_for("the exercise to pass", lambda s: "✔ passed" in s, 120)
    pane.keys("q")
    pane.wait_for("seclab to exit", lambda s: not pane.alive() or "Lessons" not in s)
