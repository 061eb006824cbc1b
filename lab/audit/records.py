"""The seccomp audit record (type 1326) as an immutable event, and a parser for every shape.

A record reaches us as a netlink payload (`audit(…): …`), through printk (`dmesg`, the journal,
syslog: `… audit: type=1326 audit(…): …`) or from auditd (`type=SECCOMP msg=audit(…): …`).
The fields after `audit(TIME:SERIAL): ` are the same in all of them.
"""

from __future__ import annotations

import re
import signal as _signal
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lab.profile.syscalls import short_arch_name

# The kernel prints the fields in this order (kernel/auditsc.c, audit_seccomp); `subj=` is there
# only when an LSM is active and may hold spaces and colons, so it is skipped lazily. Numbers are
# bounded by what the kernel can print (a 5,000-digit pid is not a record, and Python refuses to
# convert it); code= is 32 bits and must end there.
_RECORD = re.compile(
    r"audit\((\d{1,20}\.\d{1,9}):(\d{1,20})\):\s*auid=(\d{1,10}) uid=(\d{1,10}) gid=\d+ ses=\d+ "
    r"(?:subj=.*? )?pid=(\d{1,10}) comm=(\S+) exe=(\S+) sig=(\d{1,3}) arch=([0-9a-fA-F]{1,8}) "
    r"syscall=(\d{1,10}) compat=(\d{1,3}) ip=0x([0-9a-fA-F]{1,16}) code=0x([0-9a-fA-F]{1,8})"
    r"(?![0-9a-zA-Z])"
)
_HEADER = re.compile(r"audit\((\d{1,20}\.\d{1,9}):(\d{1,20})\):")
# auditd's enriched fields (AUID="unset" UID="root" … ARCH=x86_64 SYSCALL=…) follow the record
# after a 0x1d (GS) byte; a copy that lost the byte glues `AUID=` to the code's hex digits.
_GLUED_CODE = re.compile(r"0x([0-9a-fA-F]+?)[A-Z]+=")
_HEX = frozenset("0123456789ABCDEFabcdef")
_SECCOMP_TYPES = ("1326 ", "SECCOMP ")
_REQUIRED = ("pid", "arch", "syscall", "code", "sig")
# Largest value each field can hold in a real record (the kernel's types).
_LIMITS = {"code": 0xFFFFFFFF, "arch": 0xFFFFFFFF, "pid": 2**31 - 1, "sig": 64}

# (arch, syscall number, code) -> (syscall name, action); decode.py supplies the real one.
Namer = Callable[[int, int, int], tuple[str | None, str]]


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """One seccomp audit record: who made which syscall on which arch, and what seccomp did."""

    serial: int
    time: float
    pid: int
    arch: int
    syscall: int
    code: int
    comm: str | None = None
    exe: str | None = None
    uid: int | None = None
    auid: int | None = None
    signal: int = 0
    compat: int | None = None
    ip: int | None = None
    syscall_name: str | None = None
    action: str = "unknown"
    container_id: str | None = None
    container_name: str | None = None
    pod: str | None = None
    namespace: str | None = None

    @property
    def arch_name(self) -> str:
        """`x86_64`, `aarch64`, `x86` … or the hex token when libseccomp does not know it."""
        return short_arch_name(self.arch)

    @property
    def signal_name(self) -> str | None:
        """`SIGSYS` for sig=31; None when no signal was sent."""
        return signal_name(self.signal)

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict with stable keys; hex fields keep the record's own spelling."""
        return {
            "serial": self.serial,
            "time": self.time,
            "pid": self.pid,
            "comm": self.comm,
            "exe": self.exe,
            "uid": self.uid,
            "auid": self.auid,
            "arch": f"{self.arch:08x}",
            "arch_name": self.arch_name,
            "syscall": self.syscall,
            "syscall_name": self.syscall_name,
            "action": self.action,
            "code": f"0x{self.code:x}",
            "signal": self.signal,
            "signal_name": self.signal_name,
            "compat": self.compat,
            "ip": None if self.ip is None else f"0x{self.ip:x}",
            "container_id": self.container_id,
            "container_name": self.container_name,
            "pod": self.pod,
            "namespace": self.namespace,
        }


def signal_name(number: int) -> str | None:
    """The name of a signal number (31 -> SIGSYS), or None for 0."""
    if not number:
        return None
    try:
        return _signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def untrusted(value: str) -> str | None:
    """Decode a comm/exe value: quoted text, or hex when it held spaces or odd characters."""
    if value[:1] == '"':
        return value[1:-1] if value.endswith('"') else value[1:]
    if value in ("(null)", "?", ""):
        return None
    if len(value) % 2 == 0 and _HEX.issuperset(value):
        return bytes.fromhex(value).decode("utf-8", "replace")
    return value


class _Draft:
    """A mutable twin of AuditEvent with the same slots, so parsing can skip frozen __setattr__.

    A frozen dataclass sets each field through object.__setattr__, which costs about 4 us for
    19 fields: most of the parser's budget (>= 150,000 records/s). A draft fills the same slot
    layout with plain stores and then becomes an AuditEvent (CPython allows assigning __class__
    between classes with identical slots); from then on the event is as frozen as any other.
    """

    __slots__ = AuditEvent.__slots__

    def __init__(
        self, serial: int, time: float, pid: int, arch: int, syscall: int, code: int,
        comm: str | None, exe: str | None, uid: int | None, auid: int | None, signal: int,
        compat: int | None, ip: int | None, syscall_name: str | None, action: str,
    ) -> None:  # fmt: skip
        self.serial, self.time, self.pid, self.arch, self.syscall = serial, time, pid, arch, syscall
        self.code, self.comm, self.exe, self.uid, self.auid = code, comm, exe, uid, auid
        self.signal, self.compat, self.ip = signal, compat, ip
        self.syscall_name, self.action = syscall_name, action
        self.container_id = self.container_name = self.pod = self.namespace = None


def _event(*fields: Any) -> AuditEvent:
    draft = _Draft(*fields)
    draft.__class__ = AuditEvent  # type: ignore[assignment]
    return draft  # type: ignore[return-value]


def _no_names(arch: int, syscall: int, code: int) -> tuple[str | None, str]:
    return None, "unknown"


def parse_line(line: str) -> AuditEvent | None:
    """The seccomp record in `line` (any shape), undecoded; None when there is none."""
    return parse_with(line, _no_names)


def parse_with(line: str, namer: Namer) -> AuditEvent | None:
    """Parse `line` and name its syscall and action with `namer` in the same pass."""
    start = line.find("audit(")
    if start < 0:
        return None
    if start:  # a printk or auditd prefix may name the record type: it must be seccomp's
        kind = line.rfind("type=", 0, start)
        if kind >= 0 and not line.startswith(_SECCOMP_TYPES, kind + 5):
            return None
    m = _RECORD.match(line, start)
    if m is None:
        return _parse_fields(line, start, namer)
    time, serial, auid, uid, pid, comm, exe, sig, arch, nr, compat, ip, code = m.groups()
    arch_i, nr_i, code_i = int(arch, 16), int(nr), int(code, 16)
    name, action = namer(arch_i, nr_i, code_i)
    return _event(
        int(serial), float(time), int(pid), arch_i, nr_i, code_i,
        comm[1:-1] if comm[0] == '"' else untrusted(comm),
        exe[1:-1] if exe[0] == '"' else untrusted(exe),
        int(uid), int(auid), int(sig), int(compat), int(ip, 16), name, action,
    )  # fmt: skip


def _parse_fields(line: str, start: int, namer: Namer) -> AuditEvent | None:
    """The slow path: fields in any order, extra or missing optional ones, auditd's enrichment."""
    head = _HEADER.match(line, start)
    if head is None:
        return None
    body = line[head.end() :].split("\x1d", 1)[0]  # auditd appends interpreted fields after GS
    fields = dict(tok.partition("=")[::2] for tok in body.split() if "=" in tok)
    if any(key not in fields for key in _REQUIRED):
        return None
    glued = _GLUED_CODE.match(fields["code"])
    if glued:  # `code=0x7ffc0000AUID="unset"`: the separator was lost, the digits are intact
        fields["code"] = "0x" + glued.group(1)
    try:
        arch, nr = _number(fields["arch"], 16), _number(fields["syscall"])
        code = _number(fields["code"], 16)
        pid, sig = _number(fields["pid"]), _number(fields["sig"])
        ip = _number(fields["ip"], 16) if "ip" in fields else None
        compat = _number(fields["compat"]) if "compat" in fields else None
        uid = _number(fields["uid"]) if "uid" in fields else None
        auid = _number(fields["auid"]) if "auid" in fields else None
    except ValueError:
        return None  # a truncated or mangled number: not a record we can trust
    if any(value > _LIMITS[key] for key, value in (("code", code), ("arch", arch),
                                                   ("pid", pid), ("sig", sig))):  # fmt: skip
        return None
    seconds = float(head.group(1))
    comm, exe = fields.get("comm"), fields.get("exe")
    name, action = namer(arch, nr, code)
    return _event(
        int(head.group(2)), seconds, pid, arch, nr, code,
        untrusted(comm) if comm is not None else None, untrusted(exe) if exe is not None else None,
        uid, auid, sig, compat, ip, name, action,
    )  # fmt: skip


def _number(text: str, base: int = 10) -> int:
    """An integer field; ValueError for anything longer than a 64-bit number can be."""
    if len(text) > (20 if base == 10 else 18):
        raise ValueError(text[:20])
    return int(text, base)


def damage(line: str) -> str | None:
    """Why a line that names a seccomp record is not one this lab can trust, or None.

    Only called for lines that did not parse, to say what is wrong with them.
    """
    start = line.find("audit(")
    if start < 0:
        return "no audit(TIME:SERIAL) header"
    if _HEADER.match(line, start) is None:
        return "the audit(TIME:SERIAL) header is cut off or holds an impossible number"
    fields = dict(tok.partition("=")[::2] for tok in line[start:].split("\x1d", 1)[0].split())
    missing = [key for key in _REQUIRED if key not in fields]
    if missing:
        return f"no {', '.join(k + '=' for k in missing)} field (cut off?)"
    for key in ("pid", "sig", "syscall", "arch", "code"):
        value = fields[key]
        base = 16 if key in ("arch", "code") else 10
        try:
            number = _number(value, base)
        except ValueError:
            return f"{key}={_clip(value)} is not a number a kernel writes"
        if number > _LIMITS.get(key, 2**32 - 1):
            bits = " (code is 32 bits)" if key == "code" else ""
            return f"{key}={_clip(value)} is larger than any kernel writes{bits}"
    return None


def _clip(value: str) -> str:
    return value if len(value) <= 24 else value[:21] + "…"
