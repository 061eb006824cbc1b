"""Can this host run privileged containers? The capability bounding set answers before runc does.

A privileged container asks for every capability the kernel knows. runc can only grant what is
in the bounding set of the engine that starts it; when one is missing it fails late, with
`unable to apply caps: operation not permitted`. Reading `CapBnd` says why, up front.
"""

from __future__ import annotations

from pathlib import Path

# Capability numbers are fixed by the kernel ABI (include/uapi/linux/capability.h).
CAP_NAMES = (
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
    "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
    "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK",
    "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
    "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE",
    "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
    "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
    "CAP_CHECKPOINT_RESTORE",
)  # fmt: skip

DOCKERD_PIDFILE = Path("/var/run/docker.pid")


def cap_name(number: int) -> str:
    """`CAP_SYS_RESOURCE` for 24; `cap_<n>` for numbers newer than this table."""
    return CAP_NAMES[number] if number < len(CAP_NAMES) else f"cap_{number}"


def bounding_set(pid: int | str = "self") -> int | None:
    """The CapBnd mask of a process, or None when it cannot be read."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("CapBnd:"):
            return int(line.split()[1], 16)
    return None


def last_cap() -> int:
    """The highest capability number this kernel knows."""
    try:
        return int(Path("/proc/sys/kernel/cap_last_cap").read_text())
    except (OSError, ValueError):
        return len(CAP_NAMES) - 1


def engine_bounding_set() -> tuple[int | None, str]:
    """The Docker engine's bounding set (ours when its pid cannot be read), and whose it is."""
    try:
        pid = int(DOCKERD_PIDFILE.read_text().strip())
    except (OSError, ValueError):
        pid = 0
    if pid:
        mask = bounding_set(pid)
        if mask is not None:
            return mask, f"dockerd (pid {pid})"
    return bounding_set(), "this process"


def missing_capabilities(mask: int | None) -> list[str]:
    """Capabilities the kernel knows that the mask lacks."""
    if mask is None:
        return []
    return [cap_name(n) for n in range(last_cap() + 1) if not mask >> n & 1]


def privileged_blocker() -> str | None:
    """Why privileged containers cannot start here, or None when nothing stands in the way."""
    mask, whose = engine_bounding_set()
    missing = missing_capabilities(mask)
    if not missing:
        return None
    return (
        f"privileged containers cannot start on this host: the capability bounding set of "
        f"{whose} (CapBnd {mask:016x}) lacks {', '.join(missing)}, and a privileged container "
        "asks for every capability, so runc fails with `unable to apply caps: operation not "
        "permitted`. This is typical inside another container or a restricted VM; run the "
        "privileged exercise on a machine where dockerd has the full set (or skip it)."
    )
