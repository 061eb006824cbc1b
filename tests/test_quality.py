"""Static checks as tests, so the README's one test command proves them too."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def _run(argv: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv, cwd=REPO, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=600
    )


def test_ruff_is_clean() -> None:
    pytest.importorskip("ruff", reason="ruff is not installed (pip install -e '.[test]')")
    proc = _run([sys.executable, "-m", "ruff", "check", "lab", "tests", "bench"])
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_mypy_is_clean() -> None:
    pytest.importorskip("mypy", reason="mypy is not installed (pip install -e '.[test]')")
    proc = _run([sys.executable, "-m", "mypy"])
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_no_shell_true_or_preexec_fn() -> None:
    offenders = [
        f"{path}:{n}"
        for path in (REPO / "lab").rglob("*.py")
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if "shell=True" in line.replace(" ", "") or "preexec_fn" in line
    ]
    assert offenders == []
