"""Record the kind target's real commands as transcripts, in the format of tests/fixtures/kind/.

`SECLAB_KIND_RECORD=FILE` (any seclab command that drives kind) wraps the real runner: each
command it runs becomes a step (argv, stdin, exit, stdout, stderr), and FILE is rewritten after
every step, so an interrupted run keeps what it recorded. `source.recorded` holds the versions
of the tools and the node, read once at the start, so the transcript says where it came from.
Paths of this machine (the profiles folder, the state folder) become `{profiles}` / `{state}`.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import subprocess
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from lab.targets.commands import CommandError, Completed, Runner

ENV = "SECLAB_KIND_RECORD"


def _tool(argv: list[str]) -> str | None:
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        done = subprocess.run(
            argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=20, check=False
        )
        if done.returncode == 0:
            return done.stdout.strip().splitlines()[0] if done.stdout.strip() else None
    return None


def versions(cluster: str = "seclab") -> dict[str, str | None]:
    """The versions a recording came from (what each tool says of itself)."""
    node = f"{cluster}-control-plane"
    return {
        "kind": _tool(["kind", "version"]),
        "kubectl": _tool(["kubectl", "version", "--client", "--short"])
        or _tool(["kubectl", "version", "--client"]),
        "docker": _tool(["docker", "version", "--format", "{{.Server.Version}}"]),
        "node": _tool(["docker", "exec", node, "cat", "/kind/version"]),
        "containerd": _tool(["docker", "exec", node, "containerd", "--version"]),
        "runc": _tool(["docker", "exec", node, "runc", "--version"]),
        "cgroup": "v2" if Path("/sys/fs/cgroup/cgroup.controllers").exists() else "v1",
    }


class RecordingRunner:
    """A Runner that runs through another and writes every command it runs to a transcript."""

    def __init__(
        self,
        inner: Runner,
        path: Path,
        *,
        about: str = "",
        replace: Mapping[str, str] | None = None,
        read_versions: Callable[[], dict[str, str | None]] = versions,
    ) -> None:
        self.inner = inner
        self.path = path
        self.replace = dict(replace or {})
        self.steps: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        when = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
        self.data: dict[str, Any] = {
            "about": about or "Recorded by SECLAB_KIND_RECORD from real commands: live output.",
            "source": {"recorded": {"at": when, **read_versions()}},
            "steps": self.steps,
        }

    def _generic(self, text: str) -> str:
        for real, placeholder in self.replace.items():
            text = text.replace(real, placeholder)
        return text

    def _add(self, argv: Sequence[str], stdin: str | None, done: Completed | None,
             error: CommandError | None) -> None:  # fmt: skip
        step: dict[str, Any] = {"argv": [self._generic(a) for a in argv]}
        if stdin is not None:
            try:
                step["stdin_json"] = json.loads(stdin)
            except ValueError:
                step["stdin"] = stdin
        if error is not None and error.returncode is None:  # timed out, not installed
            step["error"] = str(error.args[0])
        else:
            code = done.returncode if done is not None else error.returncode  # type: ignore[union-attr]
            out = done.stdout if done is not None else error.stdout  # type: ignore[union-attr]
            err = done.stderr if done is not None else error.stderr  # type: ignore[union-attr]
            if code:
                step["exit"] = code
            if out:
                step["stdout"] = self._generic(out)
            if err:
                step["stderr"] = self._generic(err)
        with self._lock:
            self.steps.append(step)
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(self.data, indent=2, ensure_ascii=False) + "\n")
            os.replace(tmp, self.path)

    def __call__(
        self,
        argv: Sequence[str],
        *,
        timeout: float,
        input: str | None = None,
        check: bool = True,
        env: Mapping[str, str] | None = None,
    ) -> Completed:
        try:
            done = self.inner(argv, timeout=timeout, input=input, check=False, env=env)
        except CommandError as exc:
            self._add(argv, input, None, exc)
            raise
        self._add(argv, input, done, None)
        if check and done.returncode != 0:
            raise CommandError(
                argv, f"exit status {done.returncode}", returncode=done.returncode,
                stdout=done.stdout, stderr=done.stderr,
            )  # fmt: skip
        return done

    def stream(
        self,
        argv: Sequence[str],
        *,
        timeout: float,
        on_line: Callable[[str], None] | None = None,
    ) -> Completed:
        stream = getattr(self.inner, "stream", None)
        try:
            if callable(stream):
                done: Completed = stream(argv, timeout=timeout, on_line=on_line)
            else:
                done = self.inner(argv, timeout=timeout)
        except CommandError as exc:
            self._add(argv, None, None, exc)
            raise
        self._add(argv, None, done, None)
        return done

    def cancel(self) -> None:
        cancel = getattr(self.inner, "cancel", None)
        if callable(cancel):
            cancel()


def maybe_recording(runner: Runner, replace: Mapping[str, str] | None = None) -> Runner:
    """`runner`, recorded into $SECLAB_KIND_RECORD when that is set."""
    target = os.environ.get(ENV)
    if not target:
        return runner
    return RecordingRunner(runner, Path(target), replace=replace)
