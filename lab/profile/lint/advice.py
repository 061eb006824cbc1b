"""Findings about what a valid profile will do at run time that a learner may not expect."""

from __future__ import annotations

from lab.profile.lint.rules import RuleFacts
from lab.profile.lint.shape import Report
from lab.profile.located_json import Node

# Default actions under which a syscall with no rule of its own does not run.
_DENYING = ("SCMP_ACT_ERRNO", "SCMP_ACT_KILL", "SCMP_ACT_TRAP", "SCMP_ACT_TRACE")
_RUNNING = ("SCMP_ACT_ALLOW", "SCMP_ACT_LOG")
# Measured here: Docker 20.10 drops "flags" from the OCI config; runc added them in 1.2.
_FLAG_SUPPORT = "; runc 1.2+ and `seclab exec` honour the flag"


def check_advice(root: Node, default: str | None, facts: list[RuleFacts], report: Report) -> None:
    """Logging of denials, the container's own exec, KILL's real scope, NOTIFY's listener."""
    _check_logging(root, default, facts, report)
    _check_flag_support(root, report)
    _check_exec(root, default, facts, report)
    _check_kill_scope(root, facts, report)
    _check_listener(root, facts, report)


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
