"""`seclab lint` end to end: exit codes, text and JSON output, hostile files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from lab.cli import cli

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "profiles"
GOOD = FIXTURES / "good" / "errno-logged.json"
BAD = FIXTURES / "bad" / "miscased-action.json"
WARNS = FIXTURES / "bad" / "unknown-syscall.json"


def _lint(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["lint", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.output


def test_valid_profile_exits_0() -> None:
    code, output = _lint(str(GOOD))
    assert code == 0
    assert f"{GOOD}: valid" in output
    assert "1 valid, 0 invalid" in output


def test_warnings_alone_still_exit_0() -> None:
    code, output = _lint(str(WARNS))
    assert code == 0
    assert "unknown-syscall" in output


def test_invalid_profile_exits_1_with_place_excerpt_and_hint() -> None:
    code, output = _lint(str(GOOD), str(BAD))
    assert code == 1
    assert f"{BAD}:2:20: error: " in output
    assert '     2 |   "defaultAction": "SCMP_ACt_ERRNO",' in output
    assert "\n       |                    ^\n" in output
    assert 'hint: did you mean "SCMP_ACT_ERRNO"?' in output
    assert "1 valid, 1 invalid" in output


def test_quiet_shows_only_errors() -> None:
    code, output = _lint("-q", str(GOOD), str(WARNS), str(BAD))
    assert code == 1
    assert "unknown-action" in output
    assert "unknown-syscall" not in output and "checked" not in output
    assert str(GOOD) not in output


def test_json_is_one_document_per_run() -> None:
    code, output = _lint("--json", str(GOOD), str(BAD))
    assert code == 1
    files = json.loads(output)
    assert [f["valid"] for f in files] == [True, False]
    (diagnostic,) = files[1]["diagnostics"]
    assert diagnostic["code"] == "unknown-action"
    assert (diagnostic["line"], diagnostic["column"]) == (2, 20)
    assert diagnostic["suggestion"] == 'did you mean "SCMP_ACT_ERRNO"?'
    assert files[1]["counts"] == {"error": 1, "warning": 0, "info": 0}


def test_no_profile_is_a_usage_error() -> None:
    code, output = _lint()
    assert code == 2
    assert "give at least one profile" in output


def test_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    code, output = _lint(str(GOOD), str(tmp_path / "nope.json"))
    assert code == 2
    assert "nope.json: no such profile" in output


def test_bare_name_finds_the_lab_profile() -> None:
    shipped = sorted((Path(__file__).resolve().parents[3] / "profiles").glob("*.json"))
    if not shipped:
        return
    code, output = _lint(shipped[0].name)
    assert code == 0
    assert str(shipped[0]) in output


def test_help_teaches_checks_and_examples() -> None:
    code, output = _lint("--help")
    assert code == 0
    assert "SCMP_ARCH_X86_64" in output and "Examples:" in output and "--json" in output


def test_hostile_files_never_give_a_traceback(tmp_path: Path) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text("{\"a\":" * 50_000 + "1" + "}" * 50_000)
    wide = tmp_path / "wide.json"
    wide.write_bytes(b"[" + b"1," * (2 * 2**20 - 8) + b"1]")
    huge = tmp_path / "huge.json"
    huge.write_bytes(b"[" + b"1," * (3 * 2**20) + b"1]")
    binary = tmp_path / "random.bin"
    binary.write_bytes(bytes(range(256)) * 64)
    files = [str(p) for p in (deep, wide, huge, binary, FIXTURES / "bad" / "latin1.json")]
    # A real process, so a crash would show as a Python traceback on stderr.
    proc = subprocess.run(
        [sys.executable, "-m", "lab", "lint", "--json", *files],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120,
    )
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    codes = [f["diagnostics"][0]["code"] for f in json.loads(proc.stdout)]
    assert codes == ["too-deep", "too-many-values", "too-large", "binary-file", "not-utf8"]


def test_control_characters_never_reach_the_terminal(tmp_path: Path) -> None:
    path = tmp_path / "escape.json"
    path.write_text('{"defaultAction": "SCMP_ACT_LOG", "syscalls": '
                    '[{"names": ["a\\u001b[2Jb"], "action": "SCMP_ACT_ERRNO"}]}')
    code, output = _lint(str(path))
    assert code == 0
    assert "\x1b" not in output
    assert '"a\\x1b[2Jb"' in output


def test_dash_reads_the_profile_from_stdin() -> None:
    result = CliRunner().invoke(cli, ["lint", "--json", "-"],
                                input='{"defaultAction": "SCMP_ACT_LOGG"}')
    assert result.exit_code == 1
    (report,) = json.loads(result.output)
    assert report["path"] == "<stdin>"
    assert report["diagnostics"][0]["suggestion"] == 'did you mean "SCMP_ACT_LOG"?'


def test_a_device_is_refused_rather_than_read() -> None:
    code, output = _lint("/dev/zero")
    assert code == 2
    assert "/dev/zero: is not a regular file" in output


def test_control_characters_in_file_names_are_escaped(tmp_path: Path) -> None:
    path = tmp_path / "evil\x1b]0;owned\x07\x1b[2J.json"
    path.write_text('{"defaultAction": "SCMP_ACT_LOGG"}')
    code, output = _lint(str(path))
    assert code == 1
    assert "\x1b" not in output and "\x07" not in output
    assert "evil\\x1b]0;owned\\x07\\x1b[2J.json: invalid" in output
    assert "evil\\x1b]0;owned\\x07\\x1b[2J.json:1:" in output
    missing, said = _lint(str(tmp_path / "gone\x1b[2J.json"))
    assert missing == 2 and "\x1b" not in said and "gone\\x1b[2J.json: no such profile" in said


def test_an_empty_name_says_what_is_wrong_and_the_fix() -> None:
    code, output = _lint("")
    assert code == 2
    assert "is a directory" not in output
    assert 'seclab lint: "": an empty file name' in output
    assert "seclab lint profiles/audit.json" in output
