"""The `seclab` entry point: Ctrl-C while seclab is still starting ends it quietly with 130.

Importing the CLI (click, then a command's modules) takes a noticeable moment, and Python's own
SIGINT handler would turn a Ctrl-C in that moment into a KeyboardInterrupt traceback. Raising
anything in the middle of an import is no better: an exception between importlib taking its
global lock and its `try` leaves the lock held, and the next import on any thread waits for
ever (seen here: a `seclab watch` hung on its marker thread). So the first thing is a handler
that only notes the signal; once the imports are done, `lab.cli.main` puts Python's handler
back and ends with 130 if a Ctrl-C came meanwhile.
"""

# `_signal`, not `signal`: the latter imports enum first, itself a window of tens of ms.
import _signal


def hold_interrupts() -> list[int]:
    """Note SIGINT instead of raising (not when it is ignored, as under nohup); the notes."""
    noted: list[int] = []
    if _signal.getsignal(_signal.SIGINT) is _signal.default_int_handler:
        _signal.signal(_signal.SIGINT, lambda signum, _frame: noted.append(signum))
    return noted


def main(noted: list[int] | None = None) -> None:
    """Console-script entry point (`seclab`; `python -m lab` passes the notes it began)."""
    if noted is None:
        noted = hold_interrupts()
    from lab.cli import main as cli_main

    cli_main(interrupted=lambda: bool(noted))
