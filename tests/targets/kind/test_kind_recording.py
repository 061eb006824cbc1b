"""The kind runner's recording mode writes transcripts in the fixtures' format, from real
commands (here: real processes of this machine's Python, as kind may be absent)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import transcripts
from transcripts import KIND_FIXTURES, TranscriptRunner, check_source

from lab.targets.commands import CommandError, SubprocessRunner
from lab.targets.kind.recording import RecordingRunner, maybe_recording

VERSIONS = dict.fromkeys(transcripts.RECORDED_KEYS, "x")


def test_every_fixture_says_where_it_came_from() -> None:
    names = sorted(KIND_FIXTURES.glob("*.json"))
    assert len(names) > 30
    for path in names:
        check_source(path.stem, json.loads(path.read_text()))


def test_a_recording_replays_as_a_fixture(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "recorded.json"
    record = RecordingRunner(
        SubprocessRunner(), path, replace={str(tmp_path): "{state}"}, read_versions=lambda: VERSIONS
    )
    say = [sys.executable, "-c", f"print('in {tmp_path}')"]
    fail = [sys.executable, "-c", "import sys; sys.exit('no')"]
    echo = [sys.executable, "-c", "import sys; print(sys.stdin.read())"]
    assert record(say, timeout=30).stdout == f"in {tmp_path}\n"
    with pytest.raises(CommandError):
        record(fail, timeout=30)
    record(echo, timeout=30, input='{"kind": "Pod"}')
    streamed: list[str] = []
    record.stream(say, timeout=30, on_line=streamed.append)
    assert streamed == [f"in {tmp_path}"]

    data = json.loads(path.read_text())
    check_source("recorded", data)
    steps = data["steps"]
    assert steps[0]["stdout"] == "in {state}\n" and steps[1]["exit"] == 1
    assert steps[1]["stderr"] == "no\n" and steps[2]["stdin_json"] == {"kind": "Pod"}
    # The recorded transcript replays through the tests' strict runner.
    monkeypatch.setattr(transcripts, "KIND_FIXTURES", tmp_path)
    replay = TranscriptRunner("recorded", values={"state": str(tmp_path)})
    assert replay(say, timeout=1).stdout == f"in {tmp_path}\n"
    assert replay(fail, timeout=1, check=False).returncode == 1
    assert replay(echo, timeout=1, input='{"kind": "Pod"}').returncode == 0
    replay.stream(say, timeout=1)
    replay.assert_done()


def test_only_with_the_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inner = SubprocessRunner()
    monkeypatch.delenv("SECLAB_KIND_RECORD", raising=False)
    assert maybe_recording(inner) is inner
    monkeypatch.setenv("SECLAB_KIND_RECORD", str(tmp_path / "t.json"))
    assert isinstance(maybe_recording(inner), RecordingRunner)
