"""Static checks as tests, so the README's one test command proves them too."""

from __future__ import annotations

import ast
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


def _forbidden_call_keywords(source: str) -> list[int]:
    """Lines of calls that pass `shell=True` or any `preexec_fn`."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        for kw in node.keywords:
            shell_true = kw.arg == "shell" and not (
                isinstance(kw.value, ast.Constant) and kw.value.value in (False, None)
            )
            if shell_true or kw.arg == "preexec_fn":
                lines.append(node.lineno)
    return lines


def test_the_call_checker_catches_both() -> None:
    assert _forbidden_call_keywords("subprocess.run(x, shell=True)\nPopen(y, preexec_fn=f)") == [
        1,
        2,
    ]
    assert _forbidden_call_keywords('"""no preexec_fn here"""\nrun(x, shell=False)') == []


def test_no_shell_true_or_preexec_fn() -> None:
    offenders = [
        f"{path.relative_to(REPO)}:{line}"
        for path in (REPO / "lab").rglob("*.py")
        for line in _forbidden_call_keywords(path.read_text())
    ]
    assert offenders == []
