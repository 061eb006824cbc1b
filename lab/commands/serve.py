"""`seclab serve`: the lab mirrored to a browser (textual-serve), for a projector or a class."""

from __future__ import annotations

import importlib
import shlex
import socket
import sys

import click

from lab.commands.start import TARGET_CHOICES

LOCAL = "127.0.0.1"
WIDE = "0.0.0.0"


def lab_command(target: str | None, lesson: str | None, demo: bool) -> str:
    """The `seclab start` command line each browser session runs."""
    argv = [sys.executable, "-m", "lab", "start"]
    if target:
        argv += ["--target", target]
    if lesson:
        argv += ["--lesson", lesson]
    if demo:
        argv.append("--demo")
    # textual-serve hands this string to /bin/sh: every word is quoted.
    return shlex.join(argv)


def public_url(host: str, port: int) -> str:
    """The address browsers use for the page and its websocket."""
    if host in (WIDE, "::"):
        host = socket.getfqdn() or socket.gethostname()
    return f"http://{host}:{port}"


@click.command("serve")
@click.option("--host", default=LOCAL, show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--public", is_flag=True, help=f"Listen on every interface ({WIDE}).")
@click.option("--url", "url", metavar="URL", help="The address attendees open, if not guessed.")
@click.option("--target", "-t", type=click.Choice(TARGET_CHOICES), default=None)
@click.option("--lesson", "-l", metavar="LESSON", help="Open this lesson.")
@click.option("--demo", is_flag=True, help="Serve the instructor's demo mode.")
def command(
    host: str,
    port: int,
    public: bool,
    url: str | None,
    target: str | None,
    lesson: str | None,
    demo: bool,
) -> None:
    """Serve the lab in a web browser: each browser tab runs its own `seclab start`.

    \b
    Listens on this machine only unless told otherwise: anyone who can open the page can drive
    the lab (and, as root, its workloads).
    \b
      seclab serve                        open http://127.0.0.1:8000
      seclab serve --demo --public        a class on the same network (shows a warning)
    """
    if public:
        host = WIDE
    if host not in (LOCAL, "localhost", "::1"):
        click.echo(
            f"warning: listening on {host}: anyone who can reach port {port} can drive this lab "
            "and the workloads it starts. Use it on a trusted network only.",
            err=True,
        )
    address = url or public_url(host, port)
    click.echo(f"seclab: serving the lab on {address} (Ctrl-C stops)")
    # Front-end code lives in lab.tui; loaded by name, as `seclab start` does.
    web = importlib.import_module("lab.tui.web")
    web.serve(lab_command(target, lesson, demo), host=host, port=port, public_url=address)
