"""The netlink audit multicast group: every audit record, read without becoming the audit daemon.

Binding to group 1 (AUDIT_NLGRP_READLOG) needs CAP_AUDIT_READ only. We never send AUDIT_SET with
the pid field: that would make this process the audit daemon and take records away from others.
"""

from __future__ import annotations

import errno
import socket
import struct
from dataclasses import dataclass

from lab.audit.receiver import Receiver
from lab.audit.source import RawRecord, SourceUnavailable

NETLINK_AUDIT = 9
AUDIT_NLGRP_READLOG = 1
AUDIT_GET = 1000
AUDIT_SET = 1001
AUDIT_SECCOMP = 1326
_NLMSG_ERROR = 2
_NLM_F_REQUEST = 0x1
_NLM_F_ACK = 0x4
_STATUS_BACKLOG_LIMIT = 0x10
_HEADER = struct.Struct("=IHHII")  # len, type, flags, seq, pid
# struct audit_status: mask enabled failure pid rate_limit backlog_limit lost backlog
_STATUS = struct.Struct("=8I")
# The kernel drops multicast records when this fills. It costs memory only while the reader is
# behind; 256 MiB (the kernel doubles it) absorbed a 1,000,000-record burst on a busy 2-core
# machine where 64 MiB lost 29 % of it.
_RCVBUF = 256 * 1024 * 1024
_SO_RCVBUFFORCE = 33  # Linux; the socket module does not export it
_BATCH = 8192
# Records received but not parsed yet, in bytes (about 300 per seccomp record): the reader
# stops taking more beyond this, and the kernel's receive buffer holds the rest.
_PENDING = 512 * 1024 * 1024
_SUDO = "run with sudo (reading audit records needs CAP_AUDIT_READ)"


@dataclass(frozen=True)
class AuditStatus:
    """The kernel's audit state (AUDIT_GET): whether auditd runs, the backlog, and losses."""

    enabled: int
    daemon_pid: int
    rate_limit: int
    backlog_limit: int
    lost: int
    backlog: int


def audit_status() -> AuditStatus:
    """Ask the kernel for its audit status over a unicast request (needs CAP_AUDIT_CONTROL)."""
    reply = _request(AUDIT_GET, b"")
    _mask, enabled, _failure, pid, rate, backlog_limit, lost, backlog = _STATUS.unpack_from(reply)
    return AuditStatus(enabled, pid, rate, backlog_limit, lost, backlog)


def set_backlog_limit(limit: int) -> None:
    """Set only the kernel's audit backlog limit (the mask names no other field)."""
    payload = _STATUS.pack(_STATUS_BACKLOG_LIMIT, 0, 0, 0, 0, limit, 0, 0)
    _request(AUDIT_SET, payload, want_reply=False)


def _request(msg_type: int, payload: bytes, want_reply: bool = True) -> bytes:
    with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_AUDIT) as sock:
        sock.settimeout(2.0)
        sock.bind((0, 0))
        flags = _NLM_F_REQUEST | _NLM_F_ACK
        sock.send(_HEADER.pack(_HEADER.size + len(payload), msg_type, flags, 1, 0) + payload)
        while True:
            data = sock.recv(65536)
            length, kind = _HEADER.unpack_from(data)[:2]
            body = data[_HEADER.size : length]
            if kind == _NLMSG_ERROR:
                code = -struct.unpack_from("=i", body)[0]
                if code:
                    name = errno.errorcode.get(code, str(code))
                    raise PermissionError(code, f"audit request {msg_type}: {name}")
                if not want_reply:
                    return b""
                continue  # the ACK comes before the reply
            if kind == msg_type:
                return body


class NetlinkSource:
    """Subscribes to the audit multicast group; a receiving thread takes the records off the
    socket at C speed (lab.audit.receiver), and `read_batch` parses them on the caller's thread."""

    name = "netlink"
    rate_limited = False

    def __init__(self, receive_buffer: int = _RCVBUF, pending_bytes: int = _PENDING) -> None:
        self.receive_buffer = receive_buffer
        self.pending_bytes = pending_bytes
        self.reason = "netlink audit multicast: every record, nothing rate-limited"
        self._sock: socket.socket | None = None
        self._receiver: Receiver | None = None

    @property
    def enobufs(self) -> int:
        """How many times the kernel reported ENOBUFS (our receive buffer was full)."""
        return self._receiver.overflows if self._receiver is not None else 0

    @property
    def socket_drops(self) -> int:
        """Records the kernel dropped at our socket (its own exact counter), else the ENOBUFS
        reports (each one at least one record) when the counter cannot be read."""
        if self._receiver is None:
            return 0
        drops = self._receiver.drops()
        return self._receiver.overflows if drops is None else drops

    @property
    def waiting(self) -> bool:
        """True while records received are waiting to be parsed."""
        return self._receiver is not None and self._receiver.waiting > 0

    @property
    def left_unread(self) -> int:
        """Records received (or queued in the socket) but not parsed when the source closed."""
        return self._receiver.left_unread if self._receiver is not None else 0

    def open(self) -> None:
        """Join the multicast group with a large receive buffer; start the receiving thread."""
        if not hasattr(socket, "AF_NETLINK"):
            raise SourceUnavailable(
                self.name,
                "netlink exists only on Linux; here the kernel runs in Docker's VM",
                "read the kind node's log: --source command --command "
                "'docker exec <node> dmesg --follow-new' (rate-limited)",
            )
        sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_AUDIT)
        try:
            sock.bind((0, AUDIT_NLGRP_READLOG))
        except OSError as exc:
            sock.close()
            why = f"cannot join the audit multicast group ({exc.strerror})"
            raise SourceUnavailable(self.name, why, _SUDO) from exc
        try:
            # SO_RCVBUFFORCE ignores rmem_max but needs CAP_NET_ADMIN; else the capped request.
            sock.setsockopt(socket.SOL_SOCKET, _SO_RCVBUFFORCE, self.receive_buffer)
        except OSError:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, self.receive_buffer)
        sock.setblocking(False)
        self._sock = sock
        self._receiver = Receiver(sock, self.pending_bytes)
        self._receiver.start()

    def read_batch(self, timeout: float) -> list[RawRecord]:
        """Records received (about a batch), waiting up to `timeout` for the first."""
        receiver = self._receiver
        if receiver is None:
            return []
        chunks = receiver.take(timeout, _BATCH)
        if receiver.error is not None and not chunks:
            raise OSError(receiver.error)
        out: list[RawRecord] = []
        append = out.append
        unpack = _HEADER.unpack_from
        for data, lengths in chunks:
            offset = 0
            for size in lengths:
                if size >= 16:
                    kind = unpack(data, offset)[1]
                    text = data[offset + 16 : offset + size].rstrip(b"\0\n")
                    append((kind, text.decode("utf-8", "replace")))
                offset += size
        return out

    def close(self) -> None:
        """Stop the receiving thread (counting what was left unparsed) and leave the group."""
        if self._receiver is not None:
            self._receiver.stop()
        if self._sock is not None:
            self._sock.close()
            self._sock = None
