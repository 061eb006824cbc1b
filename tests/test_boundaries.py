"""The core/TUI boundary: only lab.tui may import Textual."""

from __future__ import annotations

import ast
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


# ---- import cycles among lab modules, deferred (function-level) imports included ----

LAB_ROOT = Path(lab.__file__).resolve().parent


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path, root: Path, known: set[str]) -> set[str]:
    """The lab modules `path` imports anywhere in its body (top level, functions, TYPE_CHECKING)."""
    name = _module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")
                base_parts = base_parts[: len(base_parts) - (node.level - 1)]
                base = ".".join(base_parts + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            # `from pkg import mod` imports the module pkg.mod when it exists, else a name in pkg.
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for target in targets:
            # The longest known module the target names (a.b.Name -> a.b).
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def _graph(root: Path) -> dict[str, set[str]]:
    files = {_module_name(p, root): p for p in root.rglob("*.py")}
    known = set(files)
    graph = {mod: _imports(p, root, known) for mod, p in files.items()}
    for mod, deps in graph.items():
        # Importing a.b.c runs the __init__ of a and of a.b first: those are imports too...
        deps |= {
            ancestor
            for dep in deps
            for ancestor in (dep.rsplit(".", n)[0] for n in range(1, dep.count(".") + 1))
            if ancestor in known
        }
        # ...except a module's own packages, which Python runs before the module anyway.
        deps -= {d for d in deps if mod.startswith(d + ".")}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0

    def visit(v: str) -> None:
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_cycle_finder_sees_deferred_and_relative_imports(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from pkg.sub import b\n")
    (pkg / "sub" / "b.py").write_text("def f():\n    from .. import a\n")
    (pkg / "c.py").write_text("from .a import x\n")
    graph = _graph(pkg)
    assert graph["pkg.a"] == {"pkg.sub", "pkg.sub.b"}  # pkg.sub's __init__ runs first
    assert graph["pkg.sub.b"] == {"pkg.a"}  # its own package pkg.sub is not an edge
    assert graph["pkg.c"] == {"pkg.a"}
    assert _cycles(graph) == [["pkg.a", "pkg.sub.b"]]


def test_no_import_cycles_among_lab_modules() -> None:
    cycles = _cycles(_graph(LAB_ROOT))
    assert cycles == [], "import cycles (deferred imports count):\n" + "\n".join(
        " <-> ".join(c) for c in cycles
    )
