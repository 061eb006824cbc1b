"""`seclab prepare`'s usage errors and help, through click's CliRunner."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result

from lab.cli import cli

LOCAL_ONLY = """\
id: here-only
title: Only on this machine
summary: Reads this kernel's settings.
targets: [local]
unsupported:
  docker: The engine's kernel is another machine's on Docker Desktop.
  kind: The node's kernel is another machine's on Docker Desktop.
steps:
  - id: look
    title: Look
    text: Look at the kernel.
"""


def seclab(*args: str) -> Result:
    result = CliRunner().invoke(cli, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def test_help_says_when_to_run_it_what_it_checks_and_downloads() -> None:
    result = seclab("prepare", "--help")
    assert result.exit_code == 0
    text = " ".join(result.output.split())
    assert "the evening before, and again in the room" in text
    assert "lints clean and compiles with libseccomp" in text
    assert "/var/lib/kubelet/seccomp/profiles" in text and "imagePullPolicy" in text
    assert "What it downloads (never with --check)" in text
    assert "seclab prepare --target kind --check" in text  # an example
    assert "0 when the room is ready" in text and "2 on usage errors" in text


def test_the_command_is_listed() -> None:
    assert "prepare" in seclab("--help").output


def test_an_unknown_target_is_a_usage_error() -> None:
    result = seclab("prepare", "--target", "podman")
    assert result.exit_code == 2
    assert "'podman' is not one of 'local', 'docker', 'kind'" in result.output


def test_an_unknown_lesson_is_a_usage_error_with_a_suggestion(course: Path) -> None:
    result = seclab("prepare", "--lesson", "rooom")
    assert result.exit_code == 2
    assert "no lesson called 'rooom'" in result.output and "did you mean 'room'" in result.output
    assert "Traceback" not in result.output


def test_a_lesson_not_played_on_the_target_is_a_usage_error_saying_why(course: Path) -> None:
    (course / "lessons" / "here-only.yaml").write_text(LOCAL_ONLY)
    result = seclab("prepare", "--target", "kind", "--lesson", "here-only")
    assert result.exit_code == 2
    assert "lesson 'here-only' does not run on kind" in result.output
    assert "another machine's on Docker Desktop" in result.output
    assert seclab("prepare", "--lesson", "here-only").exit_code == 0  # local plays it
