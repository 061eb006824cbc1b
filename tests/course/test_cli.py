"""`seclab lessons`, `seclab run` and `seclab record` as a learner types them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from lab.cli import cli

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "lessons"
REPO = Path(__file__).resolve().parents[2]


def _run(*args: str, input: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), input=input)
    return result.exit_code, result.output


def test_lessons_lists_all_fifteen_with_targets_and_progress() -> None:
    code, out = _run("lessons", "--json")
    assert code == 0
    rows = json.loads(out)
    assert [r["id"] for r in rows][:3] == ["seccomp-here", "audit", "violation"]
    assert len(rows) == 15
    mine = next(r for r in rows if r["id"] == "make-your-own")
    assert mine["targets"] == ["local", "docker", "kind"] and mine["unsupported"] == {}
    assert mine["passed"] == {"local": [], "docker": [], "kind": []}
    code, text = _run("lessons")
    assert code == 0 and "make-your-own" in text and "kind 0/3" in text


def test_run_refuses_unknown_lessons_and_targets_with_a_fix(tmp_path: Path) -> None:
    code, out = _run("run", "block-mkdri")
    assert code == 2 and "did you mean 'block-mkdir'" in out
    lesson = (REPO / "lessons" / "block-mkdir.yaml").read_text()
    local_only = tmp_path / "local-only.yaml"
    local_only.write_text(
        lesson.replace(
            "targets: [local, docker, kind]",
            "targets: [local, docker]\nunsupported:"
            "\n  kind: no cluster story for this one, which is a fine reason",
        )
    )
    code, out = _run("run", str(local_only), "--target", "kind")
    assert code == 2 and "does not run on kind: no cluster story" in out
    code, out = _run("run", str(FIXTURES / "unknown-action.yaml"))
    assert code == 2 and "unknown-action.yaml:11:9: unknown action 'requst'" in out


@pytest.mark.root
def test_run_auto_prints_commands_and_checks_and_records_progress() -> None:
    code, out = _run("run", "block-mkdir", "--auto")
    assert code == 0, out
    assert "$ seclab exec --profile block-mkdir.json" in out
    assert "✓ output mkdir-errno" in out and "✓ output mkdir-kill" in out
    rows = {r["id"]: r for r in json.loads(_run("lessons", "--json")[1])}
    assert rows["block-mkdir"]["passed"]["local"] == ["errno", "kill", "mkdirat-only"]


@pytest.mark.root
def test_run_exits_1_when_a_check_fails(tmp_path: Path) -> None:
    lesson = (REPO / "lessons" / "block-mkdir.yaml").read_text()
    broken = tmp_path / "wrong.yaml"
    broken.write_text(lesson.replace("exit_code: 1,", "exit_code: 0,"))
    code, out = _run("run", str(broken), "--auto")
    assert code == 1
    assert "? output mkdir-errno: exit status 0" in out  # the expectation, once
    assert "✗ output mkdir-errno: saw exit status 1" in out and "expected exit" not in out
    assert "failed steps: errno" in out


@pytest.mark.root
def test_interactive_hint_check_and_quit() -> None:
    # errno: Enter skips the prediction, h, Enter checks; mkdirat-only: Enter checks; kill: Enter
    # skips the prediction, Enter checks.
    code, out = _run("run", "block-mkdir", input="\nh\n\n\n\n\n")
    assert code == 0, out
    assert "hint 1/3: EPERM prints as" in out
    code, out = _run("run", "audit", input="q\n")
    assert code == 130
    assert "removing what this lesson started" in out


@pytest.mark.root
def test_interactive_solution_key_does_what_the_learner_would() -> None:
    # Step 1 checks on Enter; step 2 needs a request, which `s` sends; step 3 has no checks.
    code, out = _run("run", "audit", input="\ns\n\n")
    assert code == 0, out
    assert "solution:\n    Send a GET" in out
    assert "✓ http audit-pod" in out and "== audit: every check passed" in out


@pytest.mark.root
def test_record_writes_a_verified_allow_list(tmp_path: Path) -> None:
    out_file = tmp_path / "true.json"
    code, out = _run("record", "--out", str(out_file), "--", "busybox", "true")
    assert code == 0, out
    profile = json.loads(out_file.read_text())
    assert profile["defaultAction"] == "SCMP_ACT_ERRNO"
    names = profile["syscalls"][0]["names"]
    assert "execve" in names and names == sorted(names)
    assert "no record left" in out
    code, out = _run("exec", "--profile", str(out_file), "--", "busybox", "true")
    assert code == 0, out


@pytest.mark.root
@pytest.mark.docker
def test_record_on_docker_sees_the_commands_children(tmp_path: Path) -> None:
    out_file = tmp_path / "shell.json"
    argv = ["sh", "-c", "mkdir -p /tmp/seclab-record && sleep 2"]
    code, out = _run("record", "--target", "docker", "--out", str(out_file), "--", *argv)
    assert code == 0, out
    names = json.loads(out_file.read_text())["syscalls"][0]["names"]
    assert "mkdir" in names  # made by a forked child, matched through the fork watcher
    assert "added for the container runtime" in out


def test_lessons_reset_forgets_progress() -> None:
    from lab.course.progress import ProgressStore

    store = ProgressStore()
    for target in ("local", "docker"):
        store.mark_passed("audit", target, "start")
        store.mark_passed("violation", target, "cannot-start")
    code, _ = _run("lessons", "--reset", "audit", "--target", "docker")
    assert code == 0
    assert list(store.passed("audit", "local")) == ["start"] and not store.passed("audit", "docker")
    code, out = _run("lessons", "--reset", "audti")
    assert code == 2 and "did you mean 'audit'" in out
    code, out = _run("lessons", "--reset", "all", "--json")
    assert code == 0 and not store.passed("violation", "local")
    assert all(not steps for row in json.loads(out) for steps in row["passed"].values())


def test_a_second_ctrl_c_during_cleanup_still_deletes_every_workload(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import os
    import signal

    from stub_target import StubTarget

    from lab.commands import run as run_command
    from lab.course.loader import load_lesson
    from lab.course.progress import ProgressStore
    from lab.targets.base import WorkloadSpec, WorkloadState

    class Impatient(StubTarget):
        """The learner presses Ctrl-C while the workload starts, and again during cleanup."""

        def run(self, spec: WorkloadSpec) -> WorkloadState:
            state = super().run(spec)
            os.kill(os.getpid(), signal.SIGINT)
            return state

        def delete(self, name: str) -> None:
            os.kill(os.getpid(), signal.SIGINT)  # before the fix: cleanup ended here
            super().delete(name)

    target = Impatient(profiles_dir=FIXTURES / "profiles")
    monkeypatch.setattr(run_command, "build_target", lambda name: target)
    lesson = load_lesson(FIXTURES / "good.yaml", FIXTURES / "profiles")
    status = run_command.play(lesson, "local", auto=True, progress=ProgressStore(tmp_path))
    assert status == 130
    assert ("delete", "echo") in target.calls
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
