"""Lesson files (YAML) into validated `Lesson` models, refusing mistakes with file, line and fix."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import yaml

from lab import paths
from lab.course.check_parts import parse_checks
from lab.course.errors import LessonError, did_you_mean
from lab.course.lessonfile import read_text
from lab.course.model import NEEDS, TARGETS, Action, Lesson, Prediction, Solution, Step
from lab.course.parts import Context, parse_actions
from lab.course.workspace import files_dir
from lab.course.yamlnodes import Reader, line_of

TOP_REQUIRED = ("id", "title", "summary", "targets", "steps")
TOP_OPTIONAL = ("unsupported", "order")
STEP_REQUIRED = ("id", "title", "text")
STEP_OPTIONAL = (
    "actions", "checks", "hints", "solution", "notes", "variants", "needs", "exercise", "predict"
)  # fmt: skip


def load_lesson(path: Path | str, profiles_dir: Path | None = None) -> Lesson:
    """Read and validate one lesson file; raise LessonError naming the place and the fix."""
    path = Path(path)
    text = read_text(path)
    reader = Reader(path)
    top = reader.mapping(
        reader.compose(text), "the lesson", required=TOP_REQUIRED, optional=TOP_OPTIONAL
    )
    ident = _ident(reader, top["id"], "the lesson id")
    targets = tuple(
        reader.choice(n, "a target", TARGETS) for n in reader.sequence(top["targets"], "targets")
    )
    unsupported = _unsupported(reader, top.get("unsupported"), targets)
    silent = [t for t in TARGETS if t not in targets and t not in dict(unsupported)]
    if silent:
        raise reader.fail(
            top["targets"],
            f"the lesson says nothing about the target(s) {', '.join(silent)}",
            "add them to 'targets', or to 'unsupported' with one sentence saying why not",
        )
    ctx = Context(reader, profiles_dir or paths.profiles_dir())
    ctx.lesson_files = files_dir(path, ident)
    steps = [_step(ctx, node) for node in reader.sequence(top["steps"], "steps")]
    if not steps:
        raise reader.fail(top["steps"], "the lesson has no steps", "add at least one step")
    _unique(reader, [(s.id, node) for s, node in zip(steps, top["steps"].value, strict=True)])
    order = reader.scalar(top["order"], "order", int) if "order" in top else 100
    return Lesson(
        id=ident,
        title=reader.text(top["title"], "the title"),
        summary=reader.text(top["summary"], "the summary"),
        path=path,
        targets=targets,
        unsupported=unsupported,
        steps=tuple(steps),
        order=order,
    )


def load_lessons(directory: Path | None = None, profiles_dir: Path | None = None) -> list[Lesson]:
    """Every lesson in a directory, in teaching order (raises on the first broken file)."""
    lessons, broken = load_each_lesson(directory, profiles_dir)
    if broken:
        raise broken[0]
    return lessons


def load_each_lesson(
    directory: Path | None = None, profiles_dir: Path | None = None
) -> tuple[list[Lesson], list[LessonError]]:
    """The lessons that load, in teaching order, and the refusal of each file that does not."""
    directory = directory or paths.lessons_dir()
    if not directory.is_dir():  # SECLAB_DATA pointing somewhere else, say
        raise LessonError(
            directory,
            "there is no lessons folder here",
            fix="unset SECLAB_DATA, or point it at a folder holding lessons/ and profiles/",
        )
    from lab.course.lesson_cache import default_cache

    cache = default_cache()  # parsed before, unchanged since: no YAML to compose again
    profiles = profiles_dir or paths.profiles_dir()
    lessons, broken = [], []
    for path in sorted(directory.glob("*.yaml")):
        try:
            lessons.append(cache.load(path, profiles, load_lesson))
        except LessonError as exc:
            broken.append(exc)
    cache.save()
    return sorted(lessons, key=lambda lesson: (lesson.order, lesson.id)), broken


def find_lesson(
    id_or_path: str, directory: Path | None = None, profiles_dir: Path | None = None
) -> Lesson:
    """A lesson by id (`audit`) or by path to its file."""
    if not id_or_path.strip():
        raise LessonError(
            "LESSON", "no lesson given", fix="give an id (`seclab lessons` lists them) or a path"
        )
    candidate = Path(id_or_path)
    path_like = "/" in id_or_path or candidate.suffix in (".yaml", ".yml")
    if path_like or candidate.exists():
        return load_lesson(candidate, profiles_dir)
    id_or_path = id_or_path.lower()  # ids are lower-case: `AUDIT` means `audit`
    directory = directory or paths.lessons_dir()
    by_file = directory / f"{id_or_path}.yaml"
    if by_file.is_file():
        return load_lesson(by_file, profiles_dir)
    lessons, broken = load_each_lesson(directory, profiles_dir)
    for lesson in lessons:
        if lesson.id == id_or_path:
            return lesson
    fix = did_you_mean(id_or_path, [lesson.id for lesson in lessons], "lessons")
    if broken:  # it may be in a file that did not load: say where to look
        fix += f"; not loaded: {', '.join(e.path.name for e in broken)} (`seclab lessons` says why)"
    raise LessonError(directory, f"no lesson called '{id_or_path}'", fix=fix)


def _step(ctx: Context, node: yaml.Node) -> Step:
    reader = ctx.reader
    fields = reader.mapping(node, "a step", required=STEP_REQUIRED, optional=STEP_OPTIONAL)
    actions = parse_actions(ctx, fields.get("actions"), "the step's actions")
    files, trial = _exercise(ctx, fields.get("exercise"))
    solution = Solution()
    if "solution" in fields:
        solution = _solution(ctx, fields["solution"])
    checks = parse_checks(ctx, fields.get("checks"))
    hints = reader.texts(fields["hints"], "hints") if "hints" in fields else ()
    if checks and not hints:
        raise reader.fail(
            node, "a step with checks needs hints", "add 'hints:' with at least one hint"
        )
    for need in reader.sequence(fields["needs"], "needs") if "needs" in fields else []:
        reader.choice(need, "a need", NEEDS)
    variants: list[tuple[str, str]] = []
    if "variants" in fields:
        for key, value in reader.mapping(fields["variants"], "variants", optional=TARGETS).items():
            variants.append((key, reader.text(value, f"the {key} variant")))
    return Step(
        id=_ident(reader, fields["id"], "a step id"),
        title=reader.text(fields["title"], "the step title"),
        text=reader.text(fields["text"], "the step text"),
        line=line_of(node),
        actions=actions,
        checks=checks,
        hints=hints,
        solution=solution,
        notes=reader.text(fields["notes"], "notes") if "notes" in fields else "",
        variants=tuple(variants),
        needs=reader.texts(fields["needs"], "needs") if "needs" in fields else (),
        files=files,
        trial=trial,
        predict=_prediction(reader, fields["predict"]) if "predict" in fields else None,
    )


def _prediction(reader: Reader, node: yaml.Node) -> Prediction:
    """`predict: {question, choices: [...], answer: one of the choices, why}`."""
    fields = reader.mapping(
        node, "the prediction", required=("question", "choices", "answer"), optional=("why",)
    )
    choices = reader.texts(fields["choices"], "choices")
    if len(choices) < 2:
        raise reader.fail(fields["choices"], "a prediction needs at least two choices", "add one")
    answer = reader.text(fields["answer"], "the answer")
    if answer not in choices:
        raise reader.fail(
            fields["answer"],
            f"the answer '{answer}' is not one of the choices",
            did_you_mean(answer, choices, "choices"),
        )
    return Prediction(
        question=reader.text(fields["question"], "the question"),
        choices=tuple(choices),
        answer=choices.index(answer),
        why=reader.text(fields["why"], "why") if "why" in fields else "",
    )


def _exercise(ctx: Context, node: yaml.Node | None) -> tuple[tuple[str, ...], tuple[Action, ...]]:
    """An exercise's workspace files (each with a starting and a reference version) and trial."""
    ctx.files = set()
    if node is None:
        return (), ()
    r = ctx.reader
    fields = r.mapping(node, "the exercise", required=("files",), optional=("trial",))
    names = []
    for item in r.sequence(fields["files"], "files"):
        name = r.text(item, "a workspace file")
        if "/" in name or name.startswith(".") or not name:
            raise r.fail(item, f"'{name}' is not a plain file name", "e.g. 'chmod.json'")
        for version in ("start", "solution"):
            shipped = ctx.lesson_files / version / name
            if not shipped.is_file():
                raise r.fail(
                    item,
                    f"the exercise file '{name}' has no {version} version at {shipped}",
                    f"add {shipped} (the {'starting file' if version == 'start' else 'answer'})",
                )
        names.append(name)
    ctx.files = set(names)
    ctx.derived.update(names)  # profile names in the trial may be the learner's files
    trial = parse_actions(ctx, fields.get("trial"), "the exercise's trial")
    return tuple(names), trial


def _solution(ctx: Context, node: yaml.Node) -> Solution:
    if isinstance(node, yaml.ScalarNode):
        return Solution(text=ctx.reader.text(node, "the solution"))
    fields = ctx.reader.mapping(node, "the solution", optional=("text", "actions"))
    return Solution(
        text=ctx.reader.text(fields["text"], "the solution text") if "text" in fields else "",
        actions=parse_actions(ctx, fields.get("actions"), "the solution's actions"),
    )


def _unsupported(
    reader: Reader, node: yaml.Node | None, targets: tuple[str, ...]
) -> tuple[tuple[str, str], ...]:
    if node is None:
        return ()
    out = []
    for key, value in reader.mapping(node, "unsupported", optional=TARGETS).items():
        if key in targets:
            raise reader.fail(value, f"'{key}' is both supported and unsupported", "keep one")
        out.append((key, reader.text(value, f"why the lesson does not run on {key}")))
    return tuple(out)


def _ident(reader: Reader, node: yaml.Node, what: str) -> str:
    value = reader.text(node, what)
    if not value or not all(c.isalnum() or c == "-" for c in value) or value != value.lower():
        raise reader.fail(node, f"{what} '{value}' is not lower-case-with-dashes", "e.g. 'run-it'")
    return value


def _unique(reader: Reader, items: Iterable[tuple[str, yaml.Node]]) -> None:
    seen: set[str] = set()
    for ident, node in items:
        if ident in seen:
            raise reader.fail(node, f"two steps are called '{ident}'", "give each step its own id")
        seen.add(ident)
