"""A Runner that replays recorded kind/kubectl/docker transcripts, strictly and in order.

kind cannot run on the CI machine (no registry, no node image), so the kind target is tested
against transcripts in `tests/fixtures/kind/`: each step holds the exact argv seclab must run,
the stdin it must send, and what the real tool prints (exit code, stdout, stderr). A command that
is not the next step of the transcript fails the test, so a passing test proves the commands.

Step fields: `argv` (it, stdout and stderr may hold `{state}` / `{profiles}` placeholders; an
argv item `{*}` matches any one word, for temporary paths),
`stdin` (exact text) or `stdin_json` (compared as parsed JSON), `exit` (default 0), `stdout` or
`stdout_json` (printed the way kubectl prints JSON: 4-space indent), `stderr`, and `error` (raise
CommandError with this message instead, as the real runner does for a timeout or a missing tool).
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from lab.targets.commands import CommandError, Completed

KIND_FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "kind"


def _fill(value: Any, values: Mapping[str, str]) -> Any:
    if isinstance(value, str):
        for key, sub in values.items():
            value = value.replace("{" + key + "}", sub)
    return value


RECORDED_KEYS = {"at", "kind", "kubectl", "docker", "node", "containerd", "runc", "cgroup"}


def check_source(name: str, data: dict[str, Any]) -> None:
    """Every transcript says where it came from: recorded (with the versions) or constructed
    (with why it could not be recorded)."""
    source = data.get("source")
    assert isinstance(source, dict) and len(source) == 1, f"{name}: needs source"
    if "recorded" in source:
        versions = source["recorded"]
        assert set(versions) >= RECORDED_KEYS, f"{name}: recorded without its versions"
    else:
        assert isinstance(source.get("constructed"), str) and source["constructed"], name
        assert "not live output" in data["about"], f"{name}: say it is not a recording"


class TranscriptRunner:
    """Serves the steps of one or more transcript files, one call per step, in order."""

    def __init__(self, *names: str, values: Mapping[str, str] | None = None) -> None:
        self.values = dict(values or {})
        self.steps: list[dict[str, Any]] = []
        for name in names:
            data = json.loads((KIND_FIXTURES / f"{name}.json").read_text())
            check_source(name, data)
            self.steps.extend(data["steps"])
        self.position = 0
        self.calls: list[tuple[str, ...]] = []
        self.cancelled = False

    def __call__(
        self,
        argv: Sequence[str],
        *,
        timeout: float,
        input: str | None = None,
        check: bool = True,
        env: Mapping[str, str] | None = None,
    ) -> Completed:
        argv = tuple(argv)
        self.calls.append(argv)
        assert timeout and timeout > 0, f"no timeout for {shlex.join(argv)}"
        if self.position >= len(self.steps):
            pytest.fail(f"seclab ran a command past the transcript's end:\n  {shlex.join(argv)}")
        step = self.steps[self.position]
        expected = tuple(_fill(a, self.values) for a in step["argv"])
        # "{*}" stands for a temporary path the lab makes up (an image archive's folder).
        if len(argv) == len(expected):
            pairs = zip(argv, expected, strict=True)
            if all(e == "{*}" for a, e in pairs if a != e):
                expected = argv
        if argv != expected:
            pytest.fail(
                f"seclab ran a command the transcript does not have at step {self.position}:\n"
                f"  ran:      {shlex.join(argv)}\n  expected: {shlex.join(expected)}"
            )
        self.position += 1
        if "stdin_json" in step:
            assert input is not None, f"{shlex.join(argv)}: expected a manifest on stdin"
            assert json.loads(input) == step["stdin_json"], f"{shlex.join(argv)}: stdin differs"
        elif "stdin" in step:
            assert input == step["stdin"]
        else:
            assert input is None, f"{shlex.join(argv)}: unexpected stdin"
        if "error" in step:
            raise CommandError(argv, step["error"])
        stdout = _fill(step.get("stdout", ""), self.values)
        if "stdout_json" in step:
            stdout = json.dumps(step["stdout_json"], indent=4) + "\n"
        stderr = _fill(step.get("stderr", ""), self.values)
        done = Completed(argv, step.get("exit", 0), stdout, stderr)
        if check and done.returncode != 0:
            raise CommandError(
                argv,
                f"exit status {done.returncode}",
                returncode=done.returncode,
                stdout=done.stdout,
                stderr=done.stderr,
            )
        return done

    def stream(
        self,
        argv: Sequence[str],
        *,
        timeout: float,
        on_line: Callable[[str], None] | None = None,
    ) -> Completed:
        """As the real runner's `stream`: output merged into stdout, each line to `on_line`
        (all at once here, as the step has them)."""
        try:
            done = self(argv, timeout=timeout)
        except CommandError as exc:
            merged = exc.stdout + exc.stderr
            for line in merged.splitlines():
                if on_line:
                    on_line(line)
            raise CommandError(
                exc.argv, exc.args[0], returncode=exc.returncode, stdout=merged
            ) from None
        merged = done.stdout + done.stderr
        for line in merged.splitlines():
            if on_line:
                on_line(line)
        return Completed(done.argv, done.returncode, merged, "")

    def cancel(self) -> None:
        self.cancelled = True

    def assert_done(self) -> None:
        """Every step was used: seclab did not skip a command the transcript expects."""
        left = [shlex.join(s["argv"]) for s in self.steps[self.position :]]
        assert not left, "commands the transcript expected but seclab never ran:\n  " + "\n  ".join(
            left
        )
