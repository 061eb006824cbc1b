"""Checks on a whole parsed profile: the default action, architectures, flags, and rule order."""

from __future__ import annotations

from lab.profile.lint import advice, conflicts, docker
from lab.profile.lint.names import is_platform_word, suggest_arch, suggest_flag
from lab.profile.lint.rules import (
    MAX_ERRNO,
    SUGGESTIONS_LEFT,
    check_action,
    check_rule,
    effect_of,
)
from lab.profile.lint.shape import Report, check_shape, kind_of
from lab.profile.located_json import Node
from lab.profile.model import FLAGS
from lab.profile.syscalls import ARCHES


def check_profile(root: Node, report: Report) -> None:
    """Run every check on a parsed document, reporting each finding."""
    if not isinstance(root.value, dict):
        report(root, "error", "not-an-object",
               f"a seccomp profile is a JSON object, but this file holds {kind_of(root.plain())}",
               'start with {"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [ … ]}')
        return
    check_shape(root, "profile", report)
    default = _check_default(root, report)
    _check_architectures(root, report)
    _check_flags(root, report)
    rules = root.get("syscalls")
    budget = SUGGESTIONS_LEFT.set(50)
    try:
        facts = [
            fact
            for rule in (rules.items() if rules else [])
            if (fact := check_rule(rule, default, report)) is not None
        ]
    finally:
        SUGGESTIONS_LEFT.reset(budget)
    conflicts.check_conflicts(facts, report)
    advice.check_advice(root, default, facts, report)
    docker.check_docker_only(root, report)


def _check_default(root: Node, report: Report) -> str | None:
    node = root.get("defaultAction")
    if node is None and any(key.lower() == "defaultaction" for key in root.keys):
        return None  # a mis-cased key: reported as unknown-key, with the right spelling
    if node is None:
        rules = root.get("syscalls")
        without_rules = rules is None or not rules.items()
        report(root, "error", "missing-default-action",
               'the profile has no "defaultAction"'
               + ("; Docker would run the container with no seccomp filter at all"
                  if without_rules else ""),
               'add "defaultAction": "SCMP_ACT_ERRNO" (deny what is not listed) '
               'or "SCMP_ACT_LOG" (allow and log everything)')
        return None
    action = check_action(node, report)
    if action == "SCMP_ACT_NOTIFY":
        report(node, "error", "notify-default",
               "SCMP_ACT_NOTIFY cannot be the default action: runc needs write() to hand the "
               "notification descriptor over, and refuses such a profile",
               "use SCMP_ACT_NOTIFY only in rules for the syscalls a supervisor should handle")
    errno = root.get("defaultErrnoRet")
    if errno is not None and isinstance(errno.value, int) and action is not None:
        if action != "SCMP_ACT_ERRNO":
            report(errno, "warning", "errno-ignored",
                   "defaultErrnoRet only matters when defaultAction is SCMP_ACT_ERRNO, "
                   f"not {action}",
                   "delete defaultErrnoRet")
        elif errno.value > MAX_ERRNO:
            report(errno, "warning", "errno-out-of-range",
                   f"the kernel caps errno values at {MAX_ERRNO}", "use 1 (EPERM)")
    return effect_of(action, errno)


def _check_architectures(root: Node, report: Report) -> None:
    listed, arch_map = root.get("architectures"), root.get("archMap")
    if listed is not None and arch_map is not None:
        report(root.keys["archMap"], "error", "arch-and-archmap",
               'the profile has both "architectures" and "archMap"; Docker refuses that',
               'keep "architectures" (every runtime reads it) and delete "archMap"')
    names = list(listed.items()) if listed else []
    for entry in arch_map.items() if arch_map else []:
        main, subs = entry.get("architecture"), entry.get("subArchitectures")
        names += ([main] if main else []) + (subs.items() if subs else [])
    for node in names:
        if node.text() is not None and node.value not in ARCHES:
            _unknown_arch(node, report)


def _unknown_arch(node: Node, report: Report) -> None:
    guess = suggest_arch(node.value)
    kind = ("a platform name (Go, Docker), not" if is_platform_word(node.value) else "not")
    report(node, "error", "unknown-architecture",
           f'"{node.value}" is {kind} a seccomp architecture; runc refuses the profile',
           f'did you mean "{guess}"?' if guess else "architectures look like SCMP_ARCH_X86_64")


def _check_flags(root: Node, report: Report) -> None:
    flags = root.get("flags")
    for node in flags.items() if flags else []:
        if node.text() is not None and node.value not in FLAGS:
            guess = suggest_flag(node.value)
            report(node, "error", "unknown-flag",
                   f'"{node.value}" is not a seccomp filter flag runc knows',
                   f'did you mean "{guess}"?' if guess else "flags: " + ", ".join(FLAGS))
