"""The README's start command on the systems it names: Python 3.10 as python3 (Ubuntu 22.04).

apt-get, sudo and the interpreters are fakes on PATH that log how they were called: the test
cannot install packages or switch distributions, but it runs the README's own shell line.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"


def command(marker: str) -> str:
    text = README.read_text()
    found = re.search(rf"<!-- {marker} -->\n```sh\n(.+?)\n```", text)
    assert found, f"no {marker} block in README.md"
    return found.group(1)


def fake_bin(tmp: Path, python3_version: str) -> Path:
    bin_ = tmp / "bin"
    bin_.mkdir()
    log = tmp / "log"

    def tool(name: str, body: str) -> None:
        path = bin_ / name
        path.write_text(f'#!/bin/sh\necho "{name} $*" >> {log}\n{body}\n')
        path.chmod(0o755)

    tool("sudo", 'exec "$@"')
    tool("apt-get", "exit 0")
    tool("ln", "exit 0")
    major, minor = python3_version.split(".")
    pretend = f"import sys; sys.version_info = ({major}, {minor}); exec(sys.argv[1])"
    check = f'[ "$1" = -c ] && exec {shutil.which("python3")} -c "{pretend}" "$2"'
    venv = (
        "mkdir -p .venv/bin; for t in pip seclab; do "
        'printf "#!/bin/sh\\necho \\"$t \\$*\\" >> LOG\\n" | sed "s#LOG#{log}#" > .venv/bin/$t; '
        "chmod +x .venv/bin/$t; done"
    )
    tool("python3", f"{check}\n{venv.format(log=log)}")
    tool("python3.11", venv.format(log=log))
    tool("seclab", "exit 0")
    return bin_


@pytest.mark.parametrize(("python3", "expected"), [("3.10", "python3.11"), ("3.11", "python3")])
def test_start_command_finds_a_python_311(tmp_path: Path, python3: str, expected: str) -> None:
    bin_ = fake_bin(tmp_path, python3)
    work = tmp_path / "clone"
    work.mkdir()
    env = {"PATH": f"{bin_}:/usr/bin:/bin", "HOME": str(tmp_path)}
    done = subprocess.run(
        ["bash", "-c", command("start-command")], cwd=work, env=env, capture_output=True,
        text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    calls = (tmp_path / "log").read_text().splitlines()
    venv = [c for c in calls if c.endswith("-m venv .venv")]
    assert venv == [f"{expected} -m venv .venv"], calls
    if expected == "python3.11":
        assert "apt-get install -y python3.11-venv" in calls
    else:
        assert not [c for c in calls if "python3.11-venv" in c]
    assert "pip install -e ." in calls  # editable: edits to profiles/ take effect
    assert any(c.startswith("ln -sf") and c.endswith("/usr/local/bin/seclab") for c in calls)
    assert "seclab start --target local" in calls
