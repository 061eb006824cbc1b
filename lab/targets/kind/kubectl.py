"""kubectl, always against one kind context, reporting every command it runs.

Each call names `--context kind-<cluster>` explicitly (never the user's current context), asks
for `-o json` where it reads objects, and turns kubectl's well-known failures into TargetErrors a
learner can act on.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from lab.targets.base import CommandEvent, TargetError
from lab.targets.commands import INSTALL, CommandError, Completed, Runner, not_installed


@dataclass
class ReportedRunner:
    """Runs commands through a Runner and reports each one, before and after, to a listener."""

    runner: Runner
    emit: Callable[[CommandEvent], None]

    def __call__(
        self,
        argv: Sequence[str],
        *,
        timeout: float,
        input: str | None = None,
        check: bool = True,
        display: str | None = None,
    ) -> Completed:
        argv = tuple(argv)
        self.emit(CommandEvent(argv, display=display))
        try:
            done = self.runner(argv, timeout=timeout, input=input, check=False)
        except CommandError as exc:  # timed out, cancelled or not installed: still shown
            if exc.missing:  # 127: what a shell reports for a command it cannot find
                self.emit(CommandEvent(argv, 127, "", not_installed(argv[0]), display))
            else:
                self.emit(CommandEvent(argv, exc.returncode or -1, exc.stdout, str(exc), display))
            raise
        self.emit(CommandEvent(argv, done.returncode, done.stdout, done.stderr, display))
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
        self, argv: Sequence[str], *, timeout: float, on_line: Callable[[str], None] | None = None
    ) -> Completed:
        """Run a long command, its output shown line by line as it comes (where the runner
        can: a runner without `stream` hands over the lines when the command ends)."""
        argv = tuple(argv)
        self.emit(CommandEvent(argv))
        stream = getattr(self.runner, "stream", None)
        try:
            if callable(stream):
                done: Completed = stream(argv, timeout=timeout, on_line=on_line)
            else:
                done = self.runner(argv, timeout=timeout)
                for line in (done.stdout + done.stderr).splitlines():
                    if on_line:
                        on_line(line)
        except CommandError as exc:
            if exc.missing:
                self.emit(CommandEvent(argv, 127, "", not_installed(argv[0])))
            else:
                if on_line and not callable(stream):
                    for line in (exc.stdout + exc.stderr).splitlines():
                        on_line(line)
                self.emit(CommandEvent(argv, exc.returncode or -1, exc.stdout, str(exc)))
            raise
        self.emit(CommandEvent(argv, done.returncode, done.stdout, done.stderr))
        return done


def is_not_found(stderr: str) -> bool:
    """True when kubectl said the named object does not exist."""
    return "(NotFound)" in stderr


def explain(exc: CommandError, cluster: str) -> TargetError:
    """Turn a failed kubectl command into an error that says what to do about it."""
    said = str(exc.args[0])  # the runner's own words: exit status, timed out, not installed
    text = exc.stderr.strip() or exc.stdout.strip()
    last = text.splitlines()[-1] if text else said

    def error(message: str, hint: str | None = None) -> TargetError:
        return TargetError(message, hint=hint, command=exc.argv, stderr=exc.stderr)

    if exc.returncode is None or said == "cancelled":  # timed out, cancelled, not installed
        missing = exc.missing or "not installed" in said  # (a replayed error has no flag)
        hint = f"install kubectl: {INSTALL['kubectl']}" if missing else None
        return error(f"{shlex.join(exc.argv)}: {said}", hint)
    if "context was not found" in text:
        return error(
            f"kubectl has no context kind-{cluster}: the lab's cluster was never created here",
            "seclab cluster up",
        )
    if "was refused" in text or "connection refused" in text:
        return error(
            f"the API server of kind cluster {cluster!r} does not answer ({last})",
            f"start its node with `docker start {cluster}-control-plane`, "
            "or recreate it: seclab cluster down && seclab cluster up",
        )
    if "doesn't have a resource type" in text:
        return error(
            f"the cluster does not know this kind of object: {last}",
            "kubectl may be much older than the cluster; install a kubectl within one "
            "minor version of the node image",
        )
    return error(f"{shlex.join(exc.argv[:5])} … failed: {last}")


@dataclass
class Kubectl:
    """kubectl bound to the `kind-<cluster>` context."""

    run: ReportedRunner
    cluster: str = "seclab"
    timeout: float = 60

    @property
    def context(self) -> str:
        return f"kind-{self.cluster}"

    def argv(self, *args: str) -> list[str]:
        return ["kubectl", "--context", self.context, *args]

    def __call__(
        self,
        *args: str,
        input: str | None = None,
        timeout: float | None = None,
        check: bool = True,
        display: str | None = None,
    ) -> Completed:
        """Run `kubectl --context kind-<cluster> ARGS…`; failures become TargetErrors."""
        try:
            return self.run(
                self.argv(*args),
                timeout=timeout or self.timeout,
                input=input,
                check=check,
                display=display,
            )
        except CommandError as exc:
            raise explain(exc, self.cluster) from None

    def get_json(self, *args: str, missing_ok: bool = False) -> dict[str, Any] | None:
        """`kubectl get ARGS… -o json`, parsed; None when the object is missing and that is ok."""
        done = self("get", *args, "-o", "json", check=not missing_ok)
        if done.returncode != 0:
            if is_not_found(done.stderr):
                return None
            raise explain(
                CommandError(
                    done.argv,
                    "failed",
                    returncode=done.returncode,
                    stdout=done.stdout,
                    stderr=done.stderr,
                ),
                self.cluster,
            )
        try:
            data = json.loads(done.stdout)
        except json.JSONDecodeError as exc:
            raise TargetError(
                f"kubectl printed something that is not JSON ({exc.msg})", command=done.argv
            ) from None
        if not isinstance(data, dict):
            raise TargetError("kubectl printed JSON that is not an object", command=done.argv)
        return data

    def apply(self, manifest: dict[str, Any], *, display: str | None = None) -> Completed:
        """`kubectl apply -f -` with the manifest (JSON is YAML) on stdin."""
        return self("apply", "-f", "-", input=json.dumps(manifest, indent=2), display=display)
