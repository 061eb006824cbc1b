"""`seclab lint`: check seccomp profiles; say where each mistake is and how to fix it."""

from __future__ import annotations

import json
import stat
import sys
from pathlib import Path

import click

from lab.paths import resolve_profile
from lab.profile.diagnostics import Diagnostic, count, plural, sort_key
from lab.profile.lint import MAX_BYTES, decode_profile, lint_text, read_profile

_COLORS = {"error": "red", "warning": "yellow", "info": "cyan"}
# Long (minified) lines are shown as a window around the column.
_EXCERPT_WIDTH = 76
# A generated file can hold thousands of findings; the first ones are what a reader acts on.
_MAX_SHOWN = 100
_STDIN = "<stdin>"
# `seclab lint ""` (an unset shell variable, `seclab lint "$PROFILE"`): Path("") is the folder.
_EMPTY_NAME = (
    "an empty file name (an unset variable in `seclab lint \"$PROFILE\"`?): "
    "name the profile to check, e.g. seclab lint profiles/audit.json"
)

HELP = """Check seccomp profiles before a runtime silently ignores a mistake.

\b
Every finding has the file, line and column, a severity and a short code:
  error    the runtime refuses the profile, or it cannot mean what it says
           (invalid JSON, unknown or mis-cased actions, `amd64` where
           SCMP_ARCH_X86_64 belongs, wrong types, unknown keys or flags,
           `name` with `names`, `architectures` with `archMap`, argument
           index outside 0-5, unknown operators, SCMP_ACT_NOTIFY as the
           default or for write, missing defaultAction)
  warning  the profile loads but does something other than it seems
           (unknown syscall names, which runc skips without a word; rules
           that repeat the default action; one syscall under two actions,
           and which one wins; a default that denies execve, so the
           container never starts)
  info     worth knowing (ERRNO denials leave no audit record without
           SECCOMP_FILTER_FLAG_LOG, and which runtimes honour flags;
           SCMP_ACT_KILL ends only the calling thread; fields containerd,
           so kind, ignores)

\b
PROFILE is a path, the name of one of the lab's profiles (audit.json),
or - for standard input.
Exit status: 0 when every profile is valid (warnings and info allowed),
1 when any has an error, 2 on usage errors (no profile, no such file).

\b
--json prints one JSON document: a list with one object per file,
  {"path": …, "valid": true|false,
   "counts": {"error": n, "warning": n, "info": n},
   "diagnostics": [{"path", "line", "column", "severity", "code",
                    "message", "suggestion"}, …]}
(line and column are 1-based; 0 means the file as a whole).
"""

EPILOG = """\b
Examples:
  seclab lint profiles/*.json
  seclab lint audit.json violation.json       the lab's own profiles, by name
  seclab lint -q my-profile.json              errors only
  seclab lint --json my-profile.json | jq '.[].diagnostics[].code'
"""


@click.command("lint", help=HELP, epilog=EPILOG)
@click.argument("profiles", nargs=-1, metavar="PROFILE...")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document (see above).")
@click.option("-q", "--quiet", is_flag=True, help="Show only errors.")
@click.pass_context
def command(ctx: click.Context, profiles: tuple[str, ...], as_json: bool, quiet: bool) -> None:
    if not profiles:
        raise click.UsageError("give at least one profile, e.g. `seclab lint profiles/*.json`")
    paths = [resolve_profile(name) if name not in ("-", "") else Path(name) for name in profiles]
    unusable = [(name, _not_a_profile(path) if name else _EMPTY_NAME)
                for name, path in zip(profiles, paths, strict=True) if name != "-"]  # fmt: skip
    missing = [(name, what) for name, what in unusable if what]
    for name, what in missing:
        shown = _printable(name) if name else '""'
        click.echo(f"seclab lint: {shown}: {what}", err=True)
    if "-" in profiles and sys.stdin is None:  # started with `<&-`: Python has no stdin
        click.echo("seclab lint: -: standard input is closed; pipe the profile in", err=True)
        ctx.exit(2)
    if missing:
        click.echo("give a profile file, or a name from the lab's profiles/ folder", err=True)
        ctx.exit(2)
    results = [_lint_one(path) for path in paths]
    if as_json:
        click.echo(
            json.dumps([_as_json(path, found, quiet) for path, _, found in results], indent=2)
        )
    else:
        for path, text, found in results:
            _print_file(str(path), text, found, quiet)
        if not quiet:
            _print_summary([found for _, _, found in results])
    ctx.exit(1 if any(d.is_error for _, _, found in results for d in found) else 0)


def _not_a_profile(path: Path) -> str | None:
    """Why `path` cannot be linted, or None when it is a file (readable or not: lint says)."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return "no such profile"
    except PermissionError:
        return None  # a finding like any unreadable file: lint reports it, with the reason
    except OSError as exc:  # ELOOP, a name too long
        return f"cannot be read: {exc.strerror}"
    if stat.S_ISDIR(mode):
        return "is a directory, not a profile"
    return None if stat.S_ISREG(mode) else "is not a regular file"


def _lint_one(path: Path) -> tuple[Path, str, list[Diagnostic]]:
    """The path shown, the text (for excerpts) and every finding."""
    if str(path) == "-":
        data = sys.stdin.buffer.read(MAX_BYTES + 1)
        path = Path(_STDIN)
        text, found = decode_profile(data, _STDIN)
    else:
        text, found = read_profile(path)
    if text is None:
        return path, "", found
    return path, text, sorted(found + lint_text(text, str(path)), key=sort_key)


def _as_json(path: Path, found: list[Diagnostic], quiet: bool) -> dict[str, object]:
    shown = [d for d in found if d.is_error or not quiet]
    return {
        "path": str(path),
        "valid": not any(d.is_error for d in found),
        "counts": count(found),
        "diagnostics": [d.to_dict() for d in shown],
    }


def _print_file(path: str, text: str, found: list[Diagnostic], quiet: bool) -> None:
    shown = [d for d in found if d.is_error or not quiet]
    if quiet and not shown:
        return
    totals = count(found)
    verdict = "invalid" if totals["error"] else "valid"
    details = ", ".join(plural(n, word) for word, n in totals.items() if n)
    header = f"{_printable(path)}: {verdict}" + (f" ({details})" if details else "")
    click.secho(header, bold=True, fg="red" if totals["error"] else "green")
    lines = text.splitlines()
    for diagnostic in shown[:_MAX_SHOWN]:
        first = f"{_printable(diagnostic.location())}: "
        click.echo(
            first
            + click.style(diagnostic.severity, fg=_COLORS[diagnostic.severity])
            + f": {_printable(diagnostic.message)} [{diagnostic.code}]"
        )
        if 0 < diagnostic.line <= len(lines):
            click.echo(_excerpt(lines[diagnostic.line - 1], diagnostic.line, diagnostic.column))
        if diagnostic.suggestion:
            click.echo(f"    hint: {_printable(diagnostic.suggestion)}")
    if len(shown) > _MAX_SHOWN:
        click.echo(f"… and {len(shown) - _MAX_SHOWN} more findings (--json lists them all)")


def _excerpt(line: str, number: int, column: int) -> str:
    """The source line with a caret under the column, cut to a window if the line is long."""
    start = max(0, column - 1 - _EXCERPT_WIDTH // 2) if len(line) > _EXCERPT_WIDTH else 0
    # Cut first, then clean: a minified profile is one line of megabytes, shown once per finding.
    window = _printable(line[start : start + _EXCERPT_WIDTH].replace("\t", " "), keep_width=True)
    prefix = "…" if start else ""
    gutter = f"{number:>6} | "
    caret = " " * (len(gutter) - 2) + "| " + " " * (len(prefix) + column - 1 - start) + "^"
    return f"{gutter}{prefix}{window}\n{caret}"


def _printable(text: str, keep_width: bool = False) -> str:
    """Control characters from a hostile file must not reach the terminal as escape codes."""
    if text.isprintable():
        return text
    return "".join(
        c if c.isprintable() else ("?" if keep_width else f"\\x{ord(c):02x}") for c in text
    )


def _print_summary(all_found: list[list[Diagnostic]]) -> None:
    invalid = sum(1 for found in all_found if any(d.is_error for d in found))
    totals = count(d for found in all_found for d in found)
    details = ", ".join(plural(n, word) for word, n in totals.items())
    files = plural(len(all_found), "file")
    click.echo(
        f"\nchecked {files}: {len(all_found) - invalid} valid, {invalid} invalid ({details})"
    )
