"""The TUI's plain-Python parts: the audit feed, demo controls, target choice, profile viewer."""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

import pytest

from lab.audit.loss import LossReport
from lab.audit.records import AuditEvent
from lab.audit.stream import StreamStats
from lab.tui.audit_feed import AuditFeed, format_event
from lab.tui.audit_filter import compile_filter, workloads_expression
from lab.tui.demo import DemoControl
from lab.tui.profile_view import load_profile
from lab.tui.target_choice import choose_target


def _event(n: int, syscall: str = "read", action: str = "log", pid: int = 7) -> AuditEvent:
    return AuditEvent(
        serial=n, time=0.0, pid=pid, arch=0xC000003E, syscall=0, code=0x7FFC0000,
        comm="echo", syscall_name=syscall, action=action,
    )  # fmt: skip


class ListStream:
    """Hands out what a test put in, once."""

    def __init__(self) -> None:
        self.events: list[AuditEvent] = []

    def get_batch(self, max_wait: float = 0.1, max_items: int = 10_000) -> list[AuditEvent]:
        out, self.events = self.events[:max_items], self.events[max_items:]
        return out

    def stats(self) -> StreamStats:
        loss = LossReport(serial_gaps=3)
        return StreamStats("netlink", "best", False, 10, 10, loss)


def test_a_batch_keeps_only_what_the_pane_can_hold_but_counts_everything() -> None:
    stream = ListStream()
    feed = AuditFeed(stream, max_lines=100)
    stream.events = [_event(n, "write" if n % 2 else "read") for n in range(1000)]
    batch = feed.poll()
    assert batch is not None
    assert len(batch.lines) == 100 and batch.hidden == 900
    assert batch.matched == 1000
    assert dict(batch.top) == {"read": 500, "write": 500}
    assert batch.lost == 3 and batch.source == "netlink"
    assert batch.lines[-1] == format_event(_event(999, "write"))


def test_the_feed_waits_for_the_pane_before_the_next_batch() -> None:
    stream = ListStream()
    feed = AuditFeed(stream, max_lines=10)
    stream.events = [_event(1)]
    assert feed.poll() is not None
    stream.events = [_event(n) for n in range(2, 50)]
    assert feed.poll() is None  # not acknowledged yet: events accumulate, bounded
    feed.acked.set()
    batch = feed.poll()
    assert batch is not None and len(batch.lines) == 10 and batch.hidden == 38


def test_a_filter_applies_to_new_events_and_restarts_the_counts() -> None:
    stream = ListStream()
    feed = AuditFeed(stream)
    feed.set_filter(compile_filter("action=kill syscall=mkdir"))
    stream.events = [_event(1, "mkdir", "kill_process"), _event(2, "read"), _event(3, "mkdir")]
    batch = feed.poll()
    assert batch is not None
    assert [line.split()[1:3] for line in batch.lines] == [["mkdir", "kill_process"]]
    assert batch.top == [("mkdir", 1)]


def test_filter_mistakes_say_what_to_write() -> None:
    with pytest.raises(ValueError, match="unknown filter key"):
        compile_filter("sycall=mkdir")
    assert compile_filter("  ") is None
    assert workloads_expression([12, 5, 12]) == "tree=5,12"
    assert workloads_expression([]) == ""


def test_the_formatted_line_names_syscall_action_process_and_signal() -> None:
    event = AuditEvent(
        1, 0.0, 42, 0xC000003E, 83, 0, comm="mkdir", syscall_name="mkdir",
        action="kill_process", signal=31,
    )  # fmt: skip
    line = format_event(event)
    assert line.split()[1:] == ["mkdir", "kill_process", "mkdir[42]", "sig=31"]
    ours = replace(event, container_name="seclab-audit-pod-7a2bc6ae")
    assert format_event(ours).endswith("sig=31 in audit-pod")
    other = replace(event, container_name="seclab-db")  # no session part: the name stays
    assert format_event(other).endswith(" in db")
    assert format_event(replace(event, container_name="web-1")).endswith(" in web-1")


def test_a_flood_stays_bounded() -> None:
    stream = ListStream()
    feed = AuditFeed(stream, max_lines=2000, per_batch=500)
    for round_ in range(10):
        stream.events = [_event(n) for n in range(20_000)]
        batch = feed.poll()
        assert batch is not None and len(batch.lines) == 500
        assert batch.matched == 20_000 * (round_ + 1)
        feed.acked.set()


def test_demo_pause_holds_a_wait_and_a_step_request_ends_it() -> None:
    control = DemoControl(step_pause=30)
    control.toggle_pause()
    assert control.paused
    finished: list[bool] = []
    waiter = threading.Thread(target=lambda: finished.append(control.wait(30)))
    waiter.start()
    control.step(+1)  # the presenter presses →: the wait ends early, playing again
    waiter.join(timeout=10)
    assert finished == [False]
    assert not control.paused
    assert control.take_direction() == 1 and control.take_direction() == 0


def test_demo_pace_moves_within_its_range() -> None:
    control = DemoControl()
    for _ in range(10):
        control.faster()
    fastest = control.cps
    for _ in range(10):
        control.slower()
    assert control.cps < fastest
    assert control.typing_time("x" * int(control.cps)) == pytest.approx(1.0)
    assert DemoControl(instant=True).typing_time("anything") == 0.0


def test_target_choice_prefers_kind_then_docker_then_local() -> None:
    assert choose_target(lambda: True, lambda: True).target == "kind"
    assert choose_target(lambda: False, lambda: True).target == "docker"
    local = choose_target(lambda: False, lambda: False)
    assert local.target == "local"
    assert "seclab doctor" in local.reason


def test_profile_viewer_lints_and_diffs(profiles_dir: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"defaultAction": "SCMP_ACT_LOGG"}\n')
    doc = load_profile(broken, compare_with=profiles_dir / "audit.json")
    assert doc.findings and doc.findings[0].line == 1
    assert "SCMP_ACT_LOGG" in doc.findings[0].message or doc.findings[0].severity == "error"
    assert '-  "defaultAction": "SCMP_ACT_LOG"' in doc.diff
    assert '+  "defaultAction": "SCMP_ACT_LOGG"' in doc.diff
    clean = load_profile(profiles_dir / "audit.json")
    assert not [f for f in clean.findings if f.severity == "error"]


def test_a_new_filter_is_applied_to_the_recent_records_and_replaces_the_rows() -> None:
    stream = ListStream()
    feed = AuditFeed(stream, per_batch=2)
    stream.events = [_event(1, "mkdir", "kill_process"), _event(2, "read"), _event(3, "mkdir")]
    first = feed.poll()
    assert first is not None and not first.replace
    feed.acked.set()
    feed.set_filter(compile_filter("syscall=mkdir"))
    narrowed = feed.poll()
    assert narrowed is not None and narrowed.replace
    assert [line.split()[1] for line in narrowed.lines] == ["mkdir", "mkdir"]
    assert narrowed.top == [("mkdir", 2)] and narrowed.matched == 2
    feed.acked.set()
    feed.set_filter(None)
    widened = feed.poll()
    assert widened is not None and widened.replace and len(widened.lines) == 3
