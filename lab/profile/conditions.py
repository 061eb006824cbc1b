"""Docker's `includes`/`excludes` evaluated for this process: capabilities, arch, kernel."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from lab.profile.model import Condition, SyscallRule
from lab.profile.syscalls import arch_name, native_arch

# Capability numbers from linux/capability.h; names are written CAP_* in profiles.
_CAP_NAMES = """
CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID SETPCAP LINUX_IMMUTABLE
NET_BIND_SERVICE NET_BROADCAST NET_ADMIN NET_RAW IPC_LOCK IPC_OWNER SYS_MODULE SYS_RAWIO
SYS_CHROOT SYS_PTRACE SYS_PACCT SYS_ADMIN SYS_BOOT SYS_NICE SYS_RESOURCE SYS_TIME SYS_TTY_CONFIG
MKNOD LEASE AUDIT_WRITE AUDIT_CONTROL SETFCAP MAC_OVERRIDE MAC_ADMIN SYSLOG WAKE_ALARM
BLOCK_SUSPEND AUDIT_READ PERFMON BPF CHECKPOINT_RESTORE
"""
CAPABILITIES = tuple(_CAP_NAMES.split())  # bit 0 is CHOWN, bit 40 CHECKPOINT_RESTORE
# Docker compares `arches` with Go's GOARCH (`amd64`); accept that, the seccomp name and uname's.
_GO_ARCH = {
    "SCMP_ARCH_X86_64": "amd64",
    "SCMP_ARCH_X86": "386",
    "SCMP_ARCH_AARCH64": "arm64",
    "SCMP_ARCH_ARM": "arm",
    "SCMP_ARCH_PPC64": "ppc64",
    "SCMP_ARCH_PPC64LE": "ppc64le",
    "SCMP_ARCH_S390": "s390",
    "SCMP_ARCH_S390X": "s390x",
    "SCMP_ARCH_RISCV64": "riscv64",
    "SCMP_ARCH_MIPS": "mips",
    "SCMP_ARCH_MIPSEL": "mipsle",
    "SCMP_ARCH_MIPS64": "mips64",
    "SCMP_ARCH_MIPSEL64": "mips64le",
}


def effective_capabilities(status: Path = Path("/proc/self/status")) -> frozenset[str]:
    """Names (`CAP_SYS_ADMIN`) of the capabilities in this process's effective set."""
    for line in status.read_text().splitlines():
        if line.startswith("CapEff:"):
            mask = int(line.split()[1], 16)
            return frozenset(f"CAP_{n}" for bit, n in enumerate(CAPABILITIES) if mask >> bit & 1)
    return frozenset()


def parse_kernel(release: str) -> tuple[int, ...]:
    """(6, 18, 44) from `6.18.44-fc-v595`; ValueError when there is no version at the start."""
    match = re.match(r"(\d+)(?:\.(\d+))?(?:\.(\d+))?", release.strip())
    if not match:
        raise ValueError(f"{release!r} is not a kernel version (write it like 4.8)")
    return tuple(int(part) for part in match.groups() if part is not None)


@dataclass(frozen=True)
class LocalContext:
    """What `includes`/`excludes` are checked against: the launcher's caps, arch and kernel."""

    native_arch: int
    capabilities: frozenset[str]
    kernel: tuple[int, ...]

    @classmethod
    def current(cls) -> LocalContext:
        return cls(native_arch(), effective_capabilities(), parse_kernel(os.uname().release))

    def arch_aliases(self) -> set[str]:
        name = arch_name(self.native_arch)
        return {name, name.removeprefix("SCMP_ARCH_").lower(), _GO_ARCH.get(name, name)}

    def kernel_at_least(self, minimum: str) -> bool:
        want = parse_kernel(minimum)
        have = self.kernel + (0,) * max(0, len(want) - len(self.kernel))
        return have[: len(want)] >= want


def rule_applies(rule: SyscallRule, ctx: LocalContext) -> str | None:
    """None when the rule applies here, else why it is left out (Docker's order of checks)."""
    ex, inc = rule.excludes, rule.includes
    if ex.arches and ctx.arch_aliases() & set(ex.arches):
        return "excluded on this architecture"
    present = [c for c in ex.caps if _has_cap(ctx, c)]
    if present:
        return f"excluded because the launcher has {present[0]}"
    if ex.min_kernel and ctx.kernel_at_least(ex.min_kernel):
        return f"excluded on kernels from {ex.min_kernel}"
    return _missing_include(inc, ctx)


def _missing_include(inc: Condition, ctx: LocalContext) -> str | None:
    if inc.arches and not ctx.arch_aliases() & set(inc.arches):
        return f"only for {', '.join(inc.arches)}"
    missing = [c for c in inc.caps if not _has_cap(ctx, c)]
    if missing:
        return f"needs {missing[0]}, which the launcher lacks"
    if inc.min_kernel and not ctx.kernel_at_least(inc.min_kernel):
        return f"needs kernel {inc.min_kernel} or later"
    return None


def _has_cap(ctx: LocalContext, name: str) -> bool:
    upper = name.upper()
    return (upper if upper.startswith("CAP_") else f"CAP_{upper}") in ctx.capabilities
