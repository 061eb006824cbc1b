"""`seclab profile diff A B`: what changed between two seccomp profiles."""

from __future__ import annotations

import json
import sys
from typing import Any

import click


@click.group("profile")
def command() -> None:
    """Work with seccomp profile files (`seclab lint` checks one).

    \b
    Example:
      seclab profile diff fine-grained.json my-echo.json
    """


@command.command("diff", short_help="What changed between two profiles.")
@click.argument("old", metavar="A")
@click.argument("new", metavar="B")
@click.option("--json", "as_json", is_flag=True, help="One JSON object instead of text.")
def diff(old: str, new: str, as_json: bool) -> None:
    """Show syscalls added (+), removed (-) or with another action (~) from A to B, and changed
    top-level fields.

    A and B are paths, names of the lab's profiles (audit.json), or - for standard input (one of
    them). A profile that fails `seclab lint` is refused with the lint message. Argument-gated
    rules are compared as a whole; the order of names, architectures and flags does not count.

    \b
    Exit status: 0 when the profiles are the same, 1 when they differ, 2 on bad input.

    \b
    Examples:
      seclab profile diff fine-grained.json my-echo.json
      seclab record -- busybox true | seclab profile diff - block-mkdir.json
    """
    from lab.profile.diagnostics import ProfileError
    from lab.profile.diff import diff_profiles

    if old == "-" and new == "-":
        raise click.UsageError("only one of A and B can be - (standard input)")
    try:
        result = diff_profiles(_load(old), _load(new))
    except ProfileError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    if as_json:
        body = {
            "added": [list(x) for x in result.added],
            "removed": [list(x) for x in result.removed],
            "changed": [list(x) for x in result.changed],
            "fields": [list(x) for x in result.fields],
            "conditional": list(result.conditional),
        }
        click.echo(json.dumps(body, indent=2))
    elif result.is_empty():
        click.echo("no difference")
    else:
        for line in result.lines():
            click.echo(line)
    sys.exit(0 if result.is_empty() else 1)


def _load(name: str) -> Any:
    """A profile from a path, a lab profile's name, or `-` (standard input), as lint reads it."""
    from lab.profile.diagnostics import ProfileError
    from lab.profile.lint import MAX_BYTES, decode_profile, load_profile, parse_profile_text

    if name != "-":
        return load_profile(name)
    if sys.stdin is None:  # started with `<&-`
        raise click.UsageError("standard input is closed; pipe the profile in")
    text, found = decode_profile(sys.stdin.buffer.read(MAX_BYTES + 1), "<stdin>")
    if text is None:
        raise ProfileError(found)
    return parse_profile_text(text, "<stdin>")
