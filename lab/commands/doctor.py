"""`seclab doctor`: what works on this machine, what does not, and how to fix it."""

from __future__ import annotations

import json
import sys

import click

from lab.check import Check
from lab.doctor import run_checks, target_works

TARGETS = ("local", "docker", "kind")
COLORS = {"ok": "green", "missing": "yellow", "broken": "red"}

HELP = """Check what the lab needs on this machine, line by line, with the fix for each.

\b
  ok       works
  missing  not installed, not running, or not allowed for this user
  broken   present but not working

\b
Examples:
  seclab doctor                        everything, and whether the local target works
  seclab doctor --target docker        exit 1 unless the Docker exercises can run here
  sudo seclab doctor                   as root: the audit records are readable too
  seclab doctor --json | jq '.checks[] | select(.status != "ok")'

Exit status: 0 when the requested target (--target; local by default) can work here, 1 when it
cannot, 2 on usage errors. Every line is always reported.
"""


def _print(checks: list[Check]) -> None:
    width = max(len(c.name) for c in checks)
    for check in checks:
        status = click.style(f"{check.status:<8}", fg=COLORS.get(check.status))
        click.echo(f"{status} {check.name:<{width}}  {check.detail}")
        if check.fix and check.status != "ok":
            click.echo(f"{'':<8} {'':<{width}}  fix: {check.fix}")


@click.command("doctor", help=HELP)
@click.option("--target", "target", type=click.Choice(TARGETS), default=None,
              help="Exit non-zero unless this target can work (default: local).")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="One JSON object: checks and targets.")
def command(target: str | None, as_json: bool) -> None:
    """Report what works here."""
    checks = run_checks()
    works = {name: target_works(checks, name) for name in TARGETS}
    if as_json:
        report = {"checks": [c.to_json() for c in checks], "targets": works}
        click.echo(json.dumps(report, indent=2))
    else:
        _print(checks)
        click.echo()
        for name in TARGETS:
            blockers = [c.name for c in checks if name in c.needed_by and c.status != "ok"]
            verdict = "can run here" if works[name] else f"cannot run: {', '.join(blockers)}"
            click.echo(f"{name:<7} {click.style(verdict, fg='green' if works[name] else 'red')}")
    if not works[target or "local"]:
        sys.exit(1)
