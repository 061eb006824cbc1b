"""The kind rendering of every lesson: the exact commands and pod manifests the kind target runs.

kind cannot run here, and the kind transcripts in tests/fixtures/kind/ record single operations,
not whole lessons. So each lesson plays against `KindWorld`, a stand-in that answers from those
recordings, and the commands it received are compared with a golden file per lesson
(tests/fixtures/lessons/kind/). Check outcomes are not asserted: the stand-in does not crash
pods, and no audit record arrives. After an intended change, regenerate the golden files with
SECLAB_REGEN_KIND=1.
"""

from __future__ import annotations

import os
import re
import shlex
from dataclasses import replace
from pathlib import Path

import pytest
from kind_world import KindWorld
from lesson_play import LESSONS, lesson_ids
from stub_target import StubAudit

from lab.course.events import Event
from lab.course.model import Lesson
from lab.course.runner import LessonRunner
from lab.targets.kind.target import KindTarget

GOLDEN = Path(__file__).resolve().parent.parent / "fixtures" / "lessons" / "kind"


def _quick(lesson: Lesson) -> Lesson:
    """The lesson with every check looking once: outcomes are not what this test is about."""
    steps = tuple(
        replace(s, checks=tuple(replace(c, timeout=0) for c in s.checks)) for s in lesson.steps
    )
    return replace(lesson, steps=steps)


# The recorder names each of its runs `<workload>-<4 random hex><run number>`.
RECORDER_RUN = re.compile(r"\b([a-z-]+-echo)-[0-9a-f]{4}(\d+)\b")
TEMP = re.compile(r"/tmp/seclab-record-[^/\s\"]+")


def _render(world: KindWorld, profiles: Path, work: Path) -> str:
    lines = []
    for argv, stdin in world.calls:
        line = shlex.join(argv)
        if stdin:
            line += "  <<< " + " ".join(stdin.split())
        line = line.replace(str(work), "{work}").replace(str(profiles), "{profiles}")
        lines.append(TEMP.sub("{record}", RECORDER_RUN.sub(r"\1-run\2", line)))
    return "\n".join(lines) + "\n"


def _profile_of(manifest: dict) -> tuple[str, str | None, bool]:
    pod = manifest["spec"]
    profile = pod.get("securityContext", {}).get("seccompProfile", {})
    container = pod["containers"][0].get("securityContext", {})
    return (
        profile.get("type", "Unconfined"),
        profile.get("localhostProfile"),
        bool(container.get("privileged")),
    )


@pytest.mark.parametrize("lesson_id", lesson_ids("kind"))
def test_kind_rendering_of_lesson(lesson_id: str, profiles_dir: Path, tmp_path: Path) -> None:
    world = KindWorld()
    target = KindTarget(profiles_dir, runner=world)
    target.poll_interval = 0
    events: list[Event] = []
    # An audit source with no records: audit checks and the recorder go through their commands.
    runner = LessonRunner(
        _quick(LESSONS[lesson_id]), target, events.append, audit=StubAudit(), workdir=tmp_path
    )
    runner.play(auto=True)

    # Every run action became one pod, under the profile the lesson names for kind.
    runs = [
        a
        for s in LESSONS[lesson_id].steps
        for a in (*s.actions, *s.solution.actions)
        if a.kind in ("run", "run_once") and (not a.only or "kind" in a.only)
    ]
    applied = [m for m in world.applied() if not RECORDER_RUN.match(m["metadata"]["name"])]
    assert [m["metadata"]["name"] for m in applied] == [a.name for a in runs]
    for action, manifest in zip(runs, applied, strict=True):
        kind, file, privileged = _profile_of(manifest)
        assert action.profile is not None
        wanted = action.profile.for_target("kind")
        assert privileged == action.privileged
        if wanted == "runtime-default":
            assert kind == "RuntimeDefault"
        elif wanted == "unconfined":
            assert kind == "Unconfined"
        else:
            assert kind == "Localhost" and file is not None and file.endswith(f"/{wanted}")
        assert manifest["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "seclab"

    text = _render(world, profiles_dir, tmp_path)
    golden = GOLDEN / f"{lesson_id}.txt"
    if os.environ.get("SECLAB_REGEN_KIND"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(text)
    assert golden.is_file(), f"no golden file {golden}: run with SECLAB_REGEN_KIND=1"
    assert text == golden.read_text(), f"kind commands changed for {lesson_id} (see {golden})"


class OfflineKindWorld(KindWorld):
    """The stand-in cluster without network: the nodes have only the lab's offline images."""

    def _answer(self, argv: tuple[str, ...], stdin: str | None) -> tuple[int, str, str]:
        if "inspecti" in argv or argv[:3] == ("docker", "image", "inspect"):
            image = argv[-1] if "inspecti" in argv else argv[3]
            return (0, "{}", "") if image.startswith("seclab/") else (1, "", "no such image")
        if argv[:2] == ("docker", "pull"):
            return 1, "", "dial tcp: lookup registry-1.docker.io: no such host\n"
        return super()._answer(argv, stdin)


def test_offline_fine_grained_uses_the_stand_ins_list_throughout(
    profiles_dir: Path, tmp_path: Path
) -> None:
    # On a real offline kind node the proof step derived its LOG list from the Go server's
    # fine-grained.json while the stand-in ran: 54 records, a failed lesson (issue 10's run).
    world = OfflineKindWorld()
    target = KindTarget(profiles_dir, runner=world)
    target.poll_interval = 0
    events: list[Event] = []
    runner = LessonRunner(
        _quick(LESSONS["fine-grained"]), target, events.append, audit=StubAudit(), workdir=tmp_path
    )
    runner.play(auto=True)
    applied = world.applied()
    assert applied and all(
        m["spec"]["containers"][0]["image"] == "seclab/http-echo:offline" for m in applied
    )
    wrote = [e.title for e in events if getattr(e, "title", "").startswith("wrote ")]
    assert wrote == ["wrote fine-grained-proof.json from fine-grained-busybox-echo.json"]
    first = applied[0]["spec"]["securityContext"]["seccompProfile"]
    assert first["localhostProfile"] == "profiles/fine-grained-busybox-echo.json"
