"""The web mirror: textual-serve runs one `seclab start` per browser tab."""

from __future__ import annotations

from textual_serve.server import Server


def serve(command: str, *, host: str, port: int, public_url: str) -> None:
    """Serve `command` (a shell-quoted `seclab start …`) until Ctrl-C."""
    Server(command, host=host, port=port, title="seclab", public_url=public_url).serve()
