"""Do audit records reach this process: the namespace comparison and the marker probe."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lab.audit.reach import delivery_problem, netns_problem


def fake_proc(tmp_path: Path, mine: str, first: str) -> str:
    for pid, ns in (("self", mine), ("1", first)):
        (tmp_path / pid / "ns").mkdir(parents=True)
        os.symlink(ns, tmp_path / pid / "ns" / "net")
    return str(tmp_path)


def test_another_network_namespace_is_named(tmp_path: Path) -> None:
    # A fake /proc: the real one cannot be put in two namespaces by a test without root.
    other = netns_problem(fake_proc(tmp_path / "a", "net:[2]", "net:[1]"))
    assert other and "initial network namespace" in other and "net:[2]" in other
    assert netns_problem(fake_proc(tmp_path / "b", "net:[1]", "net:[1]")) is None
    assert netns_problem(str(tmp_path / "nowhere")) is None  # unreadable: the probe decides


class NeverArrives:
    """A capture whose marker never comes back, as in a container (a fake: the real one needs
    root and another network namespace, which the root test below uses)."""

    def sync(self, timeout: float = 10.0) -> None:
        raise TimeoutError("no marker")


def test_a_marker_that_never_arrives_is_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("lab.audit.reach.netns_problem", lambda: None)
    why = delivery_problem(NeverArrives(), timeout=0.1)
    assert why and "container or another network namespace" in why


@pytest.mark.root
def test_in_a_new_network_namespace_nothing_arrives_and_doctor_says_so() -> None:
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("needs root and unshare(1) to make a network namespace")
    argv = ["unshare", "-n", sys.executable, "-m", "lab", "doctor", "--json"]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    import json

    checks = {c["name"]: c for c in json.loads(out.stdout)["checks"]}
    assert checks["audit records"]["status"] == "broken", checks["audit records"]
    assert "network namespace" in checks["audit records"]["detail"]
