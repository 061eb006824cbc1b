"""Lint seccomp profiles, and load them only when they pass.

`lint_file`/`lint_text` return every finding; `load_profile`/`parse_profile_text` return a
`Profile` or raise `ProfileError` carrying the findings, whatever the file holds.

The rules live beside this entry point: `shape` (keys and value types, and the report),
`checks` (the whole profile), `rules` and `args` (one rule, its argument conditions), `names`
(spelling suggestions), `conflicts` (one syscall, two actions), `advice` (surprises at run time)
and `docker` (Docker's own fields, and what containerd ignores).
"""

from __future__ import annotations

import os
import re
import stat
from functools import partial

from lab.paths import resolve_profile
from lab.profile.diagnostics import Diagnostic, ProfileError, sort_key
from lab.profile.lint.checks import check_profile
from lab.profile.located_json import JsonSyntaxError, Node, parse
from lab.profile.model import Profile

__all__ = [
    "MAX_BYTES",
    "Diagnostic",
    "ProfileError",
    "lint_file",
    "lint_text",
    "load_profile",
    "decode_profile",
    "parse_profile_text",
    "read_profile",
]

# Docker's own default profile is about 20 KiB; anything past this is not a hand-written profile.
MAX_BYTES = 4 * 1024 * 1024
_YAMLISH = re.compile(r"^(---|\s*[A-Za-z_][\w-]*\s*:(\s|$)|\s*- )", re.MULTILINE)


def lint_text(text: str, path: str) -> list[Diagnostic]:
    """Every finding about a profile's text; `path` only labels the diagnostics."""
    return _lint(text, str(path))[0]


def lint_file(path: str | os.PathLike[str]) -> list[Diagnostic]:
    """Every finding about a profile file, including files that cannot be read or decoded."""
    text, diagnostics = read_profile(path)
    if text is None:
        return diagnostics
    return sorted(diagnostics + lint_text(text, str(path)), key=sort_key)


def parse_profile_text(text: str, path: str) -> Profile:
    """The Profile in `text`, or ProfileError when lint finds any error."""
    diagnostics, root = _lint(text, str(path))
    return _build(diagnostics, root, str(path))


def load_profile(path: str | os.PathLike[str]) -> Profile:
    """The Profile at `path` (or a bare name of one of the lab's profiles), or ProfileError."""
    resolved = resolve_profile(path)
    text, diagnostics = read_profile(resolved)
    if text is None:
        raise ProfileError(diagnostics)
    found, root = _lint(text, str(resolved))
    return _build(sorted(diagnostics + found, key=sort_key), root, str(resolved))


def read_profile(path: str | os.PathLike[str]) -> tuple[str | None, list[Diagnostic]]:
    """The file's text (None when unusable) and findings about the file itself."""
    name = str(path)
    problem = partial(_problem, name)
    try:
        mode = os.stat(path).st_mode
        if stat.S_ISDIR(mode):
            return None, [problem("is-a-directory", "this is a directory, not a profile",
                                  f"lint the files in it: seclab lint {name.rstrip('/')}/*.json")]
        if not stat.S_ISREG(mode):
            # A FIFO or a device could block or never end.
            return None, [problem("not-a-file", "this is not a regular file", None)]
        with open(path, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        return None, [problem("file-not-found", "no such file", _missing_hint())]
    except OSError as error:
        return None, [problem("unreadable", f"cannot read the file: {error.strerror}", None)]
    return decode_profile(data, name)


def decode_profile(data: bytes, name: str) -> tuple[str | None, list[Diagnostic]]:
    """Bytes read from a file or a pipe as profile text (None when unusable), with findings."""
    problem = partial(_problem, name)
    if len(data) > MAX_BYTES:
        return None, [problem("too-large", f"the file is larger than {MAX_BYTES // 2**20} MiB; "
                              "a seccomp profile is a few KiB", "check that this is a profile")]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, [problem("not-utf8", "the file is UTF-16; profiles are UTF-8 JSON",
                              "save it as UTF-8", 1, 1)]
    diagnostics = []
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
        diagnostics.append(problem("utf8-bom", "the file starts with a byte-order mark, which "
                                   "Docker's JSON decoder refuses", "save it as UTF-8 without BOM",
                                   1, 1))
    if b"\x00" in data:
        return None, [problem("binary-file", "this is a binary file, not a JSON profile",
                              "check the file name", *_place(data, data.index(b"\x00")))]
    try:
        return data.decode("utf-8"), diagnostics
    except UnicodeDecodeError as error:
        return None, [problem("not-utf8", f"byte 0x{data[error.start]:02x} is not UTF-8 text",
                              "save the file as UTF-8", *_place(data, error.start))]


def _problem(
    name: str, code: str, message: str, hint: str | None, line: int = 0, column: int = 0
) -> Diagnostic:
    return Diagnostic(name, line, column, "error", code, message, hint)


def _place(data: bytes, offset: int) -> tuple[int, int]:
    line_start = data.rfind(b"\n", 0, offset) + 1
    column = len(data[line_start:offset].decode("utf-8", "replace")) + 1
    return data.count(b"\n", 0, offset) + 1, column


def _missing_hint() -> str:
    return f"give a path, or the name of one of the lab's profiles ({_shipped()})"


def _shipped() -> str:
    from lab.paths import profiles_dir

    names = sorted(p.name for p in profiles_dir().glob("*.json")) if profiles_dir().is_dir() else []
    more = f", … ({len(names)} in {profiles_dir()})" if len(names) > 12 else ""
    return ", ".join(names[:12]) + more or "none installed"


def _lint(text: str, path: str) -> tuple[list[Diagnostic], Node | None]:
    diagnostics: list[Diagnostic] = []

    def report(at: Node | tuple[int, int], severity: str, code: str, message: str,
               suggestion: str | None) -> None:
        line, column = (at.line, at.column) if isinstance(at, Node) else at
        diagnostics.append(Diagnostic(path, line, column, severity, code, message, suggestion))

    if len(text) > MAX_BYTES:
        report((0, 0), "error", "too-large", "the text is larger than 4 MiB", None)
        return diagnostics, None
    if "\x00" in text:
        report((1, 1), "error", "binary-file", "this is binary data, not a JSON profile", None)
        return diagnostics, None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # Lone surrogates (only possible in a str from a caller) cannot be printed later;
        # "?" keeps every offset, so places stay right.
        text = text.encode("utf-8", "replace").decode("utf-8")
    try:
        root = parse(text)
    except JsonSyntaxError as error:
        report((error.line, error.column), "error", *_syntax(error, text))
        return diagnostics, None
    check_profile(root, report)
    return sorted(diagnostics, key=sort_key), root


def _syntax(error: JsonSyntaxError, text: str) -> tuple[str, str, str | None]:
    if error.code == "empty-file":
        return "empty-file", "the file is empty", 'a profile needs at least {"defaultAction": …}'
    first = text.lstrip()[:1]
    if first not in ("{", "[") and _YAMLISH.search(text):
        return ("not-json", "this looks like YAML, but seccomp profiles are JSON",
                "write it as JSON; runtimes read only JSON profiles")
    return error.code, error.message, error.suggestion


def _build(diagnostics: list[Diagnostic], root: Node | None, path: str) -> Profile:
    if root is None or any(d.is_error for d in diagnostics):
        raise ProfileError(diagnostics)
    try:
        return Profile.from_dict(root.plain())
    except (KeyError, TypeError, ValueError) as error:
        # Lint should have caught it; refuse the profile rather than crash.
        raise ProfileError([*diagnostics, Diagnostic(
            path, 1, 1, "error", "unsupported-profile", f"cannot build the profile: {error!r}", None
        )]) from error
