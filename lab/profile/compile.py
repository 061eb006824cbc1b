"""Compile a `Profile` into a libseccomp filter the way runc does, for this process and kernel."""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass, field

import pyseccomp

from lab.profile.conditions import LocalContext, rule_applies
from lab.profile.model import ArgRule, Profile, SyscallRule
from lab.profile.syscalls import ARCHES, arch_name

_OPERATORS = {
    "SCMP_CMP_NE": pyseccomp.NE,
    "SCMP_CMP_LT": pyseccomp.LT,
    "SCMP_CMP_LE": pyseccomp.LE,
    "SCMP_CMP_EQ": pyseccomp.EQ,
    "SCMP_CMP_GE": pyseccomp.GE,
    "SCMP_CMP_GT": pyseccomp.GT,
    "SCMP_CMP_MASKED_EQ": pyseccomp.MASKED_EQ,
}
# Flags that become libseccomp attributes. TSYNC only matters with threads: the launcher has one.
_FLAG_ATTRS = {
    "SECCOMP_FILTER_FLAG_LOG": pyseccomp.Attr.CTL_LOG,
    "SECCOMP_FILTER_FLAG_SPEC_ALLOW": pyseccomp.Attr.CTL_SSB,
    "SECCOMP_FILTER_FLAG_TSYNC": pyseccomp.Attr.CTL_TSYNC,
}
# The kernel's values for them (linux/seccomp.h), for loading the exported program.
_KERNEL_FLAGS = {
    "SECCOMP_FILTER_FLAG_TSYNC": 1,
    "SECCOMP_FILTER_FLAG_LOG": 2,
    "SECCOMP_FILTER_FLAG_SPEC_ALLOW": 4,
}
_U64 = (1 << 64) - 1
_NR_SCMP_ERROR = -1
# libseccomp's pseudo numbers: below this, "no such syscall on this arch"; between it and -1,
# a call multiplexed through socketcall/ipc on 32-bit x86, which libseccomp filters both ways.
_PNR_BASE = -10000


class CompileError(Exception):
    """The profile cannot be enforced here; the message says why and what to change."""


@dataclass
class CompiledProfile:
    """A ready-to-load filter, with what was applied and what was left out (and why)."""

    filter: pyseccomp.SyscallFilter
    default: str = ""
    flags: list[str] = field(default_factory=list)
    architectures: list[str] = field(default_factory=list)
    applied: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    unknown_syscalls: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # unknown_syscalls as a set: a generated profile can name 20,000 (a list search each: 6 s).
    _unknown_seen: set[str] = field(default_factory=set, repr=False, compare=False)


def kernel_flags(compiled: CompiledProfile) -> int:
    """The seccomp(2) flags libseccomp would load this filter with."""
    return sum(_KERNEL_FLAGS[flag] for flag in compiled.flags)


def export_program(compiled: CompiledProfile) -> bytes:
    """The BPF program libseccomp generates for the filter: what it would hand the kernel."""
    fd = os.memfd_create("seclab-bpf", os.MFD_CLOEXEC)
    with os.fdopen(fd, "w+b") as handle:
        compiled.filter.export_bpf(handle)
        handle.seek(0)
        return handle.read()


def seccomp_syscall_number() -> int:
    """The number of the seccomp(2) system call on this architecture."""
    return int(pyseccomp.resolve_syscall(pyseccomp.Arch.NATIVE, "seccomp"))


def action_value(action: str, errno_ret: int | None) -> int:
    """libseccomp's value for a profile action (ERRNO and TRACE default to EPERM, as in runc)."""
    code = errno.EPERM if errno_ret is None else errno_ret
    values = {
        "SCMP_ACT_KILL": pyseccomp.KILL_THREAD,
        "SCMP_ACT_KILL_THREAD": pyseccomp.KILL_THREAD,
        "SCMP_ACT_KILL_PROCESS": pyseccomp.KILL_PROCESS,
        "SCMP_ACT_TRAP": pyseccomp.TRAP,
        "SCMP_ACT_ERRNO": pyseccomp.ERRNO(code),
        "SCMP_ACT_TRACE": pyseccomp.TRACE(code),
        "SCMP_ACT_ALLOW": pyseccomp.ALLOW,
        "SCMP_ACT_LOG": pyseccomp.LOG,
    }
    if action == "SCMP_ACT_NOTIFY":
        raise CompileError(
            "SCMP_ACT_NOTIFY hands each matching syscall to a listener process (listenerPath), "
            "and `seclab exec` has none: every such syscall would hang or fail. "
            "Use SCMP_ACT_ERRNO or SCMP_ACT_LOG locally, or run this profile under Docker."
        )
    if action not in values:
        raise CompileError(f"{action!r} is not a seccomp action runc knows")
    return values[action]


def action_label(action: str, errno_ret: int | None) -> str:
    """`SCMP_ACT_ERRNO (EPERM)`: the action with the errno it returns, where it returns one."""
    if action not in ("SCMP_ACT_ERRNO", "SCMP_ACT_TRACE"):
        return action
    code = errno.EPERM if errno_ret is None else errno_ret
    return f"{action} ({errno.errorcode.get(code, code)})"


def compile_profile(profile: Profile, context: LocalContext | None = None) -> CompiledProfile:
    """Build the filter for `profile` as runc would load it for this process."""
    context = context or LocalContext.current()
    default = action_value(profile.default_action, profile.default_errno_ret)
    label = action_label(profile.default_action, profile.default_errno_ret)
    compiled = CompiledProfile(pyseccomp.SyscallFilter(default), label)
    _add_architectures(profile, context, compiled)
    for flag in profile.flags:
        if flag in _FLAG_ATTRS:
            compiled.filter.set_attr(_FLAG_ATTRS[flag], 1)
            compiled.flags.append(flag)
        else:
            compiled.notes.append(f"flag {flag} ignored: it only matters with SCMP_ACT_NOTIFY")
    for rule in profile.syscalls:
        _add_rule(rule, default, context, compiled)
    return compiled


def _add_architectures(profile: Profile, context: LocalContext, out: CompiledProfile) -> None:
    # libseccomp always starts with the native arch; runc adds the listed ones next to it, and
    # Docker keeps only the archMap entry whose main architecture is the native one.
    wanted = list(profile.architectures)
    for entry in profile.arch_map:
        if entry.architecture == arch_name(context.native_arch):
            wanted += [entry.architecture, *entry.sub_architectures]
    out.architectures = [arch_name(context.native_arch)]
    for name in dict.fromkeys(wanted):
        if name not in ARCHES:
            raise CompileError(f"{name!r} is not a seccomp architecture (write SCMP_ARCH_X86_64)")
        if ARCHES[name] != context.native_arch:
            try:
                out.filter.add_arch(ARCHES[name])
            except OSError as exc:
                raise CompileError(f"libseccomp cannot add {name}: {exc.strerror}") from None
            out.architectures.append(name)


def _add_rule(rule: SyscallRule, default: int, ctx: LocalContext, out: CompiledProfile) -> None:
    try:
        reason = rule_applies(rule, ctx)
    except ValueError as exc:
        raise CompileError(f"{', '.join(rule.names)}: {exc}") from None
    if reason:
        out.skipped.append(f"{', '.join(rule.names)} -> {rule.action}: {reason}")
        return
    action = action_value(rule.action, rule.errno_ret)
    if action == default:
        # libseccomp refuses a rule that repeats the default action; runc drops it too.
        out.skipped.append(f"{', '.join(rule.names)}: same action as the default")
        return
    for group in _condition_groups(rule.args):
        label = f"{action_label(rule.action, rule.errno_ret)}{_describe_args(group)}"
        for name in rule.names:
            if pyseccomp.resolve_syscall(pyseccomp.Arch.NATIVE, name) == _NR_SCMP_ERROR:
                if name not in out._unknown_seen:
                    out._unknown_seen.add(name)
                    out.unknown_syscalls.append(name)
                continue
            # Non-exact rules: libseccomp translates the name per arch and leaves out the
            # arches that lack the syscall (arm64 has no `mkdir`).
            try:
                out.filter.add_rule(action, name, *(_arg(a) for a in group))
            except OSError as exc:
                raise CompileError(
                    f"libseccomp refused the rule {name} -> {label}: {exc.strerror}"
                    " (is the syscall listed twice with different actions?)"
                ) from None
            absent = [a for a in out.architectures if _absent(ARCHES[a], name)]
            where = f" (not on {', '.join(absent)}: left out there)" if absent else ""
            out.applied.append(f"{name} -> {label}{where}")


def _absent(token: int, name: str) -> bool:
    number = pyseccomp.resolve_syscall(token, name)
    return number == _NR_SCMP_ERROR or number <= _PNR_BASE


def _condition_groups(args: tuple[ArgRule, ...]) -> list[tuple[ArgRule, ...]]:
    # runc: conditions on distinct arguments form one rule (all must match); when an argument
    # is compared twice, every condition becomes a rule of its own (any may match).
    indexes = [a.index for a in args]
    if len(set(indexes)) == len(indexes):
        return [args]
    return [(a,) for a in args]


def _arg(rule: ArgRule) -> pyseccomp.Arg:
    # libseccomp's MASKED_EQ tests (arg & datum_a) == datum_b: the OCI value is the mask.
    return pyseccomp.Arg(rule.index, _OPERATORS[rule.op], rule.value & _U64, rule.value_two & _U64)


def _describe_args(args: tuple[ArgRule, ...]) -> str:
    parts = []
    for a in args:
        op = a.op.removeprefix("SCMP_CMP_")
        if op == "MASKED_EQ":
            parts.append(f"arg{a.index} & {a.value:#x} == {a.value_two:#x}")
        else:
            parts.append(f"arg{a.index} {op} {a.value:#x}")
    return f" when {' and '.join(parts)}" if parts else ""


def describe_compiled(compiled: CompiledProfile) -> list[str]:
    """Human lines: architectures, rules applied, rules skipped, unknown names, notes."""
    lines = [f"default: {compiled.default}"]
    lines.append(f"architectures: {', '.join(compiled.architectures)}")
    if compiled.flags:
        lines.append(f"flags: {', '.join(compiled.flags)}")
    lines += [f"applied: {line}" for line in compiled.applied]
    lines += [f"skipped: {line}" for line in compiled.skipped]
    if compiled.unknown_syscalls:
        names = ", ".join(compiled.unknown_syscalls)
        lines.append(f"ignored unknown syscalls (as runc does): {names}")
    lines += [f"note: {line}" for line in compiled.notes]
    return lines
