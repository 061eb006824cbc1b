"""A lesson file's text, refusing what is not one: a folder, a device, binary data, a huge file."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from lab.course.errors import LessonError

# The lab's longest lesson is about 12 kB; a file 50 times that is not a lesson, and reading a
# device or a log by mistake must not take all memory.
MAX_BYTES = 512 * 1024
_START = "start from a lesson in the lab's lessons/ folder"


def read_text(path: Path) -> str:
    """The file's UTF-8 text, or a LessonError saying what the file is instead, and what to do."""
    try:
        mode = os.stat(path).st_mode
        if stat.S_ISDIR(mode):
            yamls = sorted(p.name for p in path.glob("*.y*ml"))[:5]
            fix = f"give one file in it, e.g. {path / yamls[0]}" if yamls else _START
            raise LessonError(path, "this is a folder, not a lesson file", fix=fix)
        if not stat.S_ISREG(mode):  # a FIFO would block, /dev/zero would never end
            raise LessonError(path, "this is not a regular file", fix="give a .yaml lesson file")
        with open(path, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise LessonError(path, "no such file", fix=_missing_fix(path)) from None
    except OSError as exc:
        raise LessonError(path, f"cannot read the lesson file: {exc.strerror}") from None
    if len(data) > MAX_BYTES:
        raise LessonError(
            path,
            f"the file is larger than {MAX_BYTES // 1024} kB: this is not a lesson",
            fix="split it into several lessons, or check that this is the file you meant",
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        binary = b"\0" in data[:8192]
        raise LessonError(
            path,
            "this is binary data, not a lesson" if binary else "the file is not UTF-8 text",
            line=None if binary else line,
            column=None if binary else column,
            fix=_START if binary else "save it as UTF-8 (your editor's encoding setting)",
        ) from None
    return text.removeprefix("\ufeff")  # a byte-order mark some editors write


def _missing_fix(path: Path) -> str:
    from lab import paths

    shipped = paths.lessons_dir() / path.name
    if path.parent == Path(".") and shipped.is_file():
        return f"the lab's own lesson of that name plays with `seclab run {path.stem}`"
    return "check the path; `seclab lessons` lists the lab's lessons by id"
