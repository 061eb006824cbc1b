"""`seclab prepare` on the local target, for real: the kernel, libseccomp and the lesson files.

Nothing is faked: the doctor looks at this machine, lessons load from a data folder chosen with
SECLAB_DATA, and every profile is linted and compiled by libseccomp.
"""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result

from lab.cli import cli

BROKEN_LESSON = """\
id: broken-room
title: A lesson whose profile is broken
summary: Runs the echo workload under a profile with a misspelt action.
targets: [local, docker, kind]
steps:
  - id: echo
    title: Echo
    text: Start it.
    actions:
      - run: {name: broken-pod, workload: http-echo, profile: broken.json}
"""


def prepare(*args: str) -> Result:
    result = CliRunner().invoke(cli, ["prepare", *args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def crosses(out: str) -> list[str]:
    return [line.strip() for line in out.splitlines() if line.strip().startswith("✘")]


def test_the_shipped_course_is_ready_on_local() -> None:
    # The repository's own lessons and profiles: a broken one would be found here first.
    result = prepare()
    assert result.exit_code == 0, result.output
    assert crosses(result.stdout) == []
    assert "lint clean and compile with libseccomp on this kernel" in result.stdout
    assert "Ready: nothing will download during the talk." in result.stdout


def test_our_course_is_ready_and_says_what_it_checked(course: Path) -> None:
    result = prepare("--target", "local")
    assert result.exit_code == 0, result.output
    assert "all 1 load; 1 run on local" in result.stdout
    assert "1 lint clean and compile" in result.stdout
    assert "[   0.0s] doctor:" in result.stderr  # progress, stamped, on standard error


def test_a_broken_profile_is_a_cross_naming_the_file_and_the_fix(course: Path) -> None:
    broken = course / "profiles" / "broken.json"
    broken.write_text('{"defaultAction": "SCMP_ACT_LOGG"}\n')
    (course / "lessons" / "broken-room.yaml").write_text(BROKEN_LESSON)
    result = prepare()
    assert result.exit_code == 1
    [cross] = crosses(result.stdout)
    assert "profile broken.json" in cross and f"{broken}:1:19" in cross
    assert "SCMP_ACT_LOGG" in cross and 'did you mean "SCMP_ACT_LOG"' in cross
    assert f"fix: seclab lint {broken}" in result.stdout
    assert "Not ready: 1 item(s)" in result.stdout


def test_a_profile_libseccomp_cannot_load_here_is_a_cross(course: Path) -> None:
    # Lint accepts it (NOTIFY with no listener is a warning), but there is no listener to
    # hand the syscall to, so the local target's compiler refuses it.
    notify = '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], '
    notify += '"action": "SCMP_ACT_NOTIFY"}]}\n'
    (course / "profiles" / "broken.json").write_text(notify)
    (course / "lessons" / "broken-room.yaml").write_text(BROKEN_LESSON)
    result = prepare()
    assert result.exit_code == 1
    [cross] = crosses(result.stdout)
    assert "does not compile here" in cross and "SCMP_ACT_NOTIFY" in cross


def test_a_broken_lesson_file_is_a_cross_with_its_place(course: Path) -> None:
    (course / "lessons" / "draft.yaml").write_text("id: draft\ntitle:\tTabbed\n")
    result = prepare()
    assert result.exit_code == 1
    [cross] = crosses(result.stdout)
    assert "lesson file draft.yaml" in cross and "draft.yaml:2" in cross
    assert "fix: edit " in result.stdout


def test_a_broken_file_the_talk_does_not_play_is_mentioned_not_crossed(course: Path) -> None:
    (course / "lessons" / "draft.yaml").write_text("id: draft\ntitle:\tTabbed\n")
    result = prepare("--lesson", "room")
    assert result.exit_code == 0, result.output
    assert "played on local: room (not loaded, not played: draft.yaml)" in result.stdout
