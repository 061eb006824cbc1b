"""Parsed lessons kept between runs: composing YAML in pure Python is most of `seclab start`'s
wait for its lesson list (~270 ms idle, over a second on a loaded machine).

Each entry is keyed by the lesson file's content hash, the profiles folder it was checked
against (names, sizes, mtimes) and the code that parses lessons, so an edit to any of them
parses the file again, through the same validation. Broken files are never cached: their
error is written afresh each time. The cache is a pickle in the user's cache folder, read only
when this user owns it and nobody else can write it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

from lab import paths
from lab.course.model import Lesson

FILE = "lessons.pickle"
# The modules whose code decides what a parsed lesson is.
_PARSERS = ("loader", "model", "parts", "check_parts", "yamlnodes", "lessonfile")


class LessonCache:
    """Lessons by key; `load` gives the cached lesson or parses (and keeps) it."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.entries: dict[str, Lesson] = _read(path) if path is not None else {}
        self.used: dict[str, Lesson] = {}

    def load(
        self, path: Path, profiles_dir: Path, parse: Callable[[Path, Path], Lesson]
    ) -> Lesson:
        try:
            key = _key(path, profiles_dir)
        except OSError:  # unreadable: the parser says so, with the file and the fix
            return parse(path, profiles_dir)
        lesson = self.entries.get(key)
        if lesson is None or lesson.path != path:
            lesson = parse(path, profiles_dir)
        self.used[key] = lesson
        return lesson

    def save(self) -> None:
        """Keep the lessons of this load (entries of files since changed are dropped)."""
        if self.path is None or self.used == self.entries:
            return
        with contextlib.suppress(OSError, pickle.PicklingError):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".lessons-")
            try:
                with os.fdopen(fd, "wb") as out:
                    pickle.dump(self.used, out, protocol=pickle.HIGHEST_PROTOCOL)
                os.replace(tmp, self.path)
            finally:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(tmp)


def default_cache() -> LessonCache:
    """The cache in the user's cache folder (none when there is no usable one). Not the state
    folder: a cache is no state, and `seclab prepare --check` must leave that untouched."""
    try:
        return LessonCache(paths.cache_dir() / FILE)
    except Exception:
        return LessonCache(None)


def _read(path: Path) -> dict[str, Lesson]:
    try:
        with path.open("rb") as stream:
            info = os.fstat(stream.fileno())
            # Unpickling runs code: only a file this user wrote, that no one else can change.
            if info.st_uid != os.geteuid() or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
                return {}
            entries = pickle.load(stream)
    except Exception:
        return {}
    if not isinstance(entries, dict):
        return {}
    return {k: v for k, v in entries.items() if isinstance(k, str) and isinstance(v, Lesson)}


def _key(path: Path, profiles_dir: Path) -> str:
    digest = hashlib.sha256(path.read_bytes())
    digest.update(f"\0{path.resolve()}\0{profiles_dir.resolve()}\0".encode())
    if profiles_dir.is_dir():
        with os.scandir(profiles_dir) as found:
            for entry in sorted(found, key=lambda e: e.name):
                info = entry.stat()
                digest.update(f"{entry.name}:{info.st_size}:{info.st_mtime_ns}\0".encode())
    here = Path(__file__).resolve().parent
    for name in _PARSERS:
        info = (here / f"{name}.py").stat()
        digest.update(f"{name}:{info.st_size}:{info.st_mtime_ns}\0".encode())
    return digest.hexdigest()
