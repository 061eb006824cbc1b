"""The RuntimeDefault demonstration: one syscall, two runs, and what decided the outcome.

Docker's default profile has long allowed `unshare` only with CAP_SYS_ADMIN (moby's
`profiles/seccomp/default.json`), so `unshare -U` (a new user namespace, which the kernel itself
allows without privilege) is denied under RuntimeDefault and works under Unconfined. Newer
runtimes may allow user namespaces by default (moby PR 42455 proposes it), and a host can forbid
them outside seccomp (the `user.max_user_namespaces` sysctl, Debian's
`kernel.unprivileged_userns_clone`, AppArmor on Ubuntu). So the lesson never asserts the answer:
it runs the same command under both and says which of the three cases this host is in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from lab.targets.base import ExecResult, ProfileRef, Target, WorkloadSpec

COMMAND = ("unshare", "-U", "true")
Verdict = Literal["seccomp", "allowed-by-default", "not-seccomp"]


@dataclass(frozen=True)
class Comparison:
    """`unshare -U` under RuntimeDefault and under Unconfined, and what that shows."""

    runtime_default: ExecResult
    unconfined: ExecResult

    @property
    def verdict(self) -> Verdict:
        """seccomp decided it / the runtime's default allows it / something else denies it."""
        if self.runtime_default.exit_code == 0:
            return "allowed-by-default"
        if self.unconfined.exit_code == 0:
            return "seccomp"
        return "not-seccomp"

    def explain(self) -> str:
        """One paragraph for the learner."""
        if self.verdict == "seccomp":
            return (
                "RuntimeDefault denied `unshare -U` (" + _first_line(self.runtime_default) + ") "
                "and Unconfined allowed it: the runtime's default seccomp profile decided. It "
                "allows unshare only with CAP_SYS_ADMIN, which containers do not get."
            )
        if self.verdict == "allowed-by-default":
            return (
                "RuntimeDefault allowed `unshare -U`: this runtime's default profile permits "
                "unprivileged user namespaces (newer defaults do). Its other blocks still hold: "
                "mount, setns, bpf, keyctl, kexec_load … stay denied without capabilities."
            )
        return (
            "`unshare -U` failed under both RuntimeDefault and Unconfined ("
            + _first_line(self.unconfined)
            + "): not seccomp but the host decided, e.g. user.max_user_namespaces=0, "
            "kernel.unprivileged_userns_clone=0 or an AppArmor restriction."
        )


def _first_line(result: ExecResult) -> str:
    text = (result.stderr or result.stdout).strip().splitlines()
    return text[0] if text else f"exit status {result.exit_code}"


def compare(target: Target, name: str = "runtime-default-demo") -> Comparison:
    """Run `unshare -U true` in busybox under RuntimeDefault, then under Unconfined."""
    results = [
        target.run_to_completion(WorkloadSpec(f"{name}-{label}", "busybox", profile, COMMAND))
        for label, profile in (
            ("default", ProfileRef.runtime_default()),
            ("unconfined", ProfileRef.unconfined()),
        )
    ]
    return Comparison(*results)
