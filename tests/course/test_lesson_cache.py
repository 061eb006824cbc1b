"""The lesson cache: a second load composes no YAML; any edit (the lesson, a profile) parses
again through the same validation; a cache someone else could have written is not read."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from lab.course import lesson_cache
from lab.course.errors import LessonError
from lab.course.loader import load_each_lesson
from lab.course.yamlnodes import Reader

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "lessons"


@pytest.fixture
def course(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A lessons folder with the good fixture and a profiles folder; state in tmp_path."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    lessons = tmp_path / "lessons"
    lessons.mkdir()
    shutil.copy(FIXTURES / "good.yaml", lessons / "good.yaml")
    shutil.copytree(FIXTURES / "profiles", tmp_path / "profiles")
    return tmp_path


def _composes(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Record every YAML file composed from now on."""
    composed: list[Path] = []
    compose = Reader.compose

    def counting(self: Reader, text: str) -> object:
        composed.append(self.path)
        return compose(self, text)

    monkeypatch.setattr(Reader, "compose", counting)
    return composed


def test_a_second_load_composes_no_yaml_and_gives_the_same_lessons(
    course: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, broken = load_each_lesson(course / "lessons", course / "profiles")
    assert [lesson.id for lesson in first] == ["good"] and not broken
    composed = _composes(monkeypatch)
    again, _ = load_each_lesson(course / "lessons", course / "profiles")
    assert again == first and composed == []


def test_an_edit_to_the_lesson_or_a_profile_parses_again(
    course: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_each_lesson(course / "lessons", course / "profiles")
    composed = _composes(monkeypatch)
    lesson = course / "lessons" / "good.yaml"
    lesson.write_text(lesson.read_text().replace("order: 5", "order: 6"))
    (edited,), _ = load_each_lesson(course / "lessons", course / "profiles")
    assert edited.order == 6 and len(composed) == 1
    profile = next((course / "profiles").glob("*.json"))
    os.utime(profile, ns=(0, 0))  # a profile changed: the lesson is checked against it again
    load_each_lesson(course / "lessons", course / "profiles")
    assert len(composed) == 2


def test_a_broken_lesson_is_refused_every_time_and_tabs_stay_refused(course: Path) -> None:
    lesson = course / "lessons" / "good.yaml"
    lesson.write_text(lesson.read_text().replace("\n  - id:", "\n\t- id:", 1))
    for _ in range(2):
        lessons, broken = load_each_lesson(course / "lessons", course / "profiles")
        assert lessons == [] and isinstance(broken[0], LessonError)


def test_a_cache_others_could_write_or_a_damaged_one_is_not_read(
    course: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_each_lesson(course / "lessons", course / "profiles")
    cache = course / "cache" / "seclab" / lesson_cache.FILE
    assert cache.is_file()
    cache.chmod(0o666)
    composed = _composes(monkeypatch)
    load_each_lesson(course / "lessons", course / "profiles")
    assert len(composed) == 1  # not read: parsed, and the cache written again (owner only)
    assert cache.stat().st_mode & 0o077 == 0
    cache.write_bytes(b"not a pickle")
    lessons, broken = load_each_lesson(course / "lessons", course / "profiles")
    assert [lesson.id for lesson in lessons] == ["good"] and not broken and len(composed) == 2
