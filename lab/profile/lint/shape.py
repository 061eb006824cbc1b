"""The shape of a profile: which keys each object may hold, and the type of each value."""

from __future__ import annotations

import difflib
import functools
from collections.abc import Callable
from typing import Any

from lab.profile.located_json import Node

# severity, code, message, suggestion; placed at a Node or at a (line, column).
Report = Callable[[Node | tuple[int, int], str, str, str, str | None], None]

UINT64_MAX = 2**64 - 1
_UINT_MAX = 2**32 - 1

# field -> type; "list:x" is a list of x; an object type names another entry of SHAPES.
SHAPES: dict[str, dict[str, str]] = {
    "profile": {
        "defaultAction": "string",
        "defaultErrnoRet": "uint",
        "architectures": "list:string",
        "archMap": "list:archMap",
        "flags": "list:string",
        "listenerPath": "string",
        "listenerMetadata": "string",
        "syscalls": "list:rule",
    },
    "archMap": {"architecture": "string", "subArchitectures": "list:string"},
    "rule": {
        "names": "list:string",
        "name": "string",
        "action": "string",
        "errnoRet": "uint",
        "args": "list:arg",
        "comment": "string",
        "includes": "filter",
        "excludes": "filter",
    },
    "arg": {"index": "uint", "value": "uint64", "valueTwo": "uint64", "op": "string"},
    "filter": {"caps": "list:string", "arches": "list:string", "minKernel": "string"},
}
# The profile's own defaultAction is checked with the actions, where the hint can say more.
REQUIRED = {
    "archMap": ("architecture",),
    "rule": ("action",),
    "arg": ("index", "value", "op"),
}
_WHERE = {
    "profile": "at the top level",
    "archMap": "in an archMap entry",
    "rule": "in a syscalls rule",
    "arg": "in an args entry",
    "filter": "in includes/excludes",
}
_DESCRIBE = {
    "string": "a string",
    "uint": "a whole number (0 or more)",
    "uint64": "a whole number from 0 to 18446744073709551615",
}


def kind_of(value: Any) -> str:
    """The JSON name of a value's type, as a learner would say it."""
    if isinstance(value, bool):
        return "true/false"
    if value is None:
        return "null"
    if isinstance(value, int):
        return "a number"
    if isinstance(value, float):
        return "a decimal number"
    if isinstance(value, str):
        return "a string"
    return "a list" if isinstance(value, list) else "an object"


@functools.lru_cache(maxsize=4096)
def near_key(key: str, known: tuple[str, ...]) -> str | None:
    """The known key a mistyped one most likely meant (case first, then spelling).

    Cached: a generated profile repeats the same mistake in every rule.
    """
    for name in known:
        if name.lower() == key.lower():
            return name
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    return close[0] if close else None


# Spelling suggestions cost ~0.5 ms each (difflib); past this many unknown keys in one object the
# hint lists the known keys instead, so 150,000 unknown keys take seconds, not minutes.
MAX_SPELLED = 200


def check_shape(node: Node, shape: str, report: Report) -> None:
    """Report unknown or duplicate keys, missing required fields and wrongly typed values."""
    if not isinstance(node.value, dict):
        report(node, "error", "wrong-type",
               f"expected an object {_WHERE[shape]}, found {kind_of(node.plain())}", None)
        return
    fields = SHAPES[shape]
    for key, line, column in node.duplicate_keys:
        report((line, column), "warning", "duplicate-key",
               f'"{key}" appears twice in this object; only the last one counts', None)
    unknown = 0
    for key, child in node.value.items():
        if key not in fields:
            unknown += 1
            _unknown_key(node, key, shape, report, spell=unknown <= MAX_SPELLED)
        elif child.value is not None:
            _check_value(child, fields[key], key, report)
    for key in REQUIRED.get(shape, ()):
        if key not in node.value or node.value[key].value is None:
            report(node, "error", "missing-field", f'"{key}" is missing {_WHERE[shape]}',
                   _REQUIRED_HINTS.get(key))


_REQUIRED_HINTS = {
    "action": 'add "action": "SCMP_ACT_ALLOW" (or the action this rule should take)',
    "architecture": 'add "architecture": "SCMP_ARCH_X86_64"',
    "index": 'add "index": 0 … 5: which syscall argument to compare',
    "value": 'add "value": runtimes would silently compare against 0',
    "op": 'add "op": "SCMP_CMP_EQ" (or another SCMP_CMP_* operator)',
}


def _unknown_key(node: Node, key: str, shape: str, report: Report, *, spell: bool) -> None:
    known = tuple(SHAPES[shape])
    guess = near_key(key, known) if spell else None
    hint = f'did you mean "{guess}"?' if guess else f"known keys here: {', '.join(known)}"
    if key == "comment" and shape == "profile":
        hint = 'put notes in a rule\'s "comment" field instead'
    message = f'unknown key "{key}" {_WHERE[shape]}'
    if guess and guess.lower() == key.lower():
        message += " (Go runtimes happen to accept any case; other tools and this lab do not)"
    report(node.keys[key], "error", "unknown-key", message, hint)


def _check_value(node: Node, kind: str, key: str, report: Report) -> None:
    value = node.value
    if kind.startswith("list:"):
        item_kind = kind.removeprefix("list:")
        if not isinstance(value, list):
            hint = f'write "{key}": [{_example(value)}]' if isinstance(value, str) else None
            report(node, "error", "wrong-type",
                   f'"{key}" must be a list, found {kind_of(value)}', hint)
            return
        for item in value:
            _check_value(item, item_kind, key, report)
    elif kind in SHAPES:
        check_shape(node, kind, report)
    elif kind == "string":
        if not isinstance(value, str):
            report(node, "error", "wrong-type",
                   f'"{key}" needs a string, found {kind_of(value)}', None)
    else:
        _check_number(node, kind, key, report)


def _check_number(node: Node, kind: str, key: str, report: Report) -> None:
    value = node.value
    top = UINT64_MAX if kind == "uint64" else _UINT_MAX
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= top:
        return
    hint = None
    if isinstance(value, str) and value.strip().isdigit():
        hint = f'write {int(value)} without quotes: "{key}": {int(value)}'
    elif isinstance(value, int) and value < 0 and kind == "uint64" and value >= -(2**63):
        hint = f"as an unsigned 64-bit value -{-value} is {value + 2**64}"
    elif isinstance(value, float) and value.is_integer():
        hint = f"write {int(value)}"
    report(node, "error", "wrong-type",
           f'"{key}" needs {_DESCRIBE[kind]}, found {kind_of(value)} {_show(value)}', hint)


def _show(value: Any) -> str:
    if isinstance(value, list | dict):
        return ""
    text = repr(value) if not isinstance(value, str) else f'"{value}"'
    return text if len(text) < 40 else text[:37] + "…"


def _example(value: str) -> str:
    return f'"{value}"'
