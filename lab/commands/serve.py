"""`seclab serve`: the lab mirrored to a browser (textual-serve), for a projector or a class."""

from __future__ import annotations

import importlib
import socket
import sys

import click

from lab.commands.start import TARGET_CHOICES

LOCAL = "127.0.0.1"
WIDE = "0.0.0.0"


def lab_argv(target: str | None, lesson: str | None, demo: bool) -> list[str]:
    """The `seclab start` each presenter session runs (as an argv: no shell reads it)."""
    argv = [sys.executable, "-m", "lab", "start"]
    if target:
        argv += ["--target", target]
    if lesson:
        argv += ["--lesson", lesson]
    if demo:
        argv.append("--demo")
    return argv


def public_url(host: str, port: int) -> str:
    """The address browsers use for the page and its websocket."""
    if host in (WIDE, "::"):
        host = socket.getfqdn() or socket.gethostname()
        if host in ("localhost", "localhost.localdomain") or host.startswith("127."):
            host = _outward_address() or host  # attendees cannot open this machine's localhost
    return f"http://{host}:{port}"


def _outward_address() -> str | None:
    """The address this machine's default route leaves from (no packet is sent), or None."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: only picks the route, sends nothing
            return str(probe.getsockname()[0])
    except OSError:
        return None


@click.command("serve")
@click.option("--host", default=LOCAL, show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--public",
    is_flag=True,
    help=f"Listen on every interface ({WIDE}) for a room: attendees watch, read-only.",
)
@click.option("--url", "url", metavar="URL", help="The address attendees open, if not guessed.")
@click.option("--target", "-t", type=click.Choice(TARGET_CHOICES), default=None)
@click.option("--lesson", "-l", metavar="LESSON", help="Open this lesson.")
@click.option("--demo", is_flag=True, help="Serve the instructor's demo mode.")
@click.option(
    "--max-sessions",
    default=4,
    show_default=True,
    type=click.IntRange(1, 32),
    help="Browser tabs that may each run a lab at once (on this machine only).",
)
@click.option(
    "--max-viewers",
    default=100,
    show_default=True,
    type=click.IntRange(1, 1000),
    help="Attendees who may watch at once (--public).",
)
def command(
    host: str,
    port: int,
    public: bool,
    url: str | None,
    target: str | None,
    lesson: str | None,
    demo: bool,
    max_sessions: int,
    max_viewers: int,
) -> None:
    """Serve the lab in a web browser, behind a secret key in the address it prints.

    \b
    On this machine (the default) each browser tab opened with the key runs its own
    `seclab start`. With --public (or any --host that is not this machine), only the presenter's
    address runs the lab, in one tab; attendees open a second address and watch it, read-only.
    Whoever has the presenter's address drives the lab (as root, its workloads): keep it private.
    \b
      seclab serve                        open the http://127.0.0.1:8000/?key=… it prints
      seclab serve --demo --public        a class: presenter and attendee addresses
    """
    if public:
        host = WIDE
    room = host not in (LOCAL, "localhost", "::1")
    base = (url or public_url(host, port)).rstrip("/")
    # Front-end code lives in lab.tui; loaded by name, as `seclab start` does.
    web = importlib.import_module("lab.tui.web")
    config = web.ServeConfig(
        argv=tuple(lab_argv(target, lesson, demo)),
        host=host,
        port=port,
        presenter_key=web.new_key(),
        viewer_key=web.new_key() if room else None,
        address=base,
        url=url.rstrip("/") if url else None,
        max_sessions=max_sessions,
        max_viewers=max_viewers,
    )
    if room:
        click.echo(
            f"warning: listening on {host}: anyone who can reach port {port} can watch the lab "
            "with the attendees' address; only the presenter's address runs it.",
            err=True,
        )
        click.echo(f"seclab: presenter (keep private, one tab): {base}/?key={config.presenter_key}")
        click.echo(f"seclab: attendees (read-only): {base}/?key={config.viewer_key}")
        click.echo("seclab: serving the lab (Ctrl-C stops)")
    else:
        click.echo(f"seclab: serving the lab on {base}/?key={config.presenter_key} (Ctrl-C stops)")
    web.serve(config)
