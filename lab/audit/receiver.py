"""Take netlink datagrams off a socket at C speed, on a thread that never waits on parsing.

One `recvmmsg` call (through ctypes, holding the GIL: the socket is read with MSG_DONTWAIT, so
the call never blocks) copies up to `_SLOTS` records into preallocated buffers; the thread packs
them into one bytes object and queues it. Parsing happens on another thread, behind.

Why the GIL is held: a plain `sock.recv` releases and retakes the GIL for every record, and a
busy parser thread then keeps it for up to the switch interval (5 ms) each time. Measured here:
one record per recv, so the reader fell behind a 1,000,000-record burst and the socket dropped
a quarter of it. With one call per batch the reader needs the GIL a few hundred times a second.

Memory is bounded: at most `max_bytes` of packed records wait for the parser; beyond that the
reader stops reading and the kernel's receive buffer fills, then drops, which is counted exactly
(the socket's own drop counter, SO_MEMINFO).
"""

from __future__ import annotations

import collections
import ctypes
import errno
import select
import socket
import struct
import threading
from collections.abc import Callable

_SLOTS = 256
# The kernel's longest audit record (MAX_AUDIT_MESSAGE_LENGTH 8970) plus the netlink header.
_SLOT = 9216
_MSG_DONTWAIT = 0x40
_MSG_TRUNC = 0x20
_SO_MEMINFO = 55  # Linux; getsockopt gives u32 counters, SK_MEMINFO_DROPS is the ninth
_SK_MEMINFO_DROPS = 8
_MEMINFO = struct.Struct("=9I")


class _IOVec(ctypes.Structure):
    _fields_ = [("iov_base", ctypes.c_void_p), ("iov_len", ctypes.c_size_t)]


class _MsgHdr(ctypes.Structure):
    _fields_ = [
        ("msg_name", ctypes.c_void_p),
        ("msg_namelen", ctypes.c_uint32),
        ("msg_iov", ctypes.c_void_p),
        ("msg_iovlen", ctypes.c_size_t),
        ("msg_control", ctypes.c_void_p),
        ("msg_controllen", ctypes.c_size_t),
        ("msg_flags", ctypes.c_int),
    ]


class _MMsgHdr(ctypes.Structure):
    _fields_ = [("msg_hdr", _MsgHdr), ("msg_len", ctypes.c_uint)]


def _recvmmsg() -> Callable[..., int] | None:
    # PyDLL: the GIL stays held during the call (CDLL would release and then wait to retake it).
    try:
        fn = ctypes.PyDLL(None, use_errno=True).recvmmsg
    except (AttributeError, OSError):
        return None
    fn.restype = ctypes.c_int
    fn.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_uint, ctypes.c_int, ctypes.c_void_p]
    return fn


class _Slots:
    """`_SLOTS` receive buffers with their iovecs and message headers, built once."""

    def __init__(self) -> None:
        self.buf = (ctypes.c_char * (_SLOTS * _SLOT))()
        self.iov = (_IOVec * _SLOTS)()
        self.hdr = (_MMsgHdr * _SLOTS)()
        base, iov_base = ctypes.addressof(self.buf), ctypes.addressof(self.iov)
        for i in range(_SLOTS):
            self.iov[i].iov_base = base + i * _SLOT
            self.iov[i].iov_len = _SLOT
            self.hdr[i].msg_hdr.msg_iov = iov_base + i * ctypes.sizeof(_IOVec)
            self.hdr[i].msg_hdr.msg_iovlen = 1
        self.view = memoryview(self.buf).cast("B")
        words = memoryview(self.hdr).cast("B").cast("I")
        step = ctypes.sizeof(_MMsgHdr) // 4
        self.lengths = words[_MMsgHdr.msg_len.offset // 4 :: step]
        self.flags = words[_MsgHdr.msg_flags.offset // 4 :: step]


class Receiver:
    """Reads a non-blocking datagram socket on its own thread into a bounded queue of chunks.

    A chunk is (packed bytes, lengths): the records back to back, and each one's length.
    """

    def __init__(self, sock: socket.socket, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.overflows = 0  # ENOBUFS reports: the kernel dropped records at this socket
        self.truncated = 0  # records longer than a slot (never for the kernel's audit records)
        self.left_unread = 0  # records received or queued but not handed out when stopped
        self.error: str | None = None
        self._sock = sock
        self._fd = sock.fileno()
        self._recvmmsg = _recvmmsg()
        self._slots = _Slots() if self._recvmmsg is not None else None
        self._chunks: collections.deque[tuple[bytes, list[int]]] = collections.deque()
        self._queued = 0  # bytes in _chunks
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._final_drops: int | None = None
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="seclab-netlink-recv", daemon=True)

    def start(self) -> None:
        """Start the reading thread."""
        self._thread.start()

    def take(self, timeout: float, max_records: int) -> list[tuple[bytes, list[int]]]:
        """Chunks waiting (about `max_records` records), waiting up to `timeout` for the first."""
        with self._cond:
            if not self._chunks:
                self._cond.wait_for(lambda: bool(self._chunks) or self._stop.is_set(), timeout)
            out: list[tuple[bytes, list[int]]] = []
            count = 0
            while self._chunks and count < max_records:
                chunk = self._chunks.popleft()
                self._queued -= len(chunk[0])
                count += len(chunk[1])
                out.append(chunk)
            self._cond.notify_all()  # the reader may wait for room
            return out

    @property
    def waiting(self) -> int:
        """Bytes received and not yet taken by the parser."""
        return self._queued

    def drops(self) -> int | None:
        """Records the kernel dropped at this socket since it was opened (exact), or None."""
        if self._final_drops is not None:
            return self._final_drops
        try:
            raw = self._sock.getsockopt(socket.SOL_SOCKET, _SO_MEMINFO, _MEMINFO.size)
        except OSError:
            return None
        return int(_MEMINFO.unpack(raw)[_SK_MEMINFO_DROPS])

    def stop(self) -> None:
        """Stop reading; count what was received or still queued in the socket, unparsed."""
        if self._stopped:
            return
        self._stopped = True
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        if self._thread.ident is not None:
            self._thread.join()
        left = 0
        with self._cond:
            while self._chunks:
                left += len(self._chunks.popleft()[1])
            self._queued = 0
        # What the kernel already queued for us would vanish with the socket: count it.
        left += self._count_queued()
        self.left_unread += left
        self._final_drops = self.drops()

    def _count_queued(self) -> int:
        # Bounded: under an endless flood the socket never empties (about a million records).
        count = 0
        for _ in range(4096):
            got = self._read_once()
            if got is None:
                break
            count += len(got[1])
        return count

    def _run(self) -> None:
        poll = select.poll()
        poll.register(self._fd, select.POLLIN)
        try:
            while not self._stop.is_set():
                with self._cond:
                    if self._queued >= self.max_bytes:  # the parser is far behind: wait for it
                        self._cond.wait(0.1)
                        continue
                if not poll.poll(100):
                    continue
                for _ in range(64):  # then poll again, so stop() is noticed under a flood
                    got = self._read_once()
                    if got is None:
                        break
                    with self._cond:
                        self._chunks.append(got)
                        self._queued += len(got[0])
                        self._cond.notify_all()
        except OSError as exc:
            self.error = f"reading the audit socket: {exc.strerror or exc}"
        finally:
            with self._cond:
                self._cond.notify_all()

    def _read_once(self) -> tuple[bytes, list[int]] | None:
        """One batch off the socket, or None when it is empty."""
        while True:
            if self._slots is None:
                return self._recv_plain()
            assert self._recvmmsg is not None
            slots = self._slots
            n = self._recvmmsg(self._fd, ctypes.addressof(slots.hdr), _SLOTS, _MSG_DONTWAIT, None)
            if n < 0:
                code = ctypes.get_errno()
                if code in (errno.EAGAIN, errno.EWOULDBLOCK):
                    return None
                if code == errno.ENOBUFS:
                    self.overflows += 1  # reported once per overflow; drops() has the count
                    continue
                if code == errno.EINTR:
                    continue
                raise OSError(code, errno.errorcode.get(code, str(code)))
            if n == 0:
                return None
            lengths = slots.lengths[:n].tolist()
            if any(f & _MSG_TRUNC for f in slots.flags[:n].tolist()):
                self.truncated += sum(1 for f in slots.flags[:n].tolist() if f & _MSG_TRUNC)
            view = slots.view
            packed = b"".join(
                [view[i * _SLOT : i * _SLOT + size] for i, size in enumerate(lengths)]
            )
            return packed, lengths

    def _recv_plain(self) -> tuple[bytes, list[int]] | None:
        # Without recvmmsg (not glibc): one record per call, still off the parsing thread.
        parts: list[bytes] = []
        while len(parts) < _SLOTS:
            try:
                parts.append(self._sock.recv(_SLOT))
            except BlockingIOError:
                break
            except OSError as exc:
                if exc.errno != errno.ENOBUFS:
                    raise
                self.overflows += 1
        if not parts:
            return None
        return b"".join(parts), [len(p) for p in parts]
