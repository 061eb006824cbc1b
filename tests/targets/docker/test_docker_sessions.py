"""Two docker sessions run the same workload at once, for real, and never touch each other's.

Both targets use the session id they make for themselves, as `seclab run -t docker` does; every
container here carries seclab=1 and its session's label, and is removed by this test.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from lab.targets.base import Phase, ProfileRef, WorkloadSpec, WorkloadState
from lab.targets.docker.reset import remove_labelled
from lab.targets.docker.target import DockerTarget

pytestmark = pytest.mark.docker
AUDIT = WorkloadSpec("audit-pod", "http-echo", ProfileRef.localhost("audit.json"))


def test_two_sessions_start_the_same_workload_and_each_stops_only_its_own(
    profiles_dir: Path,
) -> None:
    first, second = DockerTarget(profiles_dir), DockerTarget(profiles_dir)
    assert first.session and second.session and first.session != second.session
    try:
        with ThreadPoolExecutor(2) as pool:  # at once, as two terminals would
            states: list[WorkloadState] = list(pool.map(lambda t: t.run(AUDIT), (first, second)))
        assert [s.phase for s in states] == [Phase.RUNNING, Phase.RUNNING]
        assert set(states[0].pids).isdisjoint(states[1].pids)  # two containers, not one
        for target in (first, second):
            container = target.find_container("audit-pod")
            assert container is not None
            assert container.name == f"seclab-audit-pod-{target.session}"
            assert container.labels["seclab"] == "1"
            assert container.labels["seclab.session"] == target.session
            assert target.request("audit-pod", "/").status == 200
            assert target.logs("audit-pod") is not None
        # What `seclab reset` would remove (no session): both of them.
        every = DockerTarget(profiles_dir, session=None).engine
        listed = "\n".join(remove_labelled(every, dry_run=True))
        assert f"seclab-audit-pod-{first.session}" in listed
        assert f"seclab-audit-pod-{second.session}" in listed

        first.close()  # the first session's own cleanup (quit, Ctrl-C)
        assert first.state("audit-pod").phase == Phase.NOT_FOUND
        assert second.state("audit-pod").phase == Phase.RUNNING
        assert second.request("audit-pod", "/").status == 200
        assert first.run(AUDIT).phase == Phase.RUNNING
        removed = second.reset()  # the second session's reset: its containers, no one else's
        assert len(removed) == 1 and f"seclab-audit-pod-{second.session}" in removed[0]
        assert second.state("audit-pod").phase == Phase.NOT_FOUND
        assert first.state("audit-pod").phase == Phase.RUNNING
    finally:
        first.reset()
        second.reset()
