"""Pod states as a real kind node reports them, read the way the lab must read them.

The container statuses come verbatim from a real kind cluster (tests/fixtures/kind/real/
17-real-pod-states.txt: Kubernetes v1.22.3, containerd 1.6.20, runc 1.1.5). The image-pull
states use the reason and message seen there too (seclab-on-kind/09-audit-noimage.txt:
`ImagePullBackOff`, `Back-off pulling image "hashicorp/http-echo:1.0"`), in a status built
around them (that recording kept only the first lines of the pod JSON).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from lab.targets.base import Phase
from lab.targets.kind.status import pod_state

REAL = Path(__file__).resolve().parents[2] / "fixtures" / "kind" / "real"


def recorded_pods() -> dict[str, dict[str, Any]]:
    """pod name -> a pod object holding the recorded phase and containerStatuses."""
    text = (REAL / "17-real-pod-states.txt").read_text()
    pods = {}
    for match in re.finditer(r"===== (\S+) phase (\S+)\n(\[.*?\n\])\n", text, re.S):
        name, phase, statuses = match.groups()
        pods[name] = {"status": {"phase": phase, "containerStatuses": json.loads(statuses)}}
    return pods


def test_the_recording_has_the_three_pods() -> None:
    assert set(recorded_pods()) == {"violation-pod", "missing-pod", "mkdir-pod"}


def test_run_container_error_with_restarts_is_crash_looping() -> None:
    # The lab used to call this failed-to-create (the recording's own `lab state:` line).
    state = pod_state(recorded_pods()["violation-pod"])
    assert state.phase is Phase.CRASH_LOOPING and state.restarts == 2
    assert state.reason == "RunContainerError" and state.exit_code == 128
    assert state.message and "cannot start a container that has stopped" in state.message
    assert state.stuck is None


def test_run_container_error_on_first_try_stays_failed_to_create() -> None:
    pod = recorded_pods()["violation-pod"]
    status = pod["status"]["containerStatuses"][0]
    status["restartCount"], status["lastState"] = 0, {}
    assert pod_state(pod).phase is Phase.FAILED_TO_CREATE


def test_start_error_after_a_restart_is_crash_looping() -> None:
    pod = recorded_pods()["violation-pod"]
    status = pod["status"]["containerStatuses"][0]
    status["state"] = {"terminated": status["lastState"]["terminated"]}
    assert pod_state(pod).phase is Phase.CRASH_LOOPING
    status["restartCount"], status["lastState"] = 0, {}
    assert pod_state(pod).phase is Phase.FAILED_TO_CREATE


def test_missing_profile_is_failed_to_create() -> None:
    state = pod_state(recorded_pods()["missing-pod"])
    assert state.phase is Phase.FAILED_TO_CREATE and state.reason == "CreateContainerError"


def test_sigsys_is_exit_159_signal_31() -> None:
    state = pod_state(recorded_pods()["mkdir-pod"])
    assert (state.phase, state.exit_code, state.signal) == (Phase.EXITED, 159, 31)


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("ImagePullBackOff", 'Back-off pulling image "hashicorp/http-echo:1.0"'),
        ("ErrImagePull", "rpc error: code = Unknown desc = failed to pull and unpack image"),
    ],
)
def test_an_image_the_node_cannot_get_is_stuck_with_the_fix(reason: str, message: str) -> None:
    pod = {
        "status": {
            "phase": "Pending",
            "containerStatuses": [
                {
                    "name": "test-container",
                    "image": "hashicorp/http-echo:1.0",
                    "imageID": "",
                    "lastState": {},
                    "ready": False,
                    "restartCount": 0,
                    "started": False,
                    "state": {"waiting": {"reason": reason, "message": message}},
                }
            ],
        }
    }
    state = pod_state(pod)
    assert state.phase is Phase.PENDING and state.reason == reason
    assert state.stuck and "hashicorp/http-echo:1.0" in state.stuck
    assert "seclab prepare --target kind" in state.stuck
    pod["status"]["containerStatuses"][0]["state"] = {"waiting": {"reason": "ContainerCreating"}}
    assert pod_state(pod).stuck is None  # merely not there yet: worth waiting for
