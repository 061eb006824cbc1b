"""On kind, the commands pane shows step 2's expose and curl, not step 1's pod JSON again.

Seen on a real kind cluster (kind-observed/seclab-on-kind/18-tui-*.txt): the pane stayed on
`kubectl get pod audit-pod -o json` (170 lines each, every poll of the workloads pane) and never
showed step 2's `kubectl expose` and curl. kind cannot run here on demand: the cluster is the
kind lesson tests' stand-in (tests/course/kind_world.py: it answers kubectl/kind/docker with
replies from the kind transcripts); the app, the course engine and the kind target are real.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from textual.widgets import RichLog
from tui_helpers import pilot_test, settle, until

from lab.targets.kind.target import KindTarget
from lab.tui.app import SeclabApp, make_app
from lab.tui.course_session import CourseSession, course_session_factory

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "course"))
from kind_world import KindWorld

REPO = Path(__file__).resolve().parents[2]


def _commands(app: SeclabApp) -> list[str]:
    return [line.text for line in app.lab.query_one("#command-log", RichLog).lines]


class _Counted:
    """The real session factory on the stand-in cluster, counting the workloads pane's polls."""

    def __init__(self, world: KindWorld) -> None:
        def target(name: str, **_: Any) -> KindTarget:
            kind = KindTarget(REPO / "profiles", runner=world)
            kind.poll_interval = 0
            return kind

        self.make = course_session_factory(target, observe=False)
        self.polls = 0

    def __call__(self, target_name: str) -> Any:
        session: CourseSession = self.make(target_name)
        poll = session.workloads

        def counted() -> Any:
            self.polls += 1
            return poll()

        session.workloads = counted  # type: ignore[method-assign]
        return session


@pilot_test
async def test_step_two_expose_and_curl_stay_in_view_while_the_pod_is_polled() -> None:
    world = KindWorld()
    factory = _Counted(world)
    app = make_app("kind", "audit", session_factory=factory, status_interval=0.2)
    async with app.run_test(size=(160, 50)) as pilot:
        await until(pilot, lambda: app.lab.step is not None)
        await settle(pilot)  # the step's loading done, so "r" is not refused as still running
        await pilot.press("r")  # step 1: the audit pod
        await settle(pilot)
        await pilot.press("n")
        await until(pilot, lambda: app.lab.step is not None and app.lab.step.index == 1)
        await settle(pilot)
        await pilot.press("s")  # step 2's solution: expose the pod, curl it in the node
        await settle(pilot)
        shown = _commands(app)
        text = "\n".join(shown)
        assert "kubectl --context kind-seclab expose pod audit-pod" in text
        curl = max(i for i, line in enumerate(shown) if "curl" in line and line.startswith("$"))
        polls = factory.polls
        await until(pilot, lambda: factory.polls >= polls + 3)
        await settle(pilot, "status")
        after = _commands(app)
        assert after == shown  # three polls of the pod later, nothing more in the pane
        # The curl is within the pane's last screenful, not pushed out by pod JSON.
        assert len(after) - curl < 20
        polled = sum(1 for argv, _ in world.calls if argv[-3:] == ("audit-pod", "-o", "json"))
        assert polled > text.count("get pod audit-pod -o json")  # polls happened, unshown
