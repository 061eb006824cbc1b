"""load_profile and parse_profile_text: a Profile when valid, else ProfileError with findings."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lab.profile.diagnostics import Diagnostic, ProfileError
from lab.profile.lint import lint_file, lint_text, load_profile, parse_profile_text
from lab.profile.model import Profile

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "profiles"
REPO_PROFILES = sorted((Path(__file__).resolve().parents[3] / "profiles").glob("*.json"))


@pytest.mark.parametrize("path", REPO_PROFILES, ids=[p.name for p in REPO_PROFILES])
def test_every_lab_profile_is_valid(path: Path) -> None:
    errors = [d.format() for d in lint_file(path) if d.is_error]
    assert errors == []
    assert isinstance(load_profile(path), Profile)


def test_the_lab_ships_profiles() -> None:
    # Guards the parametrized test above against an empty glob.
    assert len(REPO_PROFILES) >= 1


def test_docker_default_shape_has_no_errors() -> None:
    path = FIXTURES / "good" / "docker-default-shape.json"
    found = lint_file(path)
    assert [d.format() for d in found if d.severity != "info"] == []
    profile = load_profile(path)
    assert profile.default_errno_ret == 1
    assert profile.arch_map[0].sub_architectures == ("SCMP_ARCH_X86", "SCMP_ARCH_X32")
    assert profile.arch_map[-1].sub_architectures == ()
    clone = [r for r in profile.syscalls if r.names == ("clone",)]
    assert clone[0].args[0].op == "SCMP_CMP_MASKED_EQ"
    assert clone[0].excludes.caps == ("CAP_SYS_ADMIN",)
    assert any(r.includes.min_kernel == "4.8" for r in profile.syscalls)
    # containerd ignores these fields: lint says so, as info.
    ignored = {
        re.search(r'"(\w+)"', d.message).group(1)  # type: ignore[union-attr]
        for d in found
        if d.code == "ignored-by-containerd"
    }
    assert ignored == {"archMap", "includes", "excludes", "minKernel", "comment"}


@pytest.mark.parametrize("name", ["minimal-log.json", "errno-logged.json"])
def test_good_fixtures_have_no_findings_but_info(name: str) -> None:
    assert [d for d in lint_file(FIXTURES / "good" / name) if d.severity != "info"] == []


def test_flags_come_with_a_note_on_runtime_support() -> None:
    found = lint_file(FIXTURES / "good" / "errno-logged.json")
    (note,) = [d for d in found if d.code == "flags-runtime-support"]
    assert (note.line, note.column, note.severity) == (5, 3, "info")
    assert "runc before 1.2" in note.message


def test_load_refuses_a_bad_profile_with_the_lint_message() -> None:
    path = FIXTURES / "bad" / "miscased-action.json"
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    assert str(caught.value).startswith(f"{path}:2:20: error: ")
    assert 'did you mean "SCMP_ACT_ERRNO"?' in str(caught.value)
    assert [d.code for d in caught.value.errors] == ["unknown-action"]


def test_load_refuses_a_missing_file_without_a_traceback() -> None:
    with pytest.raises(ProfileError) as caught:
        load_profile("/nonexistent/seclab/profile.json")
    assert caught.value.errors[0].code == "file-not-found"


def test_warnings_do_not_stop_loading() -> None:
    profile = load_profile(FIXTURES / "bad" / "conflicting-actions.json")
    assert profile.syscalls[1].action == "SCMP_ACT_KILL"


def test_parse_profile_text_builds_the_model() -> None:
    profile = parse_profile_text(
        '{"defaultAction": "SCMP_ACT_ERRNO", "flags": ["SECCOMP_FILTER_FLAG_LOG"],'
        ' "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW",'
        ' "args": [{"index": 0, "value": 3, "op": "SCMP_CMP_EQ"}]}]}',
        "inline.json",
    )
    assert profile.logs_denials
    assert profile.syscalls[0].args[0].value == 3


def test_parse_profile_text_raises_for_errors() -> None:
    with pytest.raises(ProfileError) as caught:
        parse_profile_text('{"defaultAction": "SCMP_ACT_LOG", "syscalls": {}}', "x.json")
    assert caught.value.errors[0].code == "wrong-type"


def test_bare_names_resolve_to_the_lab_profiles() -> None:
    if not REPO_PROFILES:
        pytest.skip("no profiles/ yet")
    name = REPO_PROFILES[0].name
    assert load_profile(name) == load_profile(REPO_PROFILES[0])


def test_diagnostic_format_has_place_severity_message_and_hint() -> None:
    diagnostic = Diagnostic("p.json", 3, 7, "error", "unknown-action", "bad", "do this")
    assert diagnostic.format() == "p.json:3:7: error: bad [unknown-action]\n    hint: do this"


def test_lint_text_labels_findings_with_the_given_path() -> None:
    found = lint_text('{"defaultAction": "SCMP_ACT_LOG", "flags": ["TSYNC"]}', "a/b.json")
    (diagnostic,) = [d for d in found if d.is_error]
    assert (diagnostic.path, diagnostic.code) == ("a/b.json", "unknown-flag")
    assert diagnostic.suggestion == 'did you mean "SECCOMP_FILTER_FLAG_TSYNC"?'
