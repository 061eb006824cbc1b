"""`python -m lab` is `seclab`."""

# First, before even lab.entry loads: Ctrl-C while starting ends quietly (see lab.entry).
import _signal


def _starting(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


if _signal.getsignal(_signal.SIGINT) is _signal.default_int_handler:  # not when ignored
    _signal.signal(_signal.SIGINT, _starting)

from lab.entry import main  # noqa: E402

main()
