"""`seclab profile diff`: added and removed syscalls, changed actions and fields, exit status."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from lab.cli import cli
from lab.profile.diff import diff_profiles
from lab.profile.model import ArgRule, Profile, SyscallRule


def _profile(default: str, *rules: SyscallRule, flags: tuple[str, ...] = ()) -> Profile:
    return Profile(default_action=default, syscalls=rules, flags=flags)


def test_added_removed_changed_and_fields() -> None:
    old = _profile(
        "SCMP_ACT_ERRNO",
        SyscallRule(("read", "write", "mkdir"), "SCMP_ACT_ALLOW"),
    )
    new = _profile(
        "SCMP_ACT_LOG",
        SyscallRule(("read", "getcwd"), "SCMP_ACT_ALLOW"),
        SyscallRule(("mkdir",), "SCMP_ACT_KILL"),
        SyscallRule(("personality",), "SCMP_ACT_ALLOW", args=(ArgRule(0, 0, "SCMP_CMP_EQ"),)),
        flags=("SECCOMP_FILTER_FLAG_LOG",),
    )
    result = diff_profiles(old, new)
    assert result.added == (("getcwd", "SCMP_ACT_ALLOW"),)
    assert result.removed == (("write", "SCMP_ACT_ALLOW"),)
    assert result.changed == (("mkdir", "SCMP_ACT_ALLOW", "SCMP_ACT_KILL"),)
    assert result.conditional == ("personality",)
    assert ("defaultAction", "SCMP_ACT_ERRNO", "SCMP_ACT_LOG") in result.fields
    assert ("flags", [], ["SECCOMP_FILTER_FLAG_LOG"]) in result.fields
    assert "+ getcwd (SCMP_ACT_ALLOW)" in result.lines()
    assert diff_profiles(old, old).is_empty()


def test_cli_exit_status_and_json(tmp_path: Path, profiles_dir: Path) -> None:
    runner = CliRunner()
    same = runner.invoke(cli, ["profile", "diff", "audit.json", "audit.json"])
    assert (same.exit_code, same.output.strip()) == (0, "no difference")
    differ = runner.invoke(
        cli, ["profile", "diff", "--json", "block-mkdir.json", "kill-mkdir.json"]
    )
    assert differ.exit_code == 1
    body = json.loads(differ.output)
    assert ["mkdir", "SCMP_ACT_ERRNO", "SCMP_ACT_KILL"] in body["changed"]
    broken = tmp_path / "broken.json"
    broken.write_text('{"defaultAction": "SCMP_ACT_ALOW"}')
    bad = runner.invoke(cli, ["profile", "diff", "audit.json", str(broken)])
    assert bad.exit_code == 2 and "SCMP_ACT_ALOW" in bad.output
