"""RuntimeDefault's two results side by side, and checks this host cannot observe skipped."""

from __future__ import annotations

from pathlib import Path

import pytest

from lab.course.actions import ActionContext, perform
from lab.course.errors import LessonError
from lab.course.events import Event, Info
from lab.course.loader import load_lesson
from lab.course.model import Action, Check
from lab.course.observe import Observations, Result
from lab.paths import profiles_dir

LESSON = """id: cmp
title: Compare
summary: Two results side by side.
order: 5
targets: [local, docker, kind]
steps:
  - id: s
    title: Both
    text: Both.
    actions:
      - run_once: {name: a, command: ["true"], profile: runtime-default}
      - compare_runtime_default: {default: a, unconfined: %s, as: both}
    checks:
      - output: {of: both, exit_code: 0}
    hints: [Read both.]
"""


def _lesson(tmp_path: Path, second: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "cmp.yaml"
    path.write_text(LESSON % second)
    return load_lesson(path, profiles_dir())


def test_compare_names_results_saved_before(tmp_path: Path) -> None:
    with pytest.raises(LessonError) as caught:
        _lesson(tmp_path, "nowhere")
    assert "'nowhere', which no earlier action saved" in caught.value.format()


def _compare(tmp_path: Path, default: Result, unconfined: Result | None) -> tuple[Result, str]:
    events: list[Event] = []
    obs = Observations(target=None)  # type: ignore[arg-type]  # no target call is made
    obs.save("a", default)
    if unconfined is not None:
        obs.save("b", unconfined)
    ctx = ActionContext(None, obs, events.append, tmp_path)  # type: ignore[arg-type]
    perform(ctx, Action("compare_runtime_default", 1, name="a", text="b", save_as="both"))
    info = next(e for e in events if isinstance(e, Info))
    result = obs.result("both")
    assert result is not None
    return result, info.body


def test_both_results_are_shown_with_what_they_mean(tmp_path: Path) -> None:
    denied = Result(1, "", "unshare: unshare(0x10000000): Operation not permitted")
    result, body = _compare(tmp_path, denied, Result(0))
    assert result.exit_code == 0 and result.stdout.startswith("seccomp:")
    assert (
        "RuntimeDefault: exit status 1: unshare" in body and "Unconfined:     exit status 0" in body
    )
    host, _ = _compare(tmp_path, denied, Result(1, "", "unshare: Operation not permitted"))
    assert host.stdout.startswith("not-seccomp:")
    # One of them never ran: nothing to compare, and the check on it fails.
    missing, body = _compare(tmp_path, denied, None)
    assert missing.exit_code is None and "did not run" in body


def test_a_check_for_another_architecture_says_so() -> None:
    from lab.course.checks import arch_mismatch
    from lab.profile.syscalls import native_arch, short_arch_name

    here = short_arch_name(native_arch())
    other = "aarch64" if here == "x86_64" else "x86_64"
    assert arch_mismatch(Check("output", 1, "x", arch=here)) is None
    why = arch_mismatch(Check("output", 1, "x", arch=other))
    assert why and other in why and here in why
