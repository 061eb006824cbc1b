"""The recorder: its loop on scripted runs, and for real: a recorded profile for the local echo
workload serves under default ERRNO and leaves zero records under default LOG."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import SimpleNamespace

import pytest

from lab.profile.model import Profile
from lab.profile.record import allow_list, profile_json, record
from lab.profile.syscalls import arch_name, native_arch

X86_64 = 0xC000003E


class ScriptedAudit:
    """Each run of the workload produces LOG records for syscalls outside the profile's list."""

    def __init__(self, per_run: list[set[str]]) -> None:
        self.per_run = per_run
        self.pending: list[SimpleNamespace] = []
        self.profiles: list[Profile] = []

    def run(self, profile: Profile) -> Sequence[int]:
        self.profiles.append(profile)
        allowed = {n for rule in profile.syscalls for n in rule.names}
        made = self.per_run[min(len(self.profiles), len(self.per_run)) - 1]
        self.pending = [
            SimpleNamespace(syscall_name=n, action="log", arch=X86_64, pid=42)
            for n in sorted(made - allowed)
        ] + [SimpleNamespace(syscall_name="mkdir", action="log", arch=X86_64, pid=7)]
        return [42]

    def sync(self) -> None:
        pass

    def events(self, pids: Iterable[int] | None = None) -> list[SimpleNamespace]:
        wanted = set(pids or ())
        return [e for e in self.pending if e.pid in wanted]


def test_the_loop_adds_what_verification_finds_until_no_record_is_left() -> None:
    # The second run takes a path the first did not (the getcwd story).
    audit = ScriptedAudit([{"read", "write"}, {"read", "write", "getcwd"}, {"read", "getcwd"}])
    outcome = record(audit.run, audit, runtime=("execve",))
    assert outcome.verified and outcome.iterations == 2
    assert outcome.rounds == (("read", "write"), ("getcwd",), ())
    assert outcome.syscalls == ("execve", "getcwd", "read", "write")  # mkdir was another pid
    assert outcome.profile.default_action == "SCMP_ACT_ERRNO"
    assert outcome.profile.architectures == ("SCMP_ARCH_X86_64",)
    assert [p.default_action for p in audit.profiles] == ["SCMP_ACT_LOG"] * 3
    assert "verification 2 under default LOG: no record left" in outcome.summary()


def test_an_unfinished_recording_says_it_is_not_verified() -> None:
    audit = ScriptedAudit([{"read"}, {"read", "write"}, {"read", "write", "open"}])
    outcome = record(audit.run, audit, max_iterations=1)
    assert not outcome.verified
    assert "NOT verified" in outcome.summary()


def test_output_is_stable_and_sorted() -> None:
    one = allow_list(["write", "read", "read"], ["SCMP_ARCH_X86_64"], "SCMP_ACT_ERRNO")
    two = allow_list(["read", "write"], ["SCMP_ARCH_X86_64"], "SCMP_ACT_ERRNO")
    assert profile_json(one) == profile_json(two)
    assert json.loads(profile_json(one)) == {
        "defaultAction": "SCMP_ACT_ERRNO",
        "architectures": ["SCMP_ARCH_X86_64"],
        "syscalls": [{"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"}],
    }


@pytest.mark.root
def test_recorded_echo_profile_serves_under_errno_and_is_complete(
    profiles_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lab.audit.capture import AuditCapture
    from lab.course.recording import record_workload
    from lab.targets.base import Phase, ProfileRef, WorkloadSpec
    from lab.targets.local.target import LocalTarget
    from lab.targets.proctree import ForkWatcher

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    target = LocalTarget(profiles_dir)
    with AuditCapture() as capture, ForkWatcher() as forks:
        outcome = record_workload(target, "rec-echo", "http-echo", audit=capture, forks=forks)
        assert outcome.verified, outcome.summary()
        assert outcome.profile.architectures == (arch_name(native_arch()),)
        assert list(outcome.syscalls) == sorted(outcome.syscalls)
        assert {"accept4", "execve", "read"} <= set(outcome.syscalls)
        assert outcome.runtime_syscalls == ()  # no container runtime on the local target

        def serve(profile: Profile, name: str) -> set[int]:
            path = tmp_path / f"{name}.json"
            path.write_text(profile_json(profile))
            text = f"-text=recorded {name}"
            spec = WorkloadSpec(name, "http-echo", ProfileRef.localhost(str(path)), (text,))
            state = target.run(spec)
            pids = set(state.pids)
            # Pending until the program was exec'd and listens (a condition, polled).
            deadline = time.monotonic() + 30
            while state.phase is Phase.PENDING and time.monotonic() < deadline:
                time.sleep(0.05)
                state = target.state(name)
                pids |= set(state.pids)
            assert state.phase is Phase.RUNNING, state
            for path_ in ("/", "/health"):
                answer = target.request(name, path_)
                assert answer.status == 200, answer
            assert target.request(name, "/").body.strip() == f"recorded {name}"
            target.delete(name)
            return pids

        assert outcome.profile.default_action == "SCMP_ACT_ERRNO"
        serve(outcome.profile, "rec-errno")
        pids = serve(outcome.profile.with_changes(default_action="SCMP_ACT_LOG"), "rec-log")
        capture.sync()
        assert pids
        assert capture.events(pids=forks.descendants(pids)) == []
    target.close()
