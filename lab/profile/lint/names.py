"""The names a profile may use, and the name a learner most likely meant when one is wrong."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from functools import cache

from lab.profile.model import ACTIONS, FLAGS, OPERATORS
from lab.profile.syscalls import ARCHES, all_syscall_names

# Platform words people write where seccomp wants an SCMP_ARCH_* name.
_ARCH_WORDS = {
    "amd64": "SCMP_ARCH_X86_64",
    "x86_64": "SCMP_ARCH_X86_64",
    "x86-64": "SCMP_ARCH_X86_64",
    "x64": "SCMP_ARCH_X86_64",
    "arm64": "SCMP_ARCH_AARCH64",
    "aarch64": "SCMP_ARCH_AARCH64",
    "386": "SCMP_ARCH_X86",
    "i386": "SCMP_ARCH_X86",
    "i686": "SCMP_ARCH_X86",
    "x86": "SCMP_ARCH_X86",
    "armhf": "SCMP_ARCH_ARM",
    "armv7": "SCMP_ARCH_ARM",
    "armv7l": "SCMP_ARCH_ARM",
    "ppc64el": "SCMP_ARCH_PPC64LE",
}
# Docker matches includes/excludes "arches" against its own platform words, not SCMP_ARCH_*.
DOCKER_ARCH_WORDS = (
    "x86", "amd64", "x32", "arm", "arm64", "mips", "mipsel", "mipsle", "mips64", "mips64n32",
    "mipsel64", "mips3l64n32", "ppc", "ppc64", "ppc64le", "s390", "s390x", "riscv64", "loong64",
)
_DOCKER_WORD_FOR = {"SCMP_ARCH_X86_64": "amd64", "SCMP_ARCH_AARCH64": "arm64"}
CAPABILITIES = frozenset(
    "CAP_" + name
    for name in (  # noqa: SIM905 - one string reads better than 41 quoted words
        "CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID SETPCAP "
        "LINUX_IMMUTABLE NET_BIND_SERVICE NET_BROADCAST NET_ADMIN NET_RAW IPC_LOCK IPC_OWNER "
        "SYS_MODULE SYS_RAWIO SYS_CHROOT SYS_PTRACE SYS_PACCT SYS_ADMIN SYS_BOOT SYS_NICE "
        "SYS_RESOURCE SYS_TIME SYS_TTY_CONFIG MKNOD LEASE AUDIT_WRITE AUDIT_CONTROL SETFCAP "
        "MAC_OVERRIDE MAC_ADMIN SYSLOG WAKE_ALARM BLOCK_SUSPEND AUDIT_READ PERFMON BPF "
        "CHECKPOINT_RESTORE"
    ).split()
)
_ACTION_WORDS = {
    "SCMP_ACT_DENY": "SCMP_ACT_ERRNO",
    "SCMP_ACT_BLOCK": "SCMP_ACT_ERRNO",
    "SCMP_ACT_USER_NOTIF": "SCMP_ACT_NOTIFY",
}
_OPERATOR_WORDS = {
    "==": "SCMP_CMP_EQ",
    "!=": "SCMP_CMP_NE",
    "<": "SCMP_CMP_LT",
    "<=": "SCMP_CMP_LE",
    ">": "SCMP_CMP_GT",
    ">=": "SCMP_CMP_GE",
    "&": "SCMP_CMP_MASKED_EQ",
}
_FLAG_WORDS = {"SCMP_FLTATR_CTL_LOG": "SECCOMP_FILTER_FLAG_LOG"}


def _closest(word: str, choices: Iterable[str], cutoff: float = 0.6) -> str | None:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=cutoff)
    return close[0] if close else None


def _prefixed(
    word: str, prefix: str, choices: Iterable[str], aliases: dict[str, str]
) -> str | None:
    """A match ignoring case and a missing prefix, then a known alias, then the closest."""
    upper = word.strip().upper().replace("-", "_")
    full = upper if upper.startswith(prefix) else prefix + upper
    choices = tuple(choices)
    if full in choices:
        return full
    return aliases.get(full) or aliases.get(word.strip()) or _closest(full, choices)


def suggest_action(word: str) -> str | None:
    """`SCMP_ACt_ERRNO` → `SCMP_ACT_ERRNO`; `allow` → `SCMP_ACT_ALLOW`."""
    return _prefixed(word, "SCMP_ACT_", ACTIONS, _ACTION_WORDS)


def suggest_operator(word: str) -> str | None:
    """`==` → `SCMP_CMP_EQ`; `SCMP_CMP_EQUAL` → `SCMP_CMP_EQ`."""
    return _prefixed(word, "SCMP_CMP_", OPERATORS, _OPERATOR_WORDS)


def suggest_flag(word: str) -> str | None:
    """`log` → `SECCOMP_FILTER_FLAG_LOG`."""
    return _prefixed(word, "SECCOMP_FILTER_FLAG_", FLAGS, _FLAG_WORDS)


def suggest_arch(word: str) -> str | None:
    """`amd64` → `SCMP_ARCH_X86_64`; `arm64` → `SCMP_ARCH_AARCH64`."""
    plain = word.strip().lower()
    if plain in _ARCH_WORDS:
        return _ARCH_WORDS[plain]
    found = _prefixed(word, "SCMP_ARCH_", ARCHES, {})
    return found


def is_platform_word(word: str) -> bool:
    """True for words like `amd64` that name a platform rather than a seccomp architecture."""
    return word.strip().lower() in _ARCH_WORDS or word.strip().lower() in DOCKER_ARCH_WORDS


def docker_arch_word(scmp_name: str) -> str:
    """The word Docker's includes/excludes use for an SCMP_ARCH_* name (`amd64` for X86_64)."""
    return _DOCKER_WORD_FOR.get(scmp_name, scmp_name.removeprefix("SCMP_ARCH_").lower())


def suggest_capability(word: str) -> str | None:
    """`SYS_ADMIN` → `CAP_SYS_ADMIN`."""
    return _prefixed(word, "CAP_", CAPABILITIES, {})


@cache
def _sorted_syscall_names() -> list[str]:
    return sorted(all_syscall_names())


def suggest_syscalls(word: str) -> list[str]:
    """Up to three known syscall names close to `word` (`mkdirr` → `mkdir`, `mkdirat`)."""
    lower = word.strip().lower()
    if lower in all_syscall_names():
        return [lower]
    return difflib.get_close_matches(lower, _sorted_syscall_names(), n=3, cutoff=0.75)
