"""`seclab watch`: the kernel's seccomp audit records, decoded, live, with what was lost and why."""

from __future__ import annotations

import os
import shlex
import signal
import sys
import threading
import time

import click

from lab.audit.aggregate import Aggregate
from lab.audit.enrich import ContainerEnricher, PodResolver, docker_names
from lab.audit.filters import EventFilter, FilterError, make_filter
from lab.audit.pod_wait import PodWait
from lab.audit.records import AuditEvent
from lab.audit.source import AuditSource, SourceUnavailable
from lab.audit.sources import SOURCE_NAMES, choose_source
from lab.audit.stream import AuditStream
from lab.commands.watch_output import Output, summary
from lab.commands.watch_pods import pod_names
from lab.targets.base import TargetError

HELP = """Show seccomp audit records (type 1326) live, decoded.

\b
Where records come from: when a seccomp filter logs a call (SCMP_ACT_LOG, a KILL, or any
action when the filter has the log flag), the kernel writes an audit record. Without auditd,
the kernel prints it through printk, which is rate-limited: `dmesg`, `journalctl -k` and
/var/log/syslog show only a few lines of a burst ("kauditd_printk_skb: N callbacks
suppressed"). As root, seclab joins the netlink audit multicast group instead and sees every
record, without becoming the audit daemon. It says which source it reads and why, and
at the end what was lost and why: serial gaps, printk suppression, the kernel's own
`lost` counter, records dropped at its socket, events dropped from --buffer, and records
left unread at stop.

\b
How much it keeps: a receiving thread takes records off the socket as they come and
decoding follows behind, with up to 512 MiB of undecoded records waiting (about 1.5 million
seccomp records) plus the kernel's receive buffer. A burst that outruns decoding by more
than that loses records at the socket, counted exactly. On Ctrl-C (or SIGTERM, SIGHUP,
--duration) watch first prints what was made before the stop; a second Ctrl-C stops it
at once, and what it had received but not yet decoded is counted as "left unread at stop".

\b
Examples:
  sudo seclab watch                              everything, one line per record
  sudo seclab watch --json --pid 4242            one JSON object per record
  sudo seclab watch --comm mkdir --duration 30   only mkdir processes, for 30 seconds
  sudo seclab watch --target kind --pod audit-pod   the pod's records, with its name
  seclab watch --command 'docker exec kind-control-plane dmesg --follow-new'

Exit status: 0 when stopped by --duration or a closed pipe, 128 + the signal when stopped by
one (130 Ctrl-C, 143 SIGTERM, 129 SIGHUP), 1 when the source stopped or could not be opened,
2 on usage errors.
"""

_BACKLOG = 8192  # raised for the session (root), restored on exit
_GRACE = 5.0  # after a stop, give up waiting when no record came for this long
# SIGHUP too (the terminal closed): a signal must only set the flag, never raise in the middle
# of starting the log command, which would leave it running in its own session.
_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
_PID = click.IntRange(min=1)


def _seconds(ctx: click.Context, param: click.Parameter, value: float | None) -> float | None:
    # FloatRange lets nan through (every comparison with it is false), and nan would never end.
    if value is not None and not (0 <= value < float("inf")):
        raise click.BadParameter(f"{value:g} is not a number of seconds (0 or more), e.g. 30")
    return value


def _source_argv(text: str | None) -> list[str] | None:
    """The --command text as an argv, split as a shell would, without running a shell."""
    if text is None:
        return None
    try:
        argv = shlex.split(text)
    except ValueError as exc:  # "No closing quotation"
        raise click.BadParameter(
            f"{exc} in {text!r}: close the quote", param_hint="'--command'"
        ) from None
    if not argv:
        raise click.BadParameter(
            "is empty; give the command that prints the kernel log, e.g. "
            "--command 'docker exec kind-control-plane dmesg --follow-new'",
            param_hint="'--command'",
        )
    return argv


@click.command("watch", help=HELP)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per event.")
@click.option("--source", type=click.Choice(SOURCE_NAMES), help="Read from this source only.")
@click.option("--command", "source_command", metavar="CMD", help="For --source command.")
@click.option("--pid", "pids", type=_PID, multiple=True, help="Only this process (repeatable).")
@click.option("--tree", "trees", type=_PID, multiple=True, help="This process and its children.")
@click.option("--comm", "comms", multiple=True, help="Only this command name or glob.")
@click.option("--exe", "exes", multiple=True, help="Only this executable (path, name or glob).")
@click.option(
    "--container",
    "containers",
    multiple=True,
    help="Container id prefix, name or glob (names match once Docker answered). The lab's "
    "containers are seclab-<workload>-<session>: `seclab-audit-pod` matches any session's.",
)
@click.option(
    "--pod",
    "pods",
    multiple=True,
    help="Only this pod (`name` or `namespace/name`; needs --target kind).",
)
@click.option(
    "--target",
    type=click.Choice(["local", "docker", "kind"]),
    help="kind: name the pod behind each record (kubectl, cluster seclab). Docker containers "
    "are named without it.",
)
@click.option(
    "--action",
    "actions",
    multiple=True,
    help="Only this seccomp action: log, errno, kill, kill_process, trap, …",
)
@click.option("--syscall", "syscalls", multiple=True, help="Only this syscall (name or number).")
@click.option("--duration", type=float, callback=_seconds,
              help="Stop after this many seconds.")  # fmt: skip
@click.option(
    "--buffer",
    "capacity",
    type=click.IntRange(min=1),
    default=500_000,
    show_default=True,
    help="Events held while output catches up (the oldest are dropped).",
)
def command(
    as_json: bool, source: str | None, source_command: str | None, pids: tuple[int, ...],
    trees: tuple[int, ...], comms: tuple[str, ...], exes: tuple[str, ...],
    containers: tuple[str, ...], pods: tuple[str, ...], target: str | None,
    actions: tuple[str, ...], syscalls: tuple[str, ...], duration: float | None, capacity: int,
) -> None:  # fmt: skip
    """Stream decoded events until Ctrl-C or --duration."""
    try:
        wanted = make_filter(pids=pids, tree=trees, comms=comms, exes=exes, containers=containers,
                             pods=pods, actions=actions, syscalls=syscalls)  # fmt: skip
    except FilterError as exc:
        raise click.UsageError(str(exc)) from None
    for root in trees:
        if not os.path.exists(f"/proc/{root}"):
            raise click.BadParameter(
                f"no process {root} is running; --tree follows a running process and the "
                "children it starts (for a program not started yet, use --comm)",
                param_hint="'--tree'",
            )
    argv = _source_argv(source_command)
    if argv and source not in (None, "command"):
        raise click.UsageError(f"--command goes with --source command, not --source {source}")
    if pods and target != "kind":
        # Pods are named only through a cluster: without one, --pod would match nothing.
        raise click.UsageError(
            "--pod needs --target kind, which names the pods (e.g. --pod audit-pod --target kind)"
        )
    try:
        named_pods = pod_names(target, lambda text: click.echo(text, err=True))
    except TargetError as exc:
        raise click.ClickException(
            f"{exc.message}\n  fix: {exc.hint}" if exc.hint else exc.message
        ) from None
    stop = threading.Event()
    # Installed first: a signal only sets a flag, and the loop ends cleanly within 0.1 s.
    stopped_by: list[int] = []

    def on_signal(signum: int, _frame: object) -> None:
        stopped_by.append(signum)
        stop.set()

    handlers = {sig: signal.signal(sig, on_signal) for sig in _STOP_SIGNALS}
    try:
        try:
            opened = choose_source(source or ("command" if argv else None), argv)
        except SourceUnavailable as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"seclab watch: reading {opened.name}: {opened.reason}", err=True)
        status = _watch(
            opened, wanted, Output(as_json), duration, capacity, stop, named_pods, stopped_by
        )
        if stopped_by and status == 130:
            status = 128 + stopped_by[0]  # the conventional status for the signal that came
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
    if status:
        sys.exit(status)


def _watch(
    opened: AuditSource, wanted: EventFilter, out: Output, duration: float | None,
    capacity: int, stop: threading.Event, pods: PodResolver | None = None,
    stopped_by: list[int] | None = None,
) -> int:  # fmt: skip
    """Print events until stopped; then flush, close, summarise; the exit status.

    `stopped_by` grows with each stop signal: after the first, what arrived before it is
    printed; a second one stops at once.
    """
    stopped_by = [] if stopped_by is None else stopped_by
    unprinted = 0
    aggregate = Aggregate()
    enricher = ContainerEnricher(names=docker_names(), pods=pods)
    # With --pod, a new pod's first records wait for its name rather than being dropped.
    wait = PodWait(enricher, wanted) if wanted.pods and pods is not None else None
    early = wanted if wait is None else wait.early
    stream = AuditStream(
        opened, match=None if early.is_empty else early.matches, enricher=enricher,
        sinks=(aggregate,) if wait is None else (), capacity=capacity, backlog_limit=_BACKLOG,
    )  # fmt: skip

    def show(events: list[AuditEvent], held: bool = False) -> None:
        if wait is not None:
            events = events if held else wait.take(events)
            for event in events:
                aggregate.add(event)
        out.write(events)

    try:
        stream.start()
        deadline = None if duration is None else time.monotonic() + duration
        while not stop.is_set() and stream.running and not out.closed:
            if deadline is not None and time.monotonic() >= deadline:
                break
            show(stream.get_batch(0.1))
        # Netlink: what was made before now is printed before we stop, for up to _GRACE
        # seconds, printing all the while. Then reading stops: records received but not parsed
        # yet are counted ("left unread at stop"), and what was parsed is printed.
        token = stream.mark()
        signals = len(stopped_by)
        if stop.is_set() and len(stopped_by) > 1:
            signals -= 1  # the second signal came before we got here: stop now
        told = False
        progress, idle_since = stream.records, time.monotonic()
        while token is not None and not out.closed and stream.running:
            show(stream.get_batch(0.1))
            if stream.marked(token) or len(stopped_by) > signals:
                break  # all printed, or a second signal: stop now
            now = time.monotonic()
            if stream.records != progress or getattr(stream.source, "waiting", False):
                progress, idle_since = stream.records, now
            elif now - idle_since >= _GRACE:
                break  # nothing came or waits (the marker was lost): the counts say so
            if not told and stopped_by:
                told = True
                click.echo("seclab watch: printing what arrived before the stop; "
                           "Ctrl-C again to stop now (the rest is counted)", err=True)  # fmt: skip
        stream.close()
        if len(stopped_by) > signals:
            unprinted = stream.discard()  # stop now: what was decoded but not printed is counted
        while not out.closed and (batch := stream.drain()):
            show(batch)
        if wait is not None:  # a lookup still running may name the last held records
            enricher.idle(timeout=5)
            show(wait.flush(), held=True)
    finally:
        stream.close()
        enricher.close()
    summary(stream.stats(), out.shown, aggregate, unprinted)
    if wait is not None and wait.dropped:
        click.echo(f"  held back for a pod name and let go: {wait.dropped:,}", err=True)
    return 130 if stop.is_set() else 1 if stream.error else 0
