"""The subprocess wrapper: real processes, exit codes, timeouts, cancellation, missing tools."""

from __future__ import annotations

import sys
import threading
import time

import pytest

from lab.targets.base import CommandEvent
from lab.targets.commands import CommandError, SubprocessRunner


def test_runs_and_reports_before_and_after() -> None:
    events: list[CommandEvent] = []
    run = SubprocessRunner(on_command=events.append)
    done = run([sys.executable, "-c", "print('hi')"], timeout=30)
    assert done.stdout == "hi\n" and done.returncode == 0
    assert [e.exit_code for e in events] == [None, 0]


def test_non_zero_exit_raises_with_stderr() -> None:
    run = SubprocessRunner()
    with pytest.raises(CommandError) as err:
        run([sys.executable, "-c", "import sys; sys.exit('boom')"], timeout=30)
    assert err.value.returncode == 1 and "boom" in str(err.value)
    assert (
        run([sys.executable, "-c", "raise SystemExit(3)"], timeout=30, check=False).returncode == 3
    )


def test_timeout_kills_the_process() -> None:
    with pytest.raises(CommandError, match="timed out"):
        SubprocessRunner()([sys.executable, "-c", "import time; time.sleep(60)"], timeout=0.5)


def test_missing_tool_is_named() -> None:
    with pytest.raises(CommandError, match="not installed"):
        SubprocessRunner()(["seclab-no-such-tool"], timeout=5)


def test_cancel_from_another_thread() -> None:
    run = SubprocessRunner()
    threading.Thread(target=lambda: (time.sleep(0.3), run.cancel()), daemon=True).start()
    with pytest.raises(CommandError, match="cancelled"):
        run([sys.executable, "-c", "import time; time.sleep(60)"], timeout=60)
