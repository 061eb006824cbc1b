"""Findings about what a valid profile will do at run time that a learner may not expect."""

from __future__ import annotations

from lab.profile.lint.rules import RuleFacts
from lab.profile.lint.shape import Report
from lab.profile.located_json import Node
from lab.profile.syscalls import ARCHES, exists_on, native_arch, variants

# Default actions under which a syscall with no rule of its own does not run.
_DENYING = ("SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_TRAP", "SCMP_ACT_TRACE")
_RUNNING = ("SCMP_ACT_ALLOW", "SCMP_ACT_LOG")
# Measured here: Docker 20.10 drops "flags" from the OCI config; runc added them in 1.2.
_FLAG_SUPPORT = "; runc 1.2+ and `seclab exec` honour the flag"
# runc 1.2.8, 1.3.3 and 1.4.0 (November 2025: CVE-2025-31133, -52565, -52881) call openat2 and
# statx after loading the filter (and the new mount syscalls, which Docker's own default refuses
# without CAP_SYS_ADMIN, so runc copes with their EPERM); it falls back from openat2 only on ENOSYS.
_NEW_RUNC_CALLS = ("openat2", "statx")
# The architectures learners run on; each has names the other lacks (arm64 has no open, poll).
_MAIN_ARCHES = ("SCMP_ARCH_X86_64", "SCMP_ARCH_AARCH64")


def check_advice(root: Node, default: str | None, facts: list[RuleFacts], report: Report) -> None:
    """Logging of denials, the container's own exec, KILL's real scope, NOTIFY's listener."""
    _check_logging(root, default, facts, report)
    _check_flag_support(root, report)
    _check_exec(root, default, facts, report)
    _check_kill_scope(root, facts, report)
    _check_listener(root, facts, report)
    _check_variants_denied(root, default, facts, report)
    _check_new_runc(root, default, facts, report)
    _check_arch_counterparts(root, default, facts, report)


def _names_with(facts: list[RuleFacts], effects: tuple[str, ...]) -> dict[str, Node]:
    """Syscalls named by plain rules (no argument match) whose action is one of `effects`."""
    found: dict[str, Node] = {}
    for fact in facts:
        if fact.effect and fact.effect.startswith(effects) and fact.args is None:
            for node in fact.names:
                if isinstance(node.value, str):
                    found.setdefault(node.value, node)
    return found


def _arches_of(root: Node) -> list[int]:
    """Audit tokens of the architectures the filter applies to (the native one always)."""
    listed = root.get("architectures")
    names = [n.value for n in (listed.items() if listed else []) if n.value in ARCHES]
    return sorted({native_arch(), *(ARCHES[n] for n in names)})


def _check_variants_denied(
    root: Node, default: str | None, facts: list[RuleFacts], report: Report
) -> None:
    """A deny rule for `mkdirat` alone leaves `mkdir` open (x86_64 programs call mkdir)."""
    if default not in _RUNNING:
        return
    denied = _names_with(facts, _DENYING + ("SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD"))
    arches = _arches_of(root)
    for name, node in denied.items():
        open_ = sorted(
            v for v in variants(name)
            if v not in denied and any(exists_on(a, v) for a in arches)
        )  # fmt: skip
        if open_:
            shown = ", ".join(f'"{v}"' for v in open_)
            report(node, "warning", "variant-not-denied",
                   f'"{name}" is denied but {shown} is not, and does the same job: a program '
                   f"that calls {open_[0]} is not stopped. Which one a program calls depends on "
                   "its libc and the architecture (on x86_64 the mkdir command calls mkdir; "
                   "arm64 has only the newer forms, such as mkdirat and openat)",
                   f"deny {shown} in the same rule")


def _check_new_runc(
    root: Node, default: str | None, facts: list[RuleFacts], report: Report
) -> None:
    """Allow-lists for containers made before runc 1.2.8 lack what newer runc calls."""
    at = root.get("defaultAction")
    if at is None or default is None or not default.startswith(_DENYING):
        return
    allowed = _names_with(facts, _RUNNING)
    if "execve" not in allowed:
        return  # exec-denied says more already; this is not a container's allow-list
    missing = [name for name in _NEW_RUNC_CALLS if name not in allowed]
    if missing:
        report(at, "warning", "newer-runc-calls",
               "runc 1.2.8, 1.3.3, 1.4.0 and later (the November 2025 security fixes) call "
               "openat2, statx and the new mount syscalls (fsopen, fsmount, …) after loading "
               f"the filter; this allow-list lacks {' and '.join(missing)}, so "
               "a container under it may not start there (`openat2 … function not "
               "implemented`, `could not get mount id: operation not permitted`)",
               f"allow {' and '.join(missing)} too; runc falls back from openat2 only when it "
               'fails with ENOSYS ("errnoRet": 38), not with EPERM')


def _check_arch_counterparts(
    root: Node, default: str | None, facts: list[RuleFacts], report: Report
) -> None:
    """An allow-list recorded on x86_64 names `poll`; arm64 has only `ppoll`, and so on."""
    at = root.get("defaultAction")
    if at is None or default is None or not default.startswith(_DENYING):
        return
    allowed = _names_with(facts, _RUNNING)
    listed = root.get("architectures")
    names = {n.value for n in (listed.items() if listed else [])}
    tokens = {ARCHES[a] for a in _MAIN_ARCHES if a in names or ARCHES[a] == native_arch()}
    for token in sorted(tokens):
        lacking: list[str] = []
        for name in sorted(allowed):
            if exists_on(token, name):
                continue
            there = [v for v in counterparts(name) if exists_on(token, v)]
            if there and not any(v in allowed for v in there):
                lacking.append(f"{name} → {' or '.join(sorted(there))}")
        if lacking:
            arch = next(a for a in _MAIN_ARCHES if ARCHES[a] == token)
            short = arch.removeprefix("SCMP_ARCH_").lower()
            report(at, "warning", "missing-on-arch",
                   f"on {short} these allowed syscalls do not exist and programs call another "
                   f"one that this list does not allow: {'; '.join(lacking)}",
                   f"allow the {short} names too (libseccomp ignores names an architecture "
                   "lacks, so one list can hold both)")


def counterparts(name: str) -> list[str]:
    """Syscalls an architecture without `name` uses instead: variants, and the `p` forms.

    `poll` → ppoll; `select` → pselect6; `epoll_wait` → epoll_pwait; `open` → openat.
    """
    found = set(variants(name))
    for other in ("p" + name, name.replace("_", "_p", 1)):
        if other != name:
            found.add(other)
            found.update(variants(other))
    return sorted(found - {name})


def _check_logging(root: Node, default: str | None, facts: list[RuleFacts], report: Report) -> None:
    flags = root.get("flags")
    if any(node.value == "SECCOMP_FILTER_FLAG_LOG" for node in (flags.items() if flags else [])):
        return
    at = root.get("defaultAction") if default and default.startswith("SCMP_ACT_ERRNO") else None
    if at is None:
        at = next((f.action for f in facts if f.effect and f.effect.startswith("SCMP_ACT_ERRNO")),
                  None)
    if at is None:
        return
    hint = ('add "SECCOMP_FILTER_FLAG_LOG" to "flags"' if flags is not None else
            'add "flags": ["SECCOMP_FILTER_FLAG_LOG"] next to "defaultAction"') + _FLAG_SUPPORT
    report(at, "info", "no-log-flag",
           "ERRNO denials will leave no audit record: the kernel logs them only when the filter "
           "has SECCOMP_FILTER_FLAG_LOG", hint)


def _check_flag_support(root: Node, report: Report) -> None:
    flags = root.get("flags")
    if flags is not None and flags.items():
        report(root.keys["flags"], "info", "flags-runtime-support",
               'runc before 1.2 refuses a profile with "flags" ("seccomp flags are not yet '
               'supported by runc"), and Docker 20.10 leaves them out (measured)',
               "check `runc --version` where the profile will run" + _FLAG_SUPPORT)


def _check_exec(root: Node, default: str | None, facts: list[RuleFacts], report: Report) -> None:
    at = root.get("defaultAction")
    if at is None or default is None or not default.startswith(_DENYING):
        return
    allowed = {name.value for f in facts if f.effect in _RUNNING for name in f.names}
    if "execve" in allowed or "execveat" in allowed:
        return
    report(at, "warning", "exec-denied",
           "no rule allows execve: the runtime loads the filter just before it starts the "
           "container's program, so that exec is denied and the container never starts",
           'allow "execve", and the other syscalls the program needs, with SCMP_ACT_ALLOW')


def _check_kill_scope(root: Node, facts: list[RuleFacts], report: Report) -> None:
    nodes = [root.get("defaultAction"), *(f.action for f in facts if f.effect)]
    at = next((n for n in nodes if n is not None and n.value == "SCMP_ACT_KILL"), None)
    if at is not None:
        report(at, "info", "kill-is-kill-thread",
               "SCMP_ACT_KILL means SCMP_ACT_KILL_THREAD: it ends only the calling thread, and "
               "the other threads of a multi-threaded program keep running",
               "use SCMP_ACT_KILL_PROCESS to end the whole process")


def _check_listener(root: Node, facts: list[RuleFacts], report: Report) -> None:
    notify = next((f.action for f in facts if f.effect == "SCMP_ACT_NOTIFY"), None)
    if notify is not None and root.get("listenerPath") is None:
        report(notify, "warning", "notify-without-listener",
               "SCMP_ACT_NOTIFY hands the syscall to a supervisor that listens on listenerPath, "
               "and this profile sets none",
               'add "listenerPath": "/run/…/seccomp-agent.sock", or use another action')
