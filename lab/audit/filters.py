"""Which events to show: one filter model for `seclab watch` options and the TUI's filter box.

Values under one key are alternatives (`action=errno,kill_process`); different keys must all
hold (`comm=http-echo action=errno`). A filter with nothing set lets everything through.
"""

from __future__ import annotations

import difflib
import re
import shlex
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

from lab.audit.decode import ACTIONS
from lab.audit.records import AuditEvent
from lab.profile.syscalls import all_syscall_names, is_known_syscall

ACTION_NAMES = frozenset([*ACTIONS.values(), "unknown"])
# Words people bring from profiles and from the kernel's actions_logged file.
ACTION_ALIASES: dict[str, tuple[str, ...]] = {
    "kill": ("kill_process", "kill_thread"),
    "notify": ("user_notif",),
    "killprocess": ("kill_process",),
    "killthread": ("kill_thread",),
}
COMM_MAX = 15  # the kernel keeps 15 bytes of a command name (TASK_COMM_LEN - 1)


class FilterError(ValueError):
    """A filter expression or option that cannot be understood; the message says how to fix it."""


@dataclass(frozen=True)
class EventFilter:
    """A conjunction of optional criteria over AuditEvent fields; see `matches`."""

    pids: frozenset[int] = frozenset()
    pid_in: Callable[[int], bool] | None = None  # e.g. "is this pid in my workload's tree?"
    comms: frozenset[str] = frozenset()  # exact, or a glob such as `http*`
    exes: frozenset[str] = frozenset()  # a full path, a base name, or a glob
    containers: frozenset[str] = frozenset()  # a container name or an id prefix
    pods: frozenset[str] = frozenset()  # `name` or `namespace/name`
    namespaces: frozenset[str] = frozenset()
    actions: frozenset[str] = frozenset()
    syscalls: frozenset[str] = frozenset()  # names, or numbers as text
    text: str = field(default="", compare=False)  # the expression it came from, for display

    @property
    def is_empty(self) -> bool:
        """True when the filter lets every event through."""
        return not (self.pids or self.pid_in or self.comms or self.exes or self.containers
                    or self.pods or self.namespaces or self.actions or self.syscalls)  # fmt: skip

    def matches(self, event: AuditEvent) -> bool:
        """True when the event meets every criterion that is set."""
        if self.actions and event.action not in self.actions:
            return False
        if self.pids or self.pid_in:
            in_tree = self.pid_in is not None and self.pid_in(event.pid)
            if event.pid not in self.pids and not in_tree:
                return False
        if self.syscalls and not (
            event.syscall_name in self.syscalls or str(event.syscall) in self.syscalls
        ):
            return False
        if self.comms and not _any_glob(event.comm, self.comms):
            return False
        if self.exes and not (_any_glob(event.exe, self.exes) or _any_glob(
            (event.exe or "").rsplit("/", 1)[-1] or None, self.exes)):  # fmt: skip
            return False
        if self.containers and not _container_matches(event, self.containers):
            return False
        if self.namespaces and event.namespace not in self.namespaces:
            return False
        return not self.pods or _pod_matches(event, self.pods)


def _any_glob(value: str | None, patterns: frozenset[str]) -> bool:
    if value is None:
        return False
    return value in patterns or any(fnmatchcase(value, p) for p in patterns if _is_glob(p))


def _is_glob(pattern: str) -> bool:
    return any(c in pattern for c in "*?[")


# The lab names its Docker containers seclab-<workload>-<8 hex session id>, so two labs running
# the same lesson never share one; `--container seclab-audit-pod` means any session's.
_LAB_SESSION = re.compile(r"-[0-9a-f]{8}$")


def _container_matches(event: AuditEvent, wanted: frozenset[str]) -> bool:
    cid, name = event.container_id or "", event.container_name
    if name is not None and name.startswith("seclab-"):
        unsuffixed = _LAB_SESSION.sub("", name)
        if unsuffixed in wanted:
            return True
    return _any_glob(name, wanted) or any(cid and cid.startswith(w) for w in wanted)


def _pod_matches(event: AuditEvent, wanted: frozenset[str]) -> bool:
    full = f"{event.namespace}/{event.pod}" if event.namespace else event.pod
    return event.pod in wanted or full in wanted


class PidTree:
    """Best-effort membership of a process tree, read from /proc/<pid>/stat and remembered.

    A process that has already exited cannot be placed; short-lived children are caught only
    if some record of theirs arrives while they run. The recorder may pass its own callable.
    """

    def __init__(self, roots: Iterable[int], proc: str = "/proc") -> None:
        self.members = set(roots)
        self._proc = proc
        self._outside: dict[int, None] = {}  # insertion-ordered, trimmed: pids get reused

    def __call__(self, pid: int) -> bool:
        if pid in self.members:
            return True
        if pid in self._outside:
            return False
        chain, current = [pid], pid
        for _ in range(64):  # deeper trees do not happen in a lab; a cycle must not hang us
            parent = self._parent(current)
            if parent is None:
                return False  # gone: do not remember, the answer is unknown
            if parent in self.members:
                self.members.update(chain)
                return True
            if parent <= 1:
                break
            chain.append(parent)
            current = parent
        if len(self._outside) >= 4096:
            self._outside.pop(next(iter(self._outside)))
        self._outside[pid] = None
        return False

    def _parent(self, pid: int) -> int | None:
        try:
            with open(f"{self._proc}/{pid}/stat", "rb") as stat:
                # comm may hold spaces and ')': the fields after the last ')' are regular.
                return int(stat.read().rsplit(b")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            return None


# Filter box keys, with the short forms people type.
KEYS: dict[str, str] = {
    "pid": "pids", "tree": "tree", "comm": "comms", "exe": "exes", "container": "containers",
    "ctr": "containers", "pod": "pods", "namespace": "namespaces", "ns": "namespaces",
    "action": "actions", "syscall": "syscalls", "sys": "syscalls",
}  # fmt: skip


def make_filter(
    *, pids: Iterable[int | str] = (), tree: Iterable[int | str] = (),
    pid_in: Callable[[int], bool] | None = None, comms: Iterable[str] = (),
    exes: Iterable[str] = (), containers: Iterable[str] = (), pods: Iterable[str] = (),
    namespaces: Iterable[str] = (), actions: Iterable[str] = (), syscalls: Iterable[str] = (),
    text: str = "",
) -> EventFilter:  # fmt: skip
    """An EventFilter from loose values (CLI options, filter box), checked; FilterError if bad."""
    roots = _numbers("tree", tree)
    if roots:
        walker = PidTree(roots)
        outer = pid_in
        pid_in = walker if outer is None else (lambda pid: walker(pid) or outer(pid))
    return EventFilter(
        pids=_numbers("pid", pids), pid_in=pid_in,
        comms=frozenset(c if _is_glob(c) else c[:COMM_MAX] for c in _words("comm", comms)),
        exes=_words("exe", exes), containers=_words("container", containers),
        pods=_words("pod", pods), namespaces=_words("namespace", namespaces),
        actions=frozenset(a for raw in actions for a in _action(raw)),
        syscalls=frozenset(_syscall(s) for s in syscalls), text=text,
    )  # fmt: skip


def parse_filter_expression(text: str) -> EventFilter:
    """`comm=http-echo action=errno,kill pid=42` -> EventFilter; FilterError says what is wrong."""
    try:
        tokens = shlex.split(text)
    except ValueError as exc:
        raise FilterError(f"cannot read filter {text!r}: {exc} (close the quote)") from None
    values: dict[str, list[str]] = {}
    for token in tokens:
        key, sep, value = token.partition("=")
        if not sep:
            raise FilterError(f"{token!r} is not key=value; for example: comm=http-echo")
        field_name = KEYS.get(key.lower())
        if field_name is None:
            raise FilterError(f"unknown filter key {key!r}{_did_you_mean(key.lower(), KEYS)}; "
                              f"keys: {', '.join(sorted(KEYS))}")  # fmt: skip
        parts = [v for v in value.split(",") if v]
        if not parts:
            raise FilterError(f"{key}= needs a value, for example {key}={_EXAMPLES[field_name]}")
        values.setdefault(field_name, []).extend(parts)
    return make_filter(**values, text=text.strip())  # type: ignore[arg-type]


_EXAMPLES = {"pids": "4242", "tree": "4242", "comms": "http-echo", "exes": "/http-echo",
             "containers": "web", "pods": "default/audit-pod", "namespaces": "default",
             "actions": "errno", "syscalls": "mkdir"}  # fmt: skip


def _numbers(key: str, values: Iterable[int | str]) -> frozenset[int]:
    try:
        numbers = frozenset(int(v) for v in values)
    except ValueError:
        raise FilterError(f"{key}= takes process ids (numbers), e.g. {key}=4242") from None
    if any(n < 1 for n in numbers):
        raise FilterError(f"{key}= takes process ids, which start at 1, e.g. {key}=4242")
    return numbers


def _words(key: str, values: Iterable[str]) -> frozenset[str]:
    words = frozenset(values)
    if any(not w.strip() for w in words):  # `--comm ''` would silently match nothing
        raise FilterError(f"an empty {key} matches nothing; e.g. {key}={_EXAMPLES[key + 's']}")
    return words


def _action(raw: str) -> tuple[str, ...]:
    word = raw.strip().lower().removeprefix("scmp_act_")
    if word in ACTION_NAMES:
        return (word,)
    if word in ACTION_ALIASES:
        return ACTION_ALIASES[word]
    choices = sorted(ACTION_NAMES | ACTION_ALIASES.keys())
    raise FilterError(f"unknown action {raw!r}{_did_you_mean(word, choices)}; "
                      f"actions: {', '.join(choices)}")  # fmt: skip


def _syscall(raw: str) -> str:
    if raw.isdigit() or is_known_syscall(raw):
        return raw
    raise FilterError(f"unknown syscall {raw!r}{_did_you_mean(raw, all_syscall_names())}")


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean {close[0]}?)" if close else ""
