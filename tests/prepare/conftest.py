"""A small course of our own for `seclab prepare`, selected with SECLAB_DATA.

The repository's lessons and profiles change with the course; these tests need a folder whose
every file they know (the kind transcripts name each profile and its sha256).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent.parent
REPO = TESTS.parent
sys.path.insert(0, str(TESTS / "targets" / "kind"))  # transcripts.py, the strict replay runner

# The same bytes as tests/fixtures/kind's audit.json, so the recorded sha256 matches.
AUDIT = '{"defaultAction": "SCMP_ACT_LOG"}\n'
LESSON = """\
id: room
title: A lesson for the room
summary: Starts the echo workload under audit.json and runs one busybox command.
targets: [local, docker, kind]
steps:
  - id: echo
    title: Echo under audit
    text: Start the echo workload.
    actions:
      - run: {name: room-pod, workload: http-echo, profile: audit.json}
  - id: once
    title: One command
    text: Run ls under audit.
    actions:
      - run_once: {name: room-once, command: [ls, /], profile: audit.json}
"""


@pytest.fixture
def course(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A data folder with one lesson and audit.json; state (kind configs) goes to tmp too."""
    from lab import paths

    data = tmp_path / "course"
    (data / "lessons").mkdir(parents=True)
    (data / "profiles").mkdir()
    (data / "lessons" / "room.yaml").write_text(LESSON)
    (data / "profiles" / "audit.json").write_text(AUDIT)
    (data / "kind.yaml").write_text((REPO / "kind.yaml").read_text())
    monkeypatch.setenv("SECLAB_DATA", str(data))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    paths.data_root.cache_clear()  # cached: forget the repository's folder now and after
    yield data
    monkeypatch.undo()
    paths.data_root.cache_clear()
