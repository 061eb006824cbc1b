"""`seclab workspace`, `seclab check` and `lessons --json` for exercises; sudo keeps the
learner's files with the learner."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from lab import paths
from lab.cli import cli
from lab.course.loader import find_lesson
from lab.course.progress import ProgressStore
from lab.course.workspace import starting_file


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_workspace_is_created_from_the_starting_files_and_reset(tmp_path: Path) -> None:
    code, out, _ = _run("workspace", "exercise-chmod")
    where = Path(out.strip())
    assert code == 0 and where == tmp_path / "data" / "seclab" / "workspaces" / "exercise-chmod"
    lesson = find_lesson("exercise-chmod")
    mine = where / "chmod.json"
    assert mine.read_text() == starting_file(lesson, "chmod.json").read_text()
    mine.write_text('{"defaultAction": "SCMP_ACT_ALLOW"}\n')
    assert _run("workspace", "exercise-chmod")[0] == 0
    assert "ALLOW" in mine.read_text()  # asking again keeps the learner's edits
    code, out, err = _run("workspace", "exercise-chmod", "--reset")
    assert code == 0 and f"restored {mine}" in err
    assert mine.read_text() == starting_file(lesson, "chmod.json").read_text()
    # The learner's version is not lost: it is kept beside it, and the output says where.
    kept = where / "chmod.json.before-reset"
    assert kept.read_text() == '{"defaultAction": "SCMP_ACT_ALLOW"}\n'
    assert f"kept your version as {kept}" in err
    kept.unlink()
    code, out, err = _run("workspace", "exercise-chmod", "--reset")  # nothing changed: none kept
    assert code == 0 and "kept" not in err and not kept.exists()


def test_x_in_an_exercise_keeps_the_learners_file_and_says_so(tmp_path: Path) -> None:
    from lab.course.events import Event, Info
    from lab.course.runner import LessonRunner
    from lab.course.workspace import ensure
    from lab.targets.local.target import LocalTarget

    lesson = find_lesson("exercise-chmod")
    mine = ensure(lesson) / "chmod.json"
    mine.write_text('{"defaultAction": "SCMP_ACT_KILL"}\n')
    events: list[Event] = []
    runner = LessonRunner(
        lesson, LocalTarget(tmp_path / "profiles"), events.append,
        progress=ProgressStore(tmp_path / "progress"), workdir=tmp_path / "work",
    )  # fmt: skip
    runner.reset_step(lesson.steps[0])  # what `x` does in the lab
    kept = mine.with_name("chmod.json.before-reset")
    assert mine.read_text() == starting_file(lesson, "chmod.json").read_text()
    assert kept.read_text() == '{"defaultAction": "SCMP_ACT_KILL"}\n'
    said = [e for e in events if isinstance(e, Info)]
    assert any(str(kept) in e.body and "kept" in e.title for e in said), said


def test_workspace_and_check_refuse_what_is_not_an_exercise() -> None:
    code, _, err = _run("workspace", "audit")
    assert code == 2 and "no exercises" in err
    assert _run("workspace", "no-such-lesson")[0] == 2
    code, out, err = _run("check", "audit")
    assert code == 2 and "no exercise steps" in out + err
    code, out, err = _run("check", "exercise-fix-profiles", "--step", "nope")
    assert code == 2 and "exercises: comments, amd64" in out + err
    code, out, err = _run("check", "exercise-allow-list", "--target", "kind")
    assert code == 2 and "does not run on kind" in err


def test_lessons_json_marks_exercise_steps_with_their_files() -> None:
    code, out, _ = _run("lessons", "--json")
    rows = {row["id"]: row for row in json.loads(out)}
    assert code == 0
    chmod = rows["exercise-chmod"]["step_details"]
    assert chmod == [
        {"id": "chmod", "title": "Refuse chmod, and only chmod", "exercise": True,
         "files": ["chmod.json"]}
    ]  # fmt: skip
    assert not any(step["exercise"] for step in rows["audit"]["step_details"])
    exercises = [s for row in rows.values() for s in row["step_details"] if s["exercise"]]
    assert len(exercises) >= 6


@pytest.mark.root
def test_check_fails_on_the_starting_file_and_says_why_then_passes_on_a_fix() -> None:
    code, out, _ = _run("check", "exercise-fix-profiles", "--step", "mkdirat-only", "--json")
    report = json.loads(out)
    assert code == 1 and report["passed"] is False
    checks = {c["kind"]: c for c in report["steps"][0]["checks"]}
    assert checks["lint"]["passed"]  # it lints; the run is the proof
    assert not checks["output"]["passed"] and "mkdir status 0" in checks["output"]["seen"]
    assert checks["output"]["why"]
    where = Path(_run("workspace", "exercise-fix-profiles")[1].strip())
    (where / "mkdirat-only.json").write_text(
        '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": '
        '[{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}'
    )
    code, out, _ = _run("check", "exercise-fix-profiles", "--step", "mkdirat-only", "--json")
    assert code == 0 and json.loads(out)["passed"] is True


@pytest.mark.root
def test_under_sudo_progress_and_workspaces_belong_to_the_invoking_user(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # sudo drops XDG_*; the learner's account is looked up by name. No login account with a
    # home under this test's control exists here, so only that lookup is replaced: the
    # folders, files and chown calls are real.
    home = tmp_path / "learner"
    home.mkdir()
    os.chown(home, 65534, 65534)
    monkeypatch.delenv("XDG_STATE_HOME")
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("SUDO_USER", "learner")
    monkeypatch.setattr(paths, "_account", lambda name: (65534, 65534, home))
    code, out, _ = _run("workspace", "exercise-chmod")
    where = Path(out.strip())
    assert code == 0 and where == home / ".local/share/seclab/workspaces/exercise-chmod"
    ProgressStore().mark_passed("exercise-chmod", "local", "chmod")
    progress = home / ".local/state/seclab/progress/exercise-chmod--local.json"
    assert progress.is_file()
    for path in [*where.parents, where, where / "chmod.json", progress, *progress.parents]:
        if path.is_relative_to(home) and path != home:
            assert (path.stat().st_uid, path.stat().st_gid) == (65534, 65534), path


BROKEN_CHMOD = {
    "comment": '{"defaultAction": "SCMP_ACT_ALLOW", // mine\n "syscalls": []}\n',
    "amd64": '{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["amd64"]}\n',
    "action typo": '{"defaultAction": "SCMP_ACT_ALOW"}\n',
    "empty": "",
}


@pytest.mark.root
def test_check_stops_at_lint_errors_with_lints_own_fix_and_runs_nothing_else() -> None:
    where = Path(_run("workspace", "exercise-chmod")[1].strip())
    mine = where / "chmod.json"
    mine.write_text(BROKEN_CHMOD["comment"])
    code, out, err = _run("check", "exercise-chmod")
    assert code == 1
    assert f"{mine}:1:" in out  # file:line:col of lint's finding
    assert "hint: remove the comment" in out  # lint's own fix, not the step's first hint
    assert "Read the logged syscalls" not in out
    assert "decoding seccomp profile failed" not in out + err  # the trial did not run
    assert "no process ids" not in out and "does not make" not in out  # no misleading reason
    assert out.count("not run: chmod.json does not load") == 2
    for name, text in [*BROKEN_CHMOD.items(), ("a directory", None)]:
        mine.unlink(missing_ok=True)
        if text is None:
            mine.mkdir()
        else:
            mine.write_text(text)
        code, out, _ = _run("check", "exercise-chmod", "--json")
        if text is None:
            mine.rmdir()
        rows = {c["kind"]: c for c in json.loads(out)["steps"][0]["checks"]}
        assert code == 1 and not rows["lint"]["passed"], name
        assert rows["lint"]["seen"].startswith("seclab lint found"), name
        for kind in ("output", "audit"):
            assert rows[kind]["not_run"] is True and "does not load" in rows[kind]["why"], name


@pytest.mark.root
def test_check_shows_lint_warnings_and_they_explain_the_failed_trial() -> None:
    where = Path(_run("workspace", "exercise-chmod")[1].strip())
    (where / "chmod.json").write_text(
        '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": '
        '[{"names": ["chmodd"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]}'
    )
    code, out, _ = _run("check", "exercise-chmod", "--json")
    rows = {c["kind"]: c for c in json.loads(out)["steps"][0]["checks"]}
    assert code == 1 and rows["lint"]["passed"]  # it loads: the warning does not fail it
    assert "warning" in rows["lint"]["seen"]
    assert any('"chmodd"' in w and 'did you mean "chmod"' in w for w in rows["lint"]["warnings"])
    assert not rows["output"]["passed"] and '"chmodd"' in rows["output"]["why"]
    code, out, _ = _run("check", "exercise-chmod")
    assert code == 1 and "warning: " in out and 'did you mean "chmod"' in out
    # Each check's expectation is printed once (on its `?` line), not again with the failure.
    assert out.count("'Permission denied' in the output") == 1
    assert out.count("one with chmod or fchmodat or fchmodat2") == 1
