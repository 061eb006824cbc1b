"""A lesson's workspace: the files the learner edits for its exercises, in their data folder.

The starting files ship beside the lesson (`lessons/files/<lesson>/start/`), the reference
solution beside them (`…/solution/`). The workspace is created from the starting files when
first asked for; a reset restores them (keeping the learner's as `.before-reset`); `--auto`
copies the solution in.
"""

from __future__ import annotations

from pathlib import Path

from lab import paths
from lab.course.model import Lesson, Step
from lab.safe_files import read_private, write_atomic


def files_dir(lesson_path: Path, lesson_id: str) -> Path:
    """Where a lesson's exercise files ship (start/ and solution/)."""
    return lesson_path.parent / "files" / lesson_id


def starting_file(lesson: Lesson, name: str) -> Path:
    return files_dir(lesson.path, lesson.id) / "start" / name


def solution_file(lesson: Lesson, name: str) -> Path:
    return files_dir(lesson.path, lesson.id) / "solution" / name


def exercise_files(lesson: Lesson) -> tuple[str, ...]:
    """Every workspace file the lesson's exercise steps use, in order."""
    return tuple(dict.fromkeys(name for step in lesson.steps for name in step.files))


def workspace_dir(lesson: Lesson, create: bool = True) -> Path:
    """The lesson's workspace (the learner's own, also under sudo)."""
    path = paths.data_dir(create) / "workspaces" / lesson.id
    return paths.make_learner_dir(path) if create else path


def ensure(lesson: Lesson) -> Path:
    """The workspace, with every starting file the learner has not got yet."""
    where = workspace_dir(lesson)
    for name in exercise_files(lesson):
        if not (where / name).exists():
            _copy(starting_file(lesson, name), where / name)
    return where


def reset(lesson: Lesson, step: Step | None = None, kept: list[Path] | None = None) -> list[Path]:
    """Put the starting files back (of one step, or of the whole lesson); the paths restored.

    A file the learner had changed is kept beside it as `<name>.before-reset` first (its path
    is added to `kept`), as `--auto` keeps `.before-auto`: a reset never loses their work.
    """
    where = workspace_dir(lesson)
    names = step.files if step is not None else exercise_files(lesson)
    for name in names:
        start, mine = starting_file(lesson, name), where / name
        if mine.is_file():
            text = read_private(mine, paths.learner())  # never through a link
            if text != start.read_text(encoding="utf-8"):
                _write(where / f"{name}.before-reset", text)
                if kept is not None:
                    kept.append(where / f"{name}.before-reset")
        _copy(start, mine)
    return [where / name for name in names]


def apply_solution(lesson: Lesson, step: Step) -> list[Path]:
    """Copy the step's reference solution into the workspace (what `--auto` does).

    A file the learner had changed is kept beside it as `<name>.before-auto` first.
    """
    where = ensure(lesson)
    for name in step.files:
        mine, shipped = where / name, (starting_file(lesson, name), solution_file(lesson, name))
        if mine.is_file():
            text = read_private(mine, paths.learner())  # never through a link
            if all(text != p.read_text(encoding="utf-8") for p in shipped):
                _write(where / f"{name}.before-auto", text)
        _copy(solution_file(lesson, name), mine)
    return [where / name for name in step.files]


def _copy(source: Path, destination: Path) -> None:
    _write(destination, source.read_text(encoding="utf-8"))


def _write(destination: Path, text: str) -> None:
    # A new file renamed into place, never written through a link the folder may hold; under
    # sudo it belongs to the learner, who edits it.
    write_atomic(destination, text, mode=0o644, learner=paths.learner())
