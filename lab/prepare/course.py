"""The lessons a talk will play on one target, and the profiles they use: load, lint, compile.

Everything here reads files and asks libseccomp; nothing is downloaded or changed, so the same
checks serve `seclab prepare` and `seclab prepare --check`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from lab import paths
from lab.course.errors import LessonError
from lab.course.loader import load_each_lesson
from lab.course.model import Action, Lesson
from lab.prepare.items import Item

WORKLOAD_ACTIONS = ("run", "run_once", "record")


def lesson_items(target: str, wanted: Sequence[str] = ()) -> tuple[list[Item], list[Lesson]]:
    """A line per broken lesson file (or one line when all load), and the lessons to play."""
    try:
        lessons, broken = load_each_lesson()
    except LessonError as exc:  # no lessons folder at all
        return [Item.bad("lessons", exc.format(), exc.fix)], []
    chosen = [lesson for lesson in lessons if lesson.supports(target)]
    if wanted:
        chosen = [lesson for lesson in chosen if lesson.id in wanted]
        # The talk plays only these: another broken file is worth a word, not a cross.
        aside = f" (not loaded, not played: {', '.join(e.path.name for e in broken)})"
        ids = ", ".join(lesson.id for lesson in chosen)
        return [Item.good("lessons", f"played on {target}: {ids}{aside if broken else ''}")], chosen
    items = [
        Item.bad(f"lesson file {exc.path.name}", exc.format(), f"edit {exc.where()}")
        for exc in broken
    ]
    loaded = f"{len(lessons)} of {len(lessons) + len(broken)}" if broken else f"all {len(lessons)}"
    items.append(Item.good("lessons", f"{loaded} load; {len(chosen)} run on {target}"))
    return items, chosen


def actions(lesson: Lesson) -> list[Action]:
    """Every action of a lesson, solutions included (`--auto` and demo mode play them)."""
    return [a for step in lesson.steps for a in (*step.actions, *step.solution.actions)]


def workloads(lessons: Sequence[Lesson]) -> list[str]:
    """The workloads (`http-echo`, `busybox`) the lessons start, in the order they appear."""
    kinds = []
    for lesson in lessons:
        for action in actions(lesson):
            if action.kind in WORKLOAD_ACTIONS:
                kinds.append("busybox" if action.kind == "run_once" else action.workload)
    return list(dict.fromkeys(kinds))


def profile_names(lessons: Sequence[Lesson], target: str) -> list[str]:
    """The shipped profile files the lessons read on `target` (not those they write, nor the
    file the missing-profile lesson must not find)."""
    names: list[str] = []
    for lesson in lessons:
        written: set[str] = set()
        for action in actions(lesson):
            if action.kind in ("derive_profile", "record"):
                written.add(action.save_as)
            choices = [c for c in (action.profile, action.source) if c and not c.missing]
            used = [c.for_target(target) for c in choices]
            if action.kind == "diff":
                used.append(action.text)
            names += [n for n in used if n and n.endswith(".json") and n not in written]
    if target in ("docker", "kind") and "fine-grained.json" in names:
        # Without the upstream image, docker and kind run the offline stand-in under its own list.
        from lab.targets.docker.offline import ECHO_PROFILE

        names.append(ECHO_PROFILE)
    return list(dict.fromkeys(names))


def profile_items(names: Sequence[str]) -> list[Item]:
    """One line per profile that fails lint or does not compile here, or one line for all."""
    from lab.profile.lint import lint_file

    items, warnings = [], 0
    for name in names:
        path = paths.profiles_dir() / name
        found = lint_file(path)
        errors = [d for d in found if d.is_error]
        warnings += sum(d.severity == "warning" for d in found)
        if errors:
            first = errors[0]
            more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
            hint = f" (hint: {first.suggestion})" if first.suggestion else ""
            detail = f"{first.location()}: {first.message}{hint}{more}"
            items.append(Item.bad(f"profile {name}", detail, f"seclab lint {path}"))
            continue
        problem = _compile_problem(path)
        if problem:
            items.append(Item.bad(f"profile {name}", f"{path}: {problem}", f"seclab lint {path}"))
    if not items:
        extra = f" ({warnings} warning(s): seclab lint shows them)" if warnings else ""
        detail = f"{len(names)} lint clean and compile with libseccomp on this kernel{extra}"
        items.append(Item.good("profiles", detail))
    return items


def _compile_problem(path: Path) -> str | None:
    """Why libseccomp cannot build the profile here, or None when it can."""
    try:
        from lab.profile.compile import CompileError, compile_profile
        from lab.profile.lint import load_profile
    except (ImportError, OSError) as exc:  # no libseccomp: the doctor line says how to fix it
        return f"cannot compile without libseccomp ({exc})"
    try:
        compile_profile(load_profile(path))
    except CompileError as exc:
        return f"does not compile here: {exc}"
    except OSError as exc:
        return f"libseccomp refused it: {exc.strerror or exc}"
    return None
