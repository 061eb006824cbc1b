"""The core/TUI boundary: only lab.tui may import Textual."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import lab

CORE = [
    m.name
    for m in pkgutil.walk_packages(lab.__path__, "lab.")
    if not m.name.startswith("lab.tui") and m.name != "lab.__main__"
]


def test_core_modules_exist() -> None:
    assert "lab.profile.syscalls" in CORE
    assert "lab.cli" in CORE


def test_no_core_module_pulls_in_textual() -> None:
    # A fresh interpreter, so modules imported by other tests cannot hide an import.
    code = (
        "import importlib, sys\n"
        f"for name in {CORE!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(','.join(bad))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "", f"Textual imported by the core: {proc.stdout.strip()}"


def test_cli_help_loads_without_textual() -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from lab.cli import cli\n"
            "try:\n    cli.main(['--help'], standalone_mode=False)\n"
            "finally:\n    print('TEXTUAL' if 'textual' in sys.modules else 'OK')",
        ],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
    )
    assert proc.stdout.strip().splitlines()[-1] == "OK"


def test_import_linter_contracts_hold() -> None:
    pytest.importorskip(
        "importlinter", reason="import-linter is not installed (pip install -e '.[test]')"
    )
    lint_imports = Path(sys.executable).with_name("lint-imports")
    argv = [str(lint_imports)] if lint_imports.exists() else ["lint-imports"]
    repo = Path(lab.__file__).resolve().parent.parent
    proc = subprocess.run(
        argv, cwd=repo, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=300
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 broken" in proc.stdout
