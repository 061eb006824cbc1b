"""Checks on one `syscalls` rule: its names, action, errno and argument comparisons."""

from __future__ import annotations

import json
from contextvars import ContextVar
from dataclasses import dataclass

from lab.profile.lint.args import check_args
from lab.profile.lint.names import suggest_action, suggest_syscalls
from lab.profile.lint.shape import Report
from lab.profile.located_json import Node
from lab.profile.model import ACTIONS
from lab.profile.syscalls import is_known_syscall

# The kernel caps a filter's errno at MAX_ERRNO before the syscall returns it.
MAX_ERRNO = 4095
_TAKES_ERRNO = ("SCMP_ACT_ERRNO", "SCMP_ACT_TRACE")


@dataclass
class RuleFacts:
    """What the conflict checks need to know about one rule."""

    effect: str | None
    shown: str
    names: list[Node]
    args: str | None
    conditions: str
    action: Node | None


def effect_of(action: str | None, errno: Node | None) -> str | None:
    """The action as runc compiles it: KILL is KILL_THREAD, ERRNO/TRACE default to EPERM (1)."""
    if action not in ACTIONS:
        return None
    if action == "SCMP_ACT_KILL":
        return "SCMP_ACT_KILL_THREAD"
    if action in _TAKES_ERRNO:
        number = errno.value if errno is not None and isinstance(errno.value, int) else 1
        return f"{action}({number})"
    return action


def check_action(node: Node | None, report: Report) -> str | None:
    """Report an unknown action (with the one meant); return the action when it is valid."""
    if node is None or node.text() is None:
        return None
    action = node.value
    if action in ACTIONS:
        return str(action)
    guess = suggest_action(action)
    hint = f'did you mean "{guess}"?' if guess else "valid actions: " + ", ".join(ACTIONS)
    report(node, "error", "unknown-action",
           f'"{action}" is not a seccomp action; runc refuses the whole profile '
           "(the container does not start)", hint)
    return None


# Spelling suggestions left for the profile being checked (check_profile sets it).
SUGGESTIONS_LEFT: ContextVar[int] = ContextVar("SUGGESTIONS_LEFT", default=50)


def check_rule(rule: Node, default_effect: str | None, report: Report) -> RuleFacts | None:
    """Check one rule; return its facts for the cross-rule checks, or None if it is no object."""
    if not isinstance(rule.value, dict):
        return None
    names = _check_names(rule, report)
    action = check_action(rule.get("action"), report)
    errno = rule.get("errnoRet")
    _check_errno(errno, action, report)
    if action == "SCMP_ACT_NOTIFY":
        for name in names:
            if name.value == "write":
                report(name, "error", "notify-write",
                       "SCMP_ACT_NOTIFY cannot be used for write: runc writes the notification "
                       "descriptor to its parent with write(), so it would hang; runc refuses it",
                       'give "write" another action')
    effect = effect_of(action, errno)
    action_node = rule.get("action")
    if effect is not None and effect == default_effect and action_node is not None:
        report(action_node, "warning", "redundant-rule",
               f"this rule repeats the default action ({_shown(action, errno)}): runc skips it, "
               "so it has no effect", "delete the rule, or give it a different action")
        effect = None
    args = rule.get("args")
    check_args(args, report)
    conditions = {
        key: node.plain() for key in ("includes", "excludes") if (node := rule.get(key)) is not None
    }
    return RuleFacts(
        effect=effect,
        shown=_shown(action, errno),
        names=names,
        args=json.dumps(args.plain(), sort_keys=True) if args and args.items() else None,
        conditions=json.dumps(conditions, sort_keys=True),
        action=action_node,
    )


def _shown(action: str | None, errno: Node | None) -> str:
    if action in _TAKES_ERRNO and errno is not None and isinstance(errno.value, int):
        return f"{action} (errno {errno.value})"
    return action or "?"


def _check_names(rule: Node, report: Report) -> list[Node]:
    single, many = rule.get("name"), rule.get("names")
    if single is not None and many is not None:
        report(rule.keys["name"], "error", "name-and-names",
               'this rule has both "name" and "names"; Docker refuses such a profile',
               f'move "{single.value}" into "names" and delete "name"')
    elif single is not None and single.text():
        report(rule.keys["name"], "warning", "name-ignored",
               '"name" is Docker\'s old single-syscall field; containerd (so kind) ignores it, '
               "and there this rule applies to no syscall",
               f'write "names": ["{single.value}"]')
    nodes = [node for node in (many.items() if many else []) if node.text() is not None]
    if many is None and single is not None and single.text() is not None:
        nodes.append(single)
    if single is None and (many is None or many.value == []):
        report(rule, "warning", "no-syscalls", "this rule names no syscall, so it does nothing",
               'list the syscalls in "names": ["…"]')
    for node in nodes:
        _check_name(node, report)
    return nodes


def _check_name(node: Node, report: Report) -> None:
    name = node.value
    if not name:
        report(node, "error", "empty-syscall-name",
               "an empty syscall name; runc refuses the profile", "remove the empty string")
        return
    if is_known_syscall(name):
        return
    # A suggestion costs ~10 ms (difflib over every name); a generated 4 MiB file can hold
    # 80,000 unknown names, so only the first ones get one.
    budget = SUGGESTIONS_LEFT.get()
    SUGGESTIONS_LEFT.set(budget - 1)
    close = suggest_syscalls(name) if budget > 0 else []
    if close and close[0] == name.lower():
        hint = f'syscall names are lower case: "{close[0]}"'
    elif close:
        hint = "did you mean " + " or ".join(f'"{c}"' for c in close) + "?"
    else:
        hint = "check the spelling against `man 2 syscalls`"
    report(node, "warning", "unknown-syscall",
           f'libseccomp knows no syscall "{name}" on any architecture; runc skips unknown names '
           "without a word, so this entry does nothing", hint)


def _check_errno(errno: Node | None, action: str | None, report: Report) -> None:
    if errno is None or not isinstance(errno.value, int):
        return
    if action is not None and action not in _TAKES_ERRNO:
        report(errno, "warning", "errno-ignored",
               f"errnoRet only matters for SCMP_ACT_ERRNO and SCMP_ACT_TRACE; {action} ignores it",
               "delete errnoRet, or use SCMP_ACT_ERRNO")
    elif errno.value > MAX_ERRNO:
        report(errno, "warning", "errno-out-of-range",
               f"the kernel caps errno values at {MAX_ERRNO}; {errno.value} will not be returned",
               "use an errno number such as 1 (EPERM) or 38 (ENOSYS)")
