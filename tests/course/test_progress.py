"""Progress: per lesson and target, resettable, and a corrupt file never stops the lab."""

from __future__ import annotations

from pathlib import Path

import pytest

from lab.course.progress import ProgressStore


@pytest.fixture
def store(tmp_path: Path) -> tuple[ProgressStore, list[str]]:
    warnings: list[str] = []
    return ProgressStore(tmp_path / "progress", warn=warnings.append), warnings


def test_progress_is_kept_per_lesson_and_target(store: tuple[ProgressStore, list[str]]) -> None:
    progress, _ = store
    progress.mark_passed("audit", "local", "start")
    progress.mark_passed("audit", "local", "request")
    progress.mark_passed("audit", "docker", "start")
    assert sorted(progress.passed("audit", "local")) == ["request", "start"]
    assert list(progress.passed("audit", "docker")) == ["start"]
    assert progress.passed("violation", "local") == {}


def test_reset_a_step_a_lesson_and_everything(store: tuple[ProgressStore, list[str]]) -> None:
    progress, _ = store
    for target in ("local", "docker"):
        progress.mark_passed("audit", target, "start")
        progress.mark_passed("audit", target, "request")
    progress.mark_passed("violation", "local", "start")
    progress.reset_step("audit", "local", "start")
    assert list(progress.passed("audit", "local")) == ["request"]
    progress.reset_lesson("audit", "docker")
    assert progress.passed("audit", "docker") == {}
    assert progress.passed("audit", "local") != {}
    progress.reset_lesson("audit")
    assert progress.passed("audit", "local") == {}
    assert progress.passed("violation", "local") != {}
    progress.reset_all()
    assert progress.passed("violation", "local") == {}


@pytest.mark.parametrize("content", ["{not json", '{"passed": ["a list"]}', "[]", "\udcff"])
def test_corrupt_file_is_set_aside_with_a_warning(
    store: tuple[ProgressStore, list[str]], content: str
) -> None:
    progress, warnings = store
    path = progress.file("audit", "local")
    path.write_bytes(content.encode("utf-8", "surrogateescape"))
    assert progress.passed("audit", "local") == {}
    assert len(warnings) == 1 and "starting afresh" in warnings[0]
    kept = list(path.parent.glob("audit--local.json.corrupt-*"))
    assert len(kept) == 1 and not path.exists()
    progress.mark_passed("audit", "local", "start")
    assert list(progress.passed("audit", "local")) == ["start"]


def test_default_location_is_under_the_state_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    ProgressStore().mark_passed("audit", "kind", "start")
    assert (tmp_path / "seclab" / "progress" / "audit--kind.json").is_file()
