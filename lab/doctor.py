"""`seclab doctor`'s checks: what works on this machine, what does not, and the fix for each.

Every check returns a `Check` whose status is ok, missing (not installed or not allowed) or
broken (present but not working). `needed_by` names the targets that cannot work without it;
the rest are worth knowing (audit access, auditd, printk limits) but block nothing.
"""

from __future__ import annotations

import socket
from pathlib import Path

from lab.check import Check
from lab.targets.commands import Runner, SubprocessRunner

SECCOMP = Path("/proc/sys/kernel/seccomp")


def kernel_seccomp() -> list[Check]:
    """Seccomp filters and the actions this kernel supports and logs."""
    try:
        avail = (SECCOMP / "actions_avail").read_text().split()
        logged = (SECCOMP / "actions_logged").read_text().split()
    except OSError:
        return [
            Check(
                "kernel seccomp",
                "missing",
                "no /proc/sys/kernel/seccomp",
                "use a kernel built with CONFIG_SECCOMP_FILTER",
                ("local", "docker", "kind"),
            )
        ]
    checks = [
        Check(
            "kernel seccomp", "ok", "actions: " + " ".join(avail), None, ("local", "docker", "kind")
        )
    ]
    unlogged = [a for a in ("log", "kill_process", "kill_thread", "errno") if a not in logged]
    if unlogged:
        fix = "echo '" + " ".join(a for a in avail if a != "allow") + f"' | sudo tee {SECCOMP}/"
        fix += "actions_logged"
        checks.append(
            Check("seccomp actions logged", "broken", "not logged: " + " ".join(unlogged), fix)
        )
    else:
        checks.append(Check("seccomp actions logged", "ok", " ".join(logged)))
    return checks


def audit_access() -> list[Check]:
    """Can we join the netlink audit multicast group; is auditd there; printk's rate limit."""
    checks = []
    try:
        with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 9) as sock:
            sock.bind((0, 1))
        why = _delivery_problem()
        if why:
            checks.append(Check("audit records", "broken", f"the group can be joined, but {why}",
                                "run seclab on the host, in its initial network namespace"))
        else:
            checks.append(Check("audit records", "ok", "netlink audit group readable"))
    except PermissionError:
        checks.append(
            Check(
                "audit records",
                "missing",
                "joining the audit group needs CAP_AUDIT_READ: without it the audit pane stays "
                "empty, audit checks are skipped and make-your-own cannot record",
                "run seclab with sudo to see audit records live",
            )
        )
    except OSError as exc:
        checks.append(
            Check(
                "audit records",
                "broken",
                f"netlink audit: {exc.strerror}",
                "a kernel with CONFIG_AUDIT; in a container, add CAP_AUDIT_READ",
            )
        )
    auditd = any(_comm(p) == "auditd" for p in Path("/proc").iterdir() if p.name.isdigit())
    if auditd:
        checks.append(Check("auditd", "ok", "running: records also go to /var/log/audit"))
    else:
        checks.append(
            Check(
                "auditd",
                "missing",
                "not running: records go through printk, "
                "whose rate limit drops most of a burst (dmesg/journal/syslog); where "
                "systemd-journald-audit.socket is enabled, journald also receives every record "
                "from the audit group (journalctl _TRANSPORT=audit)",
                "nothing needed: seclab reads the audit group itself (sudo)",
            )
        )
    try:
        limit = Path("/proc/sys/kernel/printk_ratelimit").read_text().strip()
        burst = Path("/proc/sys/kernel/printk_ratelimit_burst").read_text().strip()
        checks.append(
            Check(
                "printk rate limit",
                "ok",
                f"{burst} lines per {limit} s in dmesg; "
                "`kauditd_printk_skb: N callbacks suppressed` means lines were lost",
            )
        )
    except OSError:
        pass  # not every kernel exposes it; nothing to advise then
    return checks


def _delivery_problem() -> str | None:
    """Why joined records would still never arrive (another network namespace), or None."""
    from lab.audit.reach import delivery_problem, netns_problem

    problem = netns_problem()
    if problem:
        return problem
    try:
        from lab.audit.capture import AuditCapture

        with AuditCapture() as capture:
            return delivery_problem(capture)
    except Exception as exc:  # the report says what failed; never a traceback
        return f"the audit reader failed: {exc}"


def _comm(proc: Path) -> str:
    try:
        return (proc / "comm").read_text().strip()
    except OSError:
        return ""


def libseccomp() -> list[Check]:
    """The libseccomp bindings the local target compiles profiles with."""
    try:
        import pyseccomp

        version = f"{_libseccomp_version()} (pyseccomp {pyseccomp.__version__})"
    except Exception as exc:  # missing library or bindings: report, never crash the report
        return [
            Check(
                "libseccomp",
                "missing",
                str(exc),
                "sudo apt-get install libseccomp2; pip install pyseccomp",
                ("local",),
            )
        ]
    return [Check("libseccomp", "ok", version, None, ("local",))]


def _libseccomp_version() -> str:
    import ctypes
    import ctypes.util

    class Version(ctypes.Structure):
        _fields_ = [("major", ctypes.c_uint), ("minor", ctypes.c_uint), ("micro", ctypes.c_uint)]

    lib = ctypes.CDLL(ctypes.util.find_library("seccomp") or "libseccomp.so.2")
    lib.seccomp_version.restype = ctypes.POINTER(Version)
    v = lib.seccomp_version().contents
    return f"libseccomp {v.major}.{v.minor}.{v.micro}"


def busybox() -> list[Check]:
    """busybox for the shell exercises; static, so the offline Docker images can use it."""
    from lab.targets.docker.offline import find_busybox, is_dynamic

    path = find_busybox()
    if path is None:
        return [
            Check(
                "busybox-static",
                "missing",
                "no busybox on PATH",
                "sudo apt-get install busybox-static",
                ("local",),
            )
        ]
    if is_dynamic(path):
        return [
            Check(
                "busybox-static",
                "broken",
                f"{path} is dynamically linked: it cannot run in seclab's empty offline images",
                "sudo apt-get install busybox-static",
                ("local",),
            )
        ]
    return [Check("busybox-static", "ok", str(path), None, ("local",))]


def run_checks(runner: Runner | None = None) -> list[Check]:
    """Every check, in the order the report shows them."""
    from lab.targets.tool_checks import docker_checks, tools

    runner = runner or SubprocessRunner()
    return [
        *kernel_seccomp(),
        *libseccomp(),
        *busybox(),
        *audit_access(),
        *docker_checks(runner),
        *tools(runner),
    ]


def target_works(checks: list[Check], target: str) -> bool:
    """True when nothing the target needs is missing or broken."""
    return all(c.status == "ok" for c in checks if target in c.needed_by)
