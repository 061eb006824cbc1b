"""`python -m lab` is `seclab`."""

# First, before even lab.entry loads: a Ctrl-C while starting is noted, not raised (see there).
import _signal

_noted: list[int] = []
if _signal.getsignal(_signal.SIGINT) is _signal.default_int_handler:  # not when ignored
    _signal.signal(_signal.SIGINT, lambda signum, _frame: _noted.append(signum))

from lab.entry import main  # noqa: E402

main(_noted)
