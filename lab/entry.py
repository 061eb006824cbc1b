"""The `seclab` entry point: Ctrl-C while seclab is still starting ends it quietly with 130.

Importing the CLI (click, then a command's modules) takes a noticeable moment, and Python's own
SIGINT handler would turn a Ctrl-C in that moment into a KeyboardInterrupt traceback. So the
first thing is a handler that just exits; `lab.cli.main` puts Python's back once it can catch
KeyboardInterrupt, so commands clean up as before. Nothing else may be imported above this.
"""

# `_signal`, not `signal`: the latter imports enum first, itself a window of tens of ms.
import _signal


def _starting(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)  # nothing runs yet that needs cleaning up


def main() -> None:
    """Console-script entry point (`seclab`, `python -m lab`)."""
    # Not when ignored (nohup), and not again under `python -m lab` (lab.__main__ did it).
    if _signal.getsignal(_signal.SIGINT) is _signal.default_int_handler:
        _signal.signal(_signal.SIGINT, _starting)
    from lab.cli import main as cli_main

    cli_main()
