"""The seccomp profile format shared by Docker, runc/containerd and Kubernetes Localhost files.

`Profile.from_dict` builds the model from JSON that `lab.profile.lint` has already validated;
it does not re-check types. `to_dict` writes the canonical JSON shape back (stable key order).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ACTIONS = (
    "SCMP_ACT_KILL",
    "SCMP_ACT_KILL_PROCESS",
    "SCMP_ACT_KILL_THREAD",
    "SCMP_ACT_TRAP",
    "SCMP_ACT_ERRNO",
    "SCMP_ACT_TRACE",
    "SCMP_ACT_ALLOW",
    "SCMP_ACT_LOG",
    "SCMP_ACT_NOTIFY",
)
OPERATORS = (
    "SCMP_CMP_NE",
    "SCMP_CMP_LT",
    "SCMP_CMP_LE",
    "SCMP_CMP_EQ",
    "SCMP_CMP_GE",
    "SCMP_CMP_GT",
    "SCMP_CMP_MASKED_EQ",
)
FLAGS = (
    "SECCOMP_FILTER_FLAG_TSYNC",
    "SECCOMP_FILTER_FLAG_LOG",
    "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
    "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
)
# Fields containerd (so kind) does not read from a Localhost profile: they are Docker's.
DOCKER_ONLY_FIELDS = ("archMap", "name", "comment", "includes", "excludes", "minKernel")


@dataclass(frozen=True)
class ArgRule:
    """One argument comparison: `args[index] <op> value` (MASKED_EQ: `args & value == valueTwo`)."""

    index: int
    value: int
    op: str
    value_two: int = 0


@dataclass(frozen=True)
class Condition:
    """An `includes`/`excludes` block: capabilities, architectures, minimum kernel."""

    caps: tuple[str, ...] = ()
    arches: tuple[str, ...] = ()
    min_kernel: str | None = None

    def is_empty(self) -> bool:
        return not (self.caps or self.arches or self.min_kernel)


@dataclass(frozen=True)
class SyscallRule:
    """Syscalls that get `action` (when their `args` all match and the conditions hold)."""

    names: tuple[str, ...]
    action: str
    errno_ret: int | None = None
    args: tuple[ArgRule, ...] = ()
    comment: str | None = None
    includes: Condition = field(default_factory=Condition)
    excludes: Condition = field(default_factory=Condition)


@dataclass(frozen=True)
class ArchMapEntry:
    """Docker's `archMap`: a main architecture and the sub-architectures it implies."""

    architecture: str
    sub_architectures: tuple[str, ...] = ()


@dataclass(frozen=True)
class Profile:
    """A parsed seccomp profile."""

    default_action: str
    default_errno_ret: int | None = None
    architectures: tuple[str, ...] = ()
    arch_map: tuple[ArchMapEntry, ...] = ()
    flags: tuple[str, ...] = ()
    listener_path: str | None = None
    listener_metadata: str | None = None
    syscalls: tuple[SyscallRule, ...] = ()

    @property
    def logs_denials(self) -> bool:
        """True when ERRNO/TRAP/TRACE/NOTIFY outcomes will leave audit records."""
        return "SECCOMP_FILTER_FLAG_LOG" in self.flags

    def all_architectures(self) -> tuple[str, ...]:
        """`architectures`, or every architecture named in `archMap`, in order, without repeats."""
        names = list(self.architectures)
        for entry in self.arch_map:
            names += [entry.architecture, *entry.sub_architectures]
        return tuple(dict.fromkeys(names))

    def with_changes(self, **changes: Any) -> Profile:
        """A copy with some fields replaced (e.g. the default action, for verification runs)."""
        from dataclasses import replace

        return replace(self, **changes)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Profile:
        """Build from validated JSON."""
        return cls(
            default_action=data["defaultAction"],
            default_errno_ret=data.get("defaultErrnoRet"),
            architectures=tuple(data.get("architectures") or ()),
            arch_map=tuple(
                ArchMapEntry(e["architecture"], tuple(e.get("subArchitectures") or ()))
                for e in data.get("archMap") or ()
            ),
            flags=tuple(data.get("flags") or ()),
            listener_path=data.get("listenerPath"),
            listener_metadata=data.get("listenerMetadata"),
            syscalls=tuple(_rule_from_dict(r) for r in data.get("syscalls") or ()),
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape, with only the fields that are set, in a stable order."""
        out: dict[str, Any] = {"defaultAction": self.default_action}
        if self.default_errno_ret is not None:
            out["defaultErrnoRet"] = self.default_errno_ret
        if self.architectures:
            out["architectures"] = list(self.architectures)
        if self.arch_map:
            out["archMap"] = [
                {"architecture": e.architecture, "subArchitectures": list(e.sub_architectures)}
                for e in self.arch_map
            ]
        if self.flags:
            out["flags"] = list(self.flags)
        if self.listener_path:
            out["listenerPath"] = self.listener_path
        if self.listener_metadata:
            out["listenerMetadata"] = self.listener_metadata
        out["syscalls"] = [_rule_to_dict(r) for r in self.syscalls]
        return out


def _condition(data: dict[str, Any] | None) -> Condition:
    data = data or {}
    return Condition(
        tuple(data.get("caps") or ()), tuple(data.get("arches") or ()), data.get("minKernel")
    )


def _rule_from_dict(data: dict[str, Any]) -> SyscallRule:
    names = data.get("names") or ([data["name"]] if data.get("name") else [])
    return SyscallRule(
        names=tuple(names),
        action=data["action"],
        errno_ret=data.get("errnoRet"),
        args=tuple(
            ArgRule(a["index"], a["value"], a["op"], a.get("valueTwo", 0))
            for a in data.get("args") or ()
        ),
        comment=data.get("comment"),
        includes=_condition(data.get("includes")),
        excludes=_condition(data.get("excludes")),
    )


def _condition_to_dict(cond: Condition) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if cond.caps:
        out["caps"] = list(cond.caps)
    if cond.arches:
        out["arches"] = list(cond.arches)
    if cond.min_kernel:
        out["minKernel"] = cond.min_kernel
    return out


def _rule_to_dict(rule: SyscallRule) -> dict[str, Any]:
    out: dict[str, Any] = {"names": list(rule.names), "action": rule.action}
    if rule.errno_ret is not None:
        out["errnoRet"] = rule.errno_ret
    if rule.args:
        out["args"] = [
            {"index": a.index, "value": a.value, "valueTwo": a.value_two, "op": a.op}
            for a in rule.args
        ]
    if rule.comment:
        out["comment"] = rule.comment
    if not rule.includes.is_empty():
        out["includes"] = _condition_to_dict(rule.includes)
    if not rule.excludes.is_empty():
        out["excludes"] = _condition_to_dict(rule.excludes)
    return out
