"""`seclab start` and `seclab serve` as commands: options, refusals, and what serve runs."""

from __future__ import annotations

import sys

from click.testing import CliRunner
from pytest import MonkeyPatch

from lab.cli import cli
from lab.commands.serve import lab_argv, public_url


def test_start_refuses_an_unknown_lesson_with_the_choices() -> None:
    result = CliRunner().invoke(cli, ["start", "--lesson", "audi"])
    assert result.exit_code == 2
    assert "no lesson called 'audi'" in result.output and "audit" in result.output
    assert "Traceback" not in result.output


def test_start_help_names_the_keys_and_targets() -> None:
    result = CliRunner().invoke(cli, ["start", "--help"])
    assert result.exit_code == 0
    for word in ("--target", "--lesson", "--demo", "q quit", "sudo seclab start"):
        assert word in result.output


def test_serve_runs_seclab_start_as_an_argv_no_shell_reads() -> None:
    argv = lab_argv("local", "audit; rm -rf /", demo=True)
    assert argv[:4] == [sys.executable, "-m", "lab", "start"]
    assert argv[4:] == ["--target", "local", "--lesson", "audit; rm -rf /", "--demo"]


def test_serve_listens_locally_unless_told_and_warns_when_wider() -> None:
    assert public_url("127.0.0.1", 8000) == "http://127.0.0.1:8000"
    assert not public_url("0.0.0.0", 8000).startswith("http://0.0.0.0")
    result = CliRunner().invoke(cli, ["serve", "--help"])
    assert "127.0.0.1" in result.output and "--public" in result.output


def test_serve_public_warns_and_listens_on_every_interface(monkeypatch: MonkeyPatch) -> None:
    from textual_serve.server import Server

    seen: dict[str, object] = {}

    def record(self: Server, debug: bool = False) -> None:  # no socket is opened in this test
        seen.update(host=self.host, port=self.port, command=self.command)

    monkeypatch.setattr(Server, "serve", record)
    result = CliRunner().invoke(cli, ["serve", "--public", "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert seen["host"] == "0.0.0.0" and seen["port"] == 8123
    assert "warning: listening on 0.0.0.0" in result.output
    assert "presenter (keep private" in result.output and "attendees (read-only)" in result.output
    local = CliRunner().invoke(cli, ["serve"])
    assert seen["host"] == "127.0.0.1" and "warning" not in local.output
