"""Lesson files: a good one loads completely; each malformed one is refused with place and fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from lab.course.errors import LessonError
from lab.course.loader import find_lesson, load_lesson, load_lessons

LESSONS = Path(__file__).resolve().parent.parent / "fixtures" / "lessons"
PROFILES = LESSONS / "profiles"


def _refusal(name: str) -> LessonError:
    with pytest.raises(LessonError) as info:
        load_lesson(LESSONS / name, PROFILES)
    return info.value


def test_good_lesson_loads_every_part() -> None:
    lesson = load_lesson(LESSONS / "good.yaml", PROFILES)
    assert (lesson.id, lesson.order, lesson.targets) == ("good", 5, ("local", "docker"))
    assert lesson.why_not("kind") == "the fixture has no kind story"
    start, mkdir = lesson.steps
    kinds = [a.kind for a in start.actions]
    assert kinds == [
        "note",
        "show_profile",
        "run",
        "derive_profile",
        "diff",
        "show_audit",
        "show_audit_sources",
    ]
    assert [c.kind for c in start.checks] == ["state", "http", "output", "audit"]
    assert start.checks[3].present == ("accept4",) and start.checks[3].only == ("local",)
    assert start.solution.actions[0].result_key == "first-answer"
    assert "sandbox loads the filter" in start.text_for("local")
    assert "sandbox" not in start.text_for("docker")
    mkdir_try, gone, _ = mkdir.actions
    assert mkdir_try.profile is not None
    assert mkdir_try.profile.for_target("local") == "block-mkdir-log.json"
    assert mkdir_try.profile.for_target("docker") == "block-mkdir.json"
    assert gone.profile is not None and gone.profile.missing
    assert mkdir.checks[0].exit_code == 1


@pytest.mark.parametrize(
    ("name", "line", "message", "fix"),
    [
        ("unknown-top-key.yaml", 2, "unknown key 'titel'", "did you mean 'title'"),
        ("unknown-step-key.yaml", 9, "unknown key 'hint' in a step", "did you mean 'hints'"),
        ("wrong-type.yaml", 12, "timeout must be a number, not the text 'soon'", "timeout: 30"),
        ("missing-required.yaml", 6, "a step has no 'text'", "add 'text:'"),
        ("missing-profile.yaml", 10, "no profile 'audti.json'", "did you mean 'audit.json'"),
        ("unknown-workload.yaml", 10, "workload 'http-eco' is not known", "'http-echo'"),
        ("unknown-action.yaml", 11, "unknown action 'requst'", "did you mean 'request'"),
        ("unknown-check-key.yaml", 12, "unknown key 'exitcode'", "did you mean 'exit_code'"),
        ("bad-yaml.yaml", 8, "not valid YAML", "indentation"),
        ("undeclared-target.yaml", 4, "says nothing about the target(s) kind", "unsupported"),
        ("check-unknown-workload.yaml", 12, "names 'audit-pd'", "did you mean 'audit-pod'"),
        ("unknown-syscall.yaml", 12, "'acept4' is not a syscall", "did you mean 'accept4'"),
        ("duplicate-step.yaml", 7, "two steps are called 'a'", "its own id"),
        ("missing-that-exists.yaml", 10, "'audit.json' exists", "does not exist"),
        ("unknown-phase.yaml", 12, "phase 'runing' is not known", "did you mean 'running'"),
        ("checks-without-hints.yaml", 6, "checks needs hints", "add 'hints:'"),
        ("request-before-run.yaml", 10, "which no earlier action started", "'run' action"),
        ("not-a-list.yaml", 6, "steps must be a list, not a mapping", "'- item'"),
    ],
)
def test_malformed_lesson_is_refused_with_place_and_fix(
    name: str, line: int, message: str, fix: str
) -> None:
    error = _refusal(name)
    assert error.line == line
    assert message in error.message
    assert error.fix is not None and fix in error.fix
    text = error.format()
    assert text.startswith(f"{LESSONS / name}:{line}:")
    assert "\n  fix: " in text


def test_every_mistake_fixture_is_tested() -> None:
    tested = {p.name for p in LESSONS.glob("*.yaml")} - {"good.yaml"}
    source = Path(__file__).read_text()
    assert all(f'"{name}"' in source for name in tested), tested


def test_unreadable_file_is_a_lesson_error(tmp_path: Path) -> None:
    with pytest.raises(LessonError, match="no such file"):
        load_lesson(tmp_path / "nowhere.yaml", PROFILES)
    unreadable = tmp_path / "locked.yaml"
    unreadable.write_text("id: x\n")
    with pytest.raises(LessonError, match="cannot read the lesson file"):
        load_lesson(unreadable / "below", PROFILES)  # ENOTDIR: neither missing nor a file


def test_find_lesson_by_id_suggests_a_close_one(tmp_path: Path) -> None:
    (tmp_path / "first.yaml").write_text((LESSONS / "good.yaml").read_text())
    assert load_lessons(tmp_path, PROFILES)[0].id == "good"
    assert find_lesson("good", tmp_path, PROFILES).path.name == "first.yaml"
    with pytest.raises(LessonError) as info:
        find_lesson("goood", tmp_path, PROFILES)
    assert info.value.fix is not None and "did you mean 'good'" in info.value.fix


def test_actions_say_which_profile_files_they_use() -> None:
    lesson = load_lesson(LESSONS / "good.yaml", PROFILES)
    start, mkdir = lesson.steps
    show, run, derive, diff = start.actions[1:5]
    assert show.profile_files() == ("audit.json",)
    assert derive.profile_files() == ("block-mkdir.json", "block-mkdir-log.json")
    assert diff.profile_files() == ("block-mkdir.json", "block-mkdir-log.json")
    mkdir_try = mkdir.actions[0]
    assert mkdir_try.profile_files("local") == ("block-mkdir-log.json",)
    assert mkdir_try.profile_files() == ("block-mkdir.json", "block-mkdir-log.json")


def test_audit_check_takes_several_actions_a_signal_and_any_of() -> None:
    kill = find_lesson("block-mkdir").step("kill").checks[1]
    assert (kill.kind, kill.action) == ("audit", None)
    assert kill.actions == ("kill_thread", "kill_process")
    assert (kill.signal, kill.any_of) == (31, ("mkdir", "mkdirat"))
    assert kill.only == ("local", "docker")
    assert kill.audit_actions() == ("kill_thread", "kill_process")
    single = find_lesson("audit").step("request").checks[2]
    assert (single.action, single.actions, single.audit_actions()) == ("log", (), ("log",))


def test_unknown_audit_action_in_a_list_is_refused(tmp_path: Path) -> None:
    text = (LESSONS / "good.yaml").read_text()
    assert "action: log" in text
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace("action: log", "action: [log, kill_everything]", 1))
    with pytest.raises(LessonError) as info:
        load_lesson(bad, PROFILES)
    assert "kill_everything" in info.value.format() and "bad.yaml" in info.value.format()
