"""Syscall names and numbers per architecture, always from the system's libseccomp.

There is no table typed in here: names come from `seccomp_syscall_resolve_num_arch`, numbers
from `seccomp_syscall_resolve_name_arch`, and architecture tokens from libseccomp's constants.
"""

from __future__ import annotations

from functools import cache

import pyseccomp

# The profile format spells architectures `SCMP_ARCH_<NAME>`; libseccomp's constants are the
# kernel's AUDIT_ARCH_* values, which are also what an audit record's `arch=` field holds.
ARCHES: dict[str, int] = {
    f"SCMP_ARCH_{name}": value
    for name, value in vars(pyseccomp.Arch).items()
    if name.isupper() and name != "NATIVE"
}
AUDIT_ARCH_TO_NAME: dict[int, str] = {value: name for name, value in ARCHES.items()}

# x32 syscalls are the x86_64 numbers with this bit set (__X32_SYSCALL_BIT).
_X32_BIT = 0x40000000
# Syscall numbers on every architecture libseccomp knows stay below this, apart from x32's bit
# and the legacy ARM private calls (0x0f0000..).
_NUMBER_SPAN = 1200
_ARM_PRIVATE = range(0x0F0000, 0x0F0008)

# libseccomp answers an unknown name with __NR_SCMP_ERROR; a name that exists elsewhere but
# not on this arch gets a negative pseudo-number below -10000.
_NR_SCMP_ERROR = -1


def native_arch() -> int:
    """The audit arch token of the running kernel's native ABI (0xc000003e on x86_64)."""
    return pyseccomp.system_arch()


def arch_name(token: int) -> str:
    """`SCMP_ARCH_X86_64` for 0xc000003e; an `unknown(0x…)` marker when libseccomp has none."""
    return AUDIT_ARCH_TO_NAME.get(token, f"unknown(0x{token:08x})")


def short_arch_name(token: int) -> str:
    """`x86_64`, `aarch64`, `x86` … as people write them in prose."""
    name = AUDIT_ARCH_TO_NAME.get(token)
    return name.removeprefix("SCMP_ARCH_").lower() if name else f"0x{token:08x}"


def syscall_name(token: int, number: int) -> str | None:
    """The name of syscall `number` on the arch with audit token `token`, or None."""
    return _names_by_number(token).get(number)


def syscall_number(token: int, name: str) -> int | None:
    """The number of `name` on that arch, or None when the arch has no such syscall."""
    number = pyseccomp.resolve_syscall(token, name)
    return number if number >= 0 else None


@cache
def _names_by_number(token: int) -> dict[int, str]:
    base = _X32_BIT if token == pyseccomp.Arch.X32 else 0
    numbers = [*range(base, base + _NUMBER_SPAN)]
    if token == pyseccomp.Arch.ARM:
        numbers += [*_ARM_PRIVATE]
    table: dict[int, str] = {}
    for number in numbers:
        try:
            table[number] = pyseccomp.resolve_syscall(token, number).decode()
        except ValueError:
            continue
    return table


@cache
def all_syscall_names() -> frozenset[str]:
    """Every syscall name libseccomp knows on any architecture (for lint and suggestions)."""
    names: set[str] = set()
    for token in ARCHES.values():
        names.update(_names_by_number(token).values())
    return frozenset(names)


def is_known_syscall(name: str) -> bool:
    """True when libseccomp knows `name` on at least one architecture."""
    return name in all_syscall_names() or (
        pyseccomp.resolve_syscall(native_arch(), name) != _NR_SCMP_ERROR
    )


def exists_on(token: int, name: str) -> bool:
    """True when the arch has a real syscall of that name (arm64 has no `mkdir`)."""
    return syscall_number(token, name) is not None


def _stem(name: str) -> str:
    """What a syscall's variants share: `mkdir` for mkdirat, `chmod` for fchmodat2."""
    stem = name.rstrip("0123456789")
    if stem.endswith("at") and len(stem) > 4:
        stem = stem[:-2]
        if stem.startswith("f") and stem[1:] in all_syscall_names():
            stem = stem[1:]
    return stem


@cache
def _families() -> dict[str, frozenset[str]]:
    groups: dict[str, set[str]] = {}
    for name in all_syscall_names():
        groups.setdefault(_stem(name), set()).add(name)
    return {stem: frozenset(names) for stem, names in groups.items() if len(names) > 1}


def variants(name: str) -> frozenset[str]:
    """The other syscalls that do the same job under another name, per libseccomp's names.

    `mkdir` → {mkdirat}; `openat` → {open, openat2}; `dup2` → {dup, dup3}. Derived from the
    names libseccomp knows (a number or an `at` suffix added over the years), not typed in.
    """
    return _families().get(_stem(name), frozenset()) - {name}
