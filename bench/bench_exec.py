"""Print what `seclab exec` costs with a large generated profile: compile time and compilations.

Run from a checkout: `PYTHONPATH=. python bench/bench_exec.py [RULES] [RUNS]` (or after
`pip install -e .`). A generator that guesses names writes profiles like this one: RULES rules,
each naming a syscall this kernel does not have. Figures only, no assertions: machines differ,
and other processes on a shared machine slow some runs down, so medians and spreads are printed.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from click.testing import CliRunner

import lab.commands.exec as exec_command
import lab.sandbox as sandbox
from lab.cli import cli
from lab.profile.compile import compile_profile
from lab.profile.model import Profile

REPO = Path(__file__).resolve().parent.parent


def _profile(rules: int) -> dict[str, Any]:
    names = [{"names": [f"made_up_{i}"], "action": "SCMP_ACT_ERRNO"} for i in range(rules)]
    return {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": names}


def _figures(label: str, seconds: list[float]) -> None:
    median = f"median {statistics.median(seconds):6.2f} s"
    spread = f"min {min(seconds):6.2f} s   max {max(seconds):6.2f} s"
    print(f"{label:<34} {median}   {spread}   ({len(seconds)} runs)")


def _compilations(path: Path) -> int:
    """Compilations in one `seclab exec` in this process (the launcher compiles nothing)."""
    calls = 0
    original = exec_command.compile_profile

    def counted(profile: Profile, *args: Any) -> Any:
        nonlocal calls
        calls += 1
        return original(profile, *args)

    exec_command.compile_profile = counted  # type: ignore[assignment]
    sandbox.compile_profile = counted  # type: ignore[assignment]
    try:
        CliRunner().invoke(cli, ["exec", "--profile", str(path), "--", "true"])
    finally:
        exec_command.compile_profile = original
        sandbox.compile_profile = original
    return calls


def main() -> None:
    """Compile the profile RUNS times, count one exec's compilations, time whole execs."""
    rules = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "generated.json"
        path.write_text(json.dumps(_profile(rules)))
        profile = Profile.from_dict(_profile(rules))
        compile_times = []
        for _ in range(runs):
            start = time.perf_counter()
            compile_profile(profile)
            compile_times.append(time.perf_counter() - start)
        _figures(f"compile {rules:,} rules", compile_times)
        print(f"{'compilations per seclab exec':<34} {_compilations(path)}")
        exec_times = []
        for _ in range(runs):
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "lab", "exec", "-p", str(path), "--", "true"],
                           cwd=REPO, stdin=subprocess.DEVNULL, capture_output=True, timeout=600,
                           check=True)  # fmt: skip
            exec_times.append(time.perf_counter() - start)
        _figures("seclab exec -- true (whole run)", exec_times)


if __name__ == "__main__":
    main()
