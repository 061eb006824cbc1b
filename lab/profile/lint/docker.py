"""Checks on Docker's own fields: `includes`/`excludes`, and what containerd (so kind) ignores."""

from __future__ import annotations

import difflib
import re

from lab.profile.lint.names import (
    CAPABILITIES,
    DOCKER_ARCH_WORDS,
    docker_arch_word,
    suggest_arch,
    suggest_capability,
)
from lab.profile.lint.shape import Report
from lab.profile.located_json import Node

# Docker parses minKernel as "<major>.<minor>" and refuses the profile otherwise.
_KERNEL = re.compile(r"[0-9]+\.[0-9]+")
_IGNORED = {
    "archMap": 'containerd (so kind) ignores "archMap": there no extra architecture is added; '
    'use "architectures" in a profile for Kubernetes',
    "comment": 'containerd (so kind) ignores "comment"; harmless, it is only a note',
    "includes": 'containerd (so kind) ignores "includes": there the rule applies whatever the '
    "capabilities, architecture or kernel",
    "excludes": 'containerd (so kind) ignores "excludes": there the rule is never left out',
    "minKernel": 'containerd (so kind) ignores "minKernel" along with the includes/excludes '
    "holding it",
}


def check_docker_only(root: Node, report: Report) -> None:
    """Check includes/excludes, then note once per field what containerd will not read."""
    found: dict[str, list[tuple[int, int]]] = {}
    if "archMap" in root.keys and root.get("archMap") is not None:
        found["archMap"] = [root.keys["archMap"]]
    rules = root.get("syscalls")
    for rule in rules.items() if rules else []:
        for key in ("comment", "includes", "excludes"):
            if rule.get(key) is not None:
                found.setdefault(key, []).append(rule.keys[key])
                if key != "comment":
                    _check_filter(rule.value[key], found, report)
    for key, places in found.items():
        more = f" ({len(places)} places)" if len(places) > 1 else ""
        report(places[0], "info", "ignored-by-containerd", _IGNORED[key] + more, None)


def _check_filter(node: Node, found: dict[str, list[tuple[int, int]]], report: Report) -> None:
    caps, arches, kernel = node.get("caps"), node.get("arches"), node.get("minKernel")
    for cap in caps.items() if caps else []:
        if cap.text() is not None and cap.value not in CAPABILITIES:
            guess = suggest_capability(cap.value)
            report(cap, "warning", "unknown-capability",
                   f'"{cap.value}" is not a Linux capability, so this condition never holds',
                   f'did you mean "{guess}"?' if guess else "capabilities look like CAP_SYS_ADMIN")
    for arch in arches.items() if arches else []:
        if arch.text() is not None and arch.value not in DOCKER_ARCH_WORDS:
            _check_arch_word(arch, report)
    if kernel is not None and kernel.text() is not None:
        found.setdefault("minKernel", []).append(node.keys["minKernel"])
        if not _KERNEL.match(kernel.value):
            report(kernel, "error", "bad-min-kernel",
                   f'"{kernel.value}" is not a kernel version Docker can read',
                   'write "<major>.<minor>", e.g. "5.8"')


def _check_arch_word(arch: Node, report: Report) -> None:
    scmp = arch.value if arch.value.startswith("SCMP_ARCH_") else suggest_arch(arch.value)
    if scmp and arch.value.startswith("SCMP_ARCH_"):
        message = (f'Docker compares includes/excludes "arches" with its platform words, so '
                   f'"{arch.value}" never matches')
    else:
        message = f'"{arch.value}" is not an architecture word Docker uses, so it never matches'
    word = docker_arch_word(scmp) if scmp else None
    if word not in DOCKER_ARCH_WORDS:
        close = difflib.get_close_matches(arch.value.lower(), DOCKER_ARCH_WORDS, n=1)
        word = close[0] if close else None
    report(arch, "warning", "unknown-arch-word", message,
           f'write "{word}"' if word else "words: " + ", ".join(DOCKER_ARCH_WORDS))
