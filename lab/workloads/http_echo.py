"""A local stand-in for hashicorp/http-echo: same flags, `/health`, the text on every other path.

Standard library only, one thread, no name lookups: its syscalls stay few and the same from run
to run, so `profiles/fine-grained-local.json` can list them all.
`python -m lab.workloads.http_echo -text=hi [-listen=:5678]`
"""

from __future__ import annotations

import argparse
import select
import signal
import socket
import socketserver
import sys
from http.server import BaseHTTPRequestHandler
from types import FrameType
from typing import Any

HEALTH_BODY = b'{"status":"ok"}\n'


def parse_args(argv: list[str]) -> argparse.Namespace:
    """http-echo's flags: Go style (`-text=…`) and GNU style (`--text=…`) both work."""
    parser = argparse.ArgumentParser(prog="http_echo", description=__doc__.splitlines()[0])
    parser.add_argument("-text", "--text", required=True, help="the text to return")
    parser.add_argument("-listen", "--listen", default=":5678", help="address and port")
    return parser.parse_args(argv)


def split_listen(listen: str) -> tuple[str, int]:
    """(`""`, 5678) from `:5678`; (`127.0.0.1`, 0) from `127.0.0.1:0`."""
    host, sep, port = listen.rpartition(":")
    if not sep or not port.isdigit() or int(port) > 65535:
        raise ValueError(f"-listen={listen!r}: write it as [HOST]:PORT, e.g. :5678")
    return host.strip("[]"), int(port)


class EchoHandler(BaseHTTPRequestHandler):
    """GET /health answers health; any other GET answers the text and a newline."""

    server_version = "http-echo"
    sys_version = ""
    text = b""

    def do_GET(self) -> None:
        if self.path.split("?", 1)[0] == "/health":
            self._reply(HEALTH_BODY, "application/json")
        else:
            self._reply(self.text, "text/plain; charset=utf-8")

    def _reply(self, body: bytes, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class EchoServer(socketserver.TCPServer):
    """TCPServer, not HTTPServer: HTTPServer looks up the host's name when it binds."""

    allow_reuse_address = True
    backoff = 0.0  # seconds waited after the last failed accept; 0 once one succeeds

    def get_request(self) -> tuple[socket.socket, Any]:
        """Accept; after a failure wait first, 5 ms doubling up to 1 s, as Go's net/http does.

        A profile that refuses accept4 leaves the connection queued, so the socket stays
        readable: without the wait, serve_forever spun on it and kept a core 30-40% busy.
        """
        try:
            request = super().get_request()
        except OSError:
            self.backoff = min(max(self.backoff * 2, 0.005), 1.0)
            self.wait(self.backoff)
            raise
        self.backoff = 0.0
        return request

    @staticmethod
    def wait(seconds: float) -> None:
        """Sleep with poll(2), a syscall serve_forever already makes: a recorded profile that
        allows the server's idle loop allows this wait too (time.sleep may not be)."""
        select.poll().poll(seconds * 1000)


def _stop(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def main(argv: list[str] | None = None) -> None:
    """Serve until SIGTERM or SIGINT; exit 2 on bad flags, like http-echo."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        host, port = split_listen(args.listen)
    except ValueError as exc:
        sys.exit(f"http_echo: {exc}")
    handler = type("Handler", (EchoHandler,), {"text": args.text.encode() + b"\n"})
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, _stop)
    try:
        server = EchoServer((host, port), handler)
    except OSError as exc:
        sys.exit(f"http_echo: cannot listen on {args.listen}: {exc.strerror}")
    with server:
        bound_port = server.server_address[1]
        print(f"[INFO] server is listening on {host or ''}:{bound_port}", flush=True)
        server.serve_forever()


if __name__ == "__main__":
    main()
