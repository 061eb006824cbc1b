"""The lab screen's checks skip, saying why, when records cannot reach this process."""

from __future__ import annotations

import contextlib

import pytest

from lab.tui import course_session


class JoinedCapture:
    """Stands in for AuditCapture, which needs root: it opens, and (as in another network
    namespace) its marker record never comes back."""

    def __init__(self, **_: object) -> None: ...

    def __enter__(self) -> JoinedCapture:
        return self

    def __exit__(self, *exc: object) -> None: ...

    def sync(self, timeout: float = 10.0) -> None:
        raise TimeoutError("no marker")


def test_a_capture_that_receives_nothing_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("lab.audit.capture.AuditCapture", JoinedCapture)
    monkeypatch.setattr("lab.audit.reach.netns_problem", lambda: None)
    with contextlib.ExitStack() as stack:
        audit, forks, why = course_session._observers(stack)
    assert audit is None and forks is None
    assert why and "network namespace" in why


def test_the_step_outcome_says_how_many_checks_were_skipped() -> None:
    from lab.tui.course_events import outcome

    assert outcome(True, [], 2).message == (
        "every check that can run here passed (2 checks were skipped)"
    )
    assert outcome(True, []).message == "every check passed"
