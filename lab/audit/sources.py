"""Choosing where audit records come from: the concrete sources by name, the best one here."""

from __future__ import annotations

import os
from collections.abc import Sequence

from lab.audit import kmsg, netlink, tail
from lab.audit.source import AuditSource, SourceUnavailable

SOURCE_NAMES = ("netlink", "kmsg", "journal", "syslog", "audit-log", "command")


def make_source(name: str, command: Sequence[str] | None = None) -> AuditSource:
    """The source called `name` (one of SOURCE_NAMES), not yet opened."""
    if name == "netlink":
        return netlink.NetlinkSource()
    if name == "kmsg":
        return kmsg.KmsgSource()
    if name == "journal":
        return tail.CommandSource(
            ["journalctl", "-k", "-f", "-n", "0", "-o", "cat"],
            name="journal",
            reason="the kernel journal (journalctl -k -f): printk output, rate-limited",
            fix="run with sudo or join the group `systemd-journal`",
        )
    if name == "syslog":
        return tail.FileTail("/var/log/syslog", name="syslog")
    if name == "audit-log":
        return tail.FileTail("/var/log/audit/audit.log", name="audit-log", rate_limited=False)
    if name == "command":
        if not command:
            raise SourceUnavailable(
                "command",
                "no command given",
                "pass the command, e.g. docker exec NODE dmesg --follow-new",
            )
        return tail.CommandSource(list(command))
    raise SourceUnavailable(
        name, "there is no source of that name", f"use one of: {', '.join(SOURCE_NAMES)}"
    )


def node_log_command(node: str) -> list[str]:
    """The kernel log of a kind node, new lines only (`-W`: old lines would look like news)."""
    return ["docker", "exec", node, "dmesg", "--follow-new"]


def choose_source(
    requested: str | None = None, command: Sequence[str] | None = None
) -> AuditSource:
    """Open the requested source, or the best one that opens here; its `reason` says why.

    `command` is the argv for the `command` source, tried last when nothing local opens.
    """
    if requested:
        source = make_source(requested, command)
        source.open()
        return source
    failures: list[SourceUnavailable] = []
    # A command (e.g. `docker exec <kind-node> dmesg -W`) is the last resort: on macOS and
    # Windows the kernel that runs the containers is inside Docker's VM.
    for name in [*_preference(), *(["command"] if command else [])]:
        source = make_source(name, command)
        try:
            source.open()
        except SourceUnavailable as exc:
            failures.append(exc)
            continue
        if failures:
            source.reason += f" (netlink unavailable: {failures[0].why}; {failures[0].fix})"
        return source
    raise SourceUnavailable(
        "audit", "no audit source could be opened", "; ".join(str(f) for f in failures)
    )


def _preference() -> list[str]:
    # auditd owns the records when it runs: then its log is complete and printk is silent.
    names = ["netlink"]
    if os.path.exists("/var/log/audit/audit.log"):
        names.append("audit-log")
    return [*names, "kmsg", "journal", "syslog"]
