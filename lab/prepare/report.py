"""The closing checklist: a line per item with ✔ or ✘, each ✘ with its fix, then the verdict."""

from __future__ import annotations

from collections.abc import Sequence

import click

from lab.prepare.items import Item


def print_report(target: str, items: Sequence[Item], notes: Sequence[str], *, check: bool) -> bool:
    """Print the checklist on standard output; True when the room is ready."""
    click.echo(f"\nThe room, for the {target} target:")
    width = max((len(item.name) for item in items), default=0)
    for item in items:
        mark = click.style("✔", fg="green") if item.ok else click.style("✘", fg="red")
        click.echo(f"  {mark} {item.name:<{width}}  {item.detail}")
        if not item.ok and item.fix:
            click.echo(f"    {'':<{width}}  fix: {item.fix}")
    if notes:
        click.echo("\nWorth knowing (blocks nothing):")
        for note in notes:
            click.echo(f"  · {note}")
    would_run = [line for item in items if not item.ok for line in item.would_run]
    if check and would_run:
        click.echo(f"\n`seclab prepare --target {target}` would run:")
        for line in would_run:
            click.echo(f"  {line}")
    failed = sum(not item.ok for item in items)
    if failed:
        click.secho(
            f"\nNot ready: {failed} item(s) marked ✘. Fix them, then run "
            f"`seclab prepare --target {target}{' --check' if check else ''}` again.",
            fg="red",
        )
        return False
    click.secho("\nReady: nothing will download during the talk.", fg="green")
    return True
