"""The runner: events in order, solutions in auto mode, hints, progress, cleanup, cancel."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from stub_target import stub

from lab.course.checks import Cancelled
from lab.course.events import (
    ActionFailed,
    CheckFailed,
    CheckPassed,
    CheckSkipped,
    CommandShown,
    Event,
    HintShown,
    Info,
    LessonFinished,
    StepSkipped,
    StepStarted,
)
from lab.course.loader import load_lesson
from lab.course.progress import ProgressStore
from lab.course.runner import LessonRunner
from lab.targets.base import ExecResult, HttpResponse, Phase, TargetError, WorkloadState

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "lessons"
PROFILES = FIXTURES / "profiles"
RUNNING = WorkloadState(Phase.RUNNING, pids=(11,))
MKDIR_DENIED = ExecResult(1, "", "mkdir: can't create directory '/tmp/x': Operation not permitted")


def _runner(tmp_path: Path, events: list[Event], **target: object) -> LessonRunner:
    lesson = load_lesson(FIXTURES / "good.yaml", PROFILES)
    return LessonRunner(
        lesson,
        stub(PROFILES, **target),
        events.append,
        progress=ProgressStore(tmp_path / "progress"),
        workdir=tmp_path / "work",
    )


def test_auto_play_performs_solutions_records_progress_and_cleans_up(tmp_path: Path) -> None:
    events: list[Event] = []
    runner = _runner(
        tmp_path,
        events,
        states={"echo": [RUNNING]},
        responses={"echo": HttpResponse(200, "just made some syscalls!")},
        results={"mkdir-try": MKDIR_DENIED},
    )
    # No audit capture in this test: the local-only audit check is skipped, saying why (the
    # fix is sudo, not the lesson's hint), and does not fail the lesson.
    assert runner.play(auto=True) is True
    assert not [e for e in events if isinstance(e, CheckFailed)]
    skipped = [e for e in events if isinstance(e, CheckSkipped)]
    assert [s.check.kind for s in skipped] == ["audit"]
    assert "run seclab with sudo" in skipped[0].reason
    finished = next(e for e in events if isinstance(e, LessonFinished))
    assert finished.passed and finished.skipped_checks == 1
    assert sum(isinstance(e, CheckPassed) for e in events) == 4
    assert [e.index for e in events if isinstance(e, StepStarted)] == [1, 2]
    assert CommandShown("stub run echo") in events
    calls = runner.target.calls  # type: ignore[attr-defined]
    assert ("request", "echo") in calls  # the solution ran
    # Derived profiles are written to the work directory and used by absolute path.
    derived = tmp_path / "work" / "block-mkdir-log.json"
    assert '"SECCOMP_FILTER_FLAG_LOG"' in derived.read_text()
    diff = next(
        e for e in events if isinstance(e, Info) and e.title.startswith("seclab profile diff")
    )
    assert diff.body == "flags: [] -> ['SECCOMP_FILTER_FLAG_LOG']"
    titles = [e.title for e in events if isinstance(e, Info)]
    assert "audit records of echo" in titles  # no capture in this test: it says why instead
    assert "where seccomp records go on this machine" in titles
    mkdir_spec = next(
        spec for kind, spec in calls if kind == "run_once" and spec.name == "mkdir-try"
    )
    assert mkdir_spec.profile.file == str(derived)
    # `delete: echo` ran in the lesson; cleanup removes the rest, newest first.
    assert [name for kind, name in calls if kind == "delete"] == ["echo", "gone", "mkdir-try"]
    assert runner.progress is not None
    assert sorted(runner.progress.passed("good", "local")) == ["mkdir", "start"]
    assert events[-1] == LessonFinished(runner.lesson, True, (), (), 1)


def test_on_docker_the_local_only_check_is_skipped_and_all_pass(tmp_path: Path) -> None:
    events: list[Event] = []
    runner = _runner(
        tmp_path,
        events,
        name="docker",
        states={"echo": [RUNNING]},
        responses={"echo": HttpResponse(200, "just made some syscalls!")},
        results={"mkdir-try": MKDIR_DENIED},
    )
    assert runner.play(auto=True) is True
    assert not any(isinstance(e, CheckFailed) for e in events)


def test_without_the_solution_the_checks_fail_and_hints_escalate(tmp_path: Path) -> None:
    events: list[Event] = []
    runner = _runner(tmp_path, events, states={"echo": [RUNNING]})
    step = runner.lesson.steps[0]
    runner.start()
    runner.begin_step(step, 1)
    quick = replace(step, checks=tuple(replace(c, timeout=0) for c in step.checks))
    assert runner.run_checks(quick) is False
    output = next(
        e for e in events if isinstance(e, CheckFailed) and e.result.check.kind == "output"
    )
    assert "no result yet" in output.result.seen
    failures = [e for e in events if isinstance(e, CheckFailed) and not e.result.unobservable]
    assert {f.hint for f in failures} == {"Is the workload running?"}  # the round's hint
    assert runner.next_hint(step) == "Look at its state."  # the failure revealed the first
    assert runner.next_hint(step) is None
    assert [e.number for e in events if isinstance(e, HintShown)] == [2]
    assert runner.run_checks(quick) is False  # all hints shown: the last one is repeated
    last = [e for e in events if isinstance(e, CheckFailed) and not e.result.unobservable][-1]
    assert last.hint == "Look at its state."


def test_a_failing_action_is_reported_and_the_run_goes_on(tmp_path: Path) -> None:
    events: list[Event] = []
    runner = _runner(tmp_path, events)

    def refuse(spec: object) -> WorkloadState:
        raise TargetError("no such image", hint="run seclab doctor")

    runner.target.run = refuse  # type: ignore[method-assign]
    runner.begin_step(runner.lesson.steps[0], 1)
    failure = next(e for e in events if isinstance(e, ActionFailed))
    assert (failure.action, failure.message, failure.hint) == (
        "run",
        "no such image",
        "run seclab doctor",
    )


def test_cancel_stops_the_run_and_still_cleans_up(tmp_path: Path) -> None:
    events: list[Event] = []
    runner = _runner(tmp_path, events, states={"echo": [RUNNING]})
    original = runner.target.run

    def run_then_cancel(spec):  # type: ignore[no-untyped-def]
        state = original(spec)
        runner.cancel()
        return state

    runner.target.run = run_then_cancel  # type: ignore[method-assign]
    with pytest.raises(Cancelled):
        runner.play(auto=True)
    assert runner.target.cancelled  # type: ignore[attr-defined]
    assert ("delete", "echo") in runner.target.calls  # type: ignore[attr-defined]


def test_commands_run_quietly_are_the_labs_polling_and_never_reach_the_learner(
    tmp_path: Path,
) -> None:
    """A state poll (the workloads pane, a check looking again) is marked quiet where it is run,
    on that thread only, and the runner neither shows it nor takes it as the step's output."""
    import threading

    from lab.targets.base import CommandEvent

    events: list[Event] = []
    runner = _runner(tmp_path, events)
    target = runner.target
    target.emit(CommandEvent(("docker", "run", "x"), 0, stdout="id"))
    with target.quietly():
        target.emit(CommandEvent(("docker", "inspect", "x"), 1, stderr="No such object"))
        other = threading.Thread(target=target.emit, args=(CommandEvent(("docker", "logs")),))
        other.start()  # another thread (a step running meanwhile) is not quieted
        other.join()
    shown = [e.command for e in events if isinstance(e, CommandShown)]
    assert shown == ["docker logs"]
    assert runner.ctx.last_output == ("id", "")  # the poll's "No such object" is not the output
IMAGE_STUCK = WorkloadState(
    Phase.PENDING,
    reason="ImagePullBackOff",
    message='Back-off pulling image "hashicorp/http-echo:1.0"',  # as seen on a real kind node
    stuck="the node cannot get the image hashicorp/http-echo:1.0 (ImagePullBackOff): "
    "run `seclab prepare --target kind`",
)
CRASH_LOOP = WorkloadState(Phase.CRASH_LOOPING, reason="CrashLoopBackOff", restarts=3)


@pytest.mark.parametrize("state", [IMAGE_STUCK, CRASH_LOOP], ids=["image", "crash-loop"])
def test_a_workload_that_cannot_come_up_ends_the_wait_at_once(
    tmp_path: Path, state: WorkloadState
) -> None:
    events: list[Event] = []
    runner = _runner(tmp_path, events, states={"echo": [state]})
    step = runner.lesson.steps[0]
    # A long timeout: a wait that did not end at once would take minutes, not one look.
    slow = replace(step, checks=tuple(replace(c, timeout=600) for c in step.checks[:1]))
    runner.start()
    assert runner.run_checks(slow) is False
    (failed,) = [e for e in events if isinstance(e, CheckFailed)]
    assert failed.result.attempts == 1 and failed.result.never_up
    if state is IMAGE_STUCK:
        assert "seclab prepare --target kind" in failed.result.seen
    else:
        assert "will not be running" in failed.result.seen


def test_steps_after_a_workload_that_never_came_up_are_not_played(tmp_path: Path) -> None:
    events: list[Event] = []
    runner = _runner(tmp_path, events, states={"echo": [IMAGE_STUCK]})
    assert runner.play(auto=True) is False
    finished = next(e for e in events if isinstance(e, LessonFinished))
    assert finished.failed_steps == ("start",)
    assert "mkdir" in finished.skipped_steps
    skipped = [e for e in events if isinstance(e, StepSkipped)]
    assert skipped and "workload echo never came up" in skipped[0].reason
    # Step 2's actions never ran: no run_once of mkdir-try.
    assert not [c for c in runner.target.calls if c[0] == "run_once"]


def test_a_state_check_that_wants_image_pull_back_off_is_not_cut_short(tmp_path: Path) -> None:
    events: list[Event] = []
    runner = _runner(tmp_path, events, states={"echo": [IMAGE_STUCK]})
    step = runner.lesson.steps[0]
    check = replace(step.checks[0], phases=("pending",), reason="ImagePullBackOff")
    runner.start()
    assert runner.run_checks(replace(step, checks=(check,))) is True


def test_a_request_waits_for_its_workload_to_start(tmp_path: Path) -> None:
    # As on kind: the pod is ContainerCreating for a while after `kubectl apply`, and a request
    # sent then is refused (seen live: the solution's curl failed, and the step's "sent by you"
    # check with it). The lab sends it once the workload runs, as a learner would.
    events: list[Event] = []
    starting = WorkloadState(Phase.PENDING, reason="ContainerCreating")
    runner = _runner(
        tmp_path,
        events,
        states={"echo": [starting, starting, starting, RUNNING]},
        responses={"echo": HttpResponse(200, "just made some syscalls!")},
        results={"mkdir-try": MKDIR_DENIED},
    )
    target = runner.target
    asked_while: list[Phase] = []
    answer = target.request

    def request(name: str, path: str = "/", timeout: float = 10) -> HttpResponse:
        asked_while.append(target.state(name).phase)
        return answer(name, path, timeout)

    target.request = request  # type: ignore[method-assign]
    assert runner.play(auto=True) is True
    assert asked_while and set(asked_while) == {Phase.RUNNING}, asked_while
