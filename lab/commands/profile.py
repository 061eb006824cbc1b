"""`seclab profile diff A B`: what changed between two seccomp profiles."""

from __future__ import annotations

import json
import sys

import click


@click.group("profile")
def command() -> None:
    """Work with seccomp profile files."""


@command.command("diff")
@click.argument("old", metavar="A")
@click.argument("new", metavar="B")
@click.option("--json", "as_json", is_flag=True, help="One JSON object instead of text.")
def diff(old: str, new: str, as_json: bool) -> None:
    """Show syscalls added (+), removed (-) or with another action (~) from A to B, and changed
    fields. Exit status 0 when the profiles are the same, 1 when they differ, 2 on bad input.

    \b
      seclab profile diff fine-grained.json my-echo.json
    """
    from lab.profile.diagnostics import ProfileError
    from lab.profile.diff import diff_profiles
    from lab.profile.lint import load_profile

    try:
        result = diff_profiles(load_profile(old), load_profile(new))
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
