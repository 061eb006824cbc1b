"""A learner's wrong input: every finished command answers with a clear error, never a traceback,
and leaves no process behind (found by trying them the confused way; each test failed before)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from lab import cli as cli_module
from lab.audit.decode import decode_line, describe, explain
from lab.audit.source import SourceUnavailable
from lab.audit.tail import CommandSource
from lab.profile.diagnostics import Diagnostic
from lab.sandbox import start_sandboxed
from lab.targets.commands import CommandError, SubprocessRunner

REPO = Path(__file__).resolve().parent.parent
_RECORD = ("audit({time}:7): auid=1 uid=0 gid=0 ses=1 pid=42 comm={comm} exe={exe} sig=0 "
           "arch=c000003e syscall=51 compat=0 ip=0x1 code=0x7ffc0000")  # fmt: skip


def _seclab(*args: str) -> click.testing.Result:
    return CliRunner().invoke(cli_module.cli, list(args))


def _run(*args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), **kwargs.pop("env", {})}  # type: ignore[dict-item]
    return subprocess.run(
        [sys.executable, "-m", "lab", *args], cwd=REPO, stdin=subprocess.DEVNULL,
        capture_output=True, text=True, timeout=60, env=env, **kwargs,  # type: ignore[arg-type]
    )  # fmt: skip


def _no_traceback(result: click.testing.Result) -> None:
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception


# --- explain -------------------------------------------------------------------------------


def test_explain_a_record_with_a_time_past_year_9999_is_shown_not_a_traceback() -> None:
    line = _RECORD.format(time="99999999999999999999.1", comm='"x"', exe='"/x"')
    result = _seclab("explain", line)
    _no_traceback(result)
    assert result.exit_code == 0
    assert "out of range" in result.output and "getsockname" in result.output


def test_a_process_name_cannot_send_escape_codes_to_the_terminal() -> None:
    # The kernel hex-encodes a comm holding control bytes; decoding brings ESC back.
    esc_comm, esc_exe = "1B5B33316D41", "2F746D702F1B5D303B78"  # "\x1b[31mA", "/tmp/\x1b]0;x"
    event = decode_line(_RECORD.format(time="1.1", comm=esc_comm, exe=esc_exe))
    assert event is not None and event.comm == "\x1b[31mA"  # the data keeps the real name
    for text in (describe(event), explain(event)):
        assert "\x1b" not in text
        assert "\\x1b[31mA" in text and "/tmp/\\x1b]0;x" in text


def test_explain_dash_reads_standard_input() -> None:
    line = _RECORD.format(time="1.1", comm='"x"', exe='"/x"')
    result = CliRunner().invoke(cli_module.cli, ["explain", "-"], input=line + "\n")
    assert result.exit_code == 0
    assert "getsockname" in result.output


def test_explain_given_a_file_name_says_to_pipe_the_file_in(tmp_path: Path) -> None:
    log = tmp_path / "kern.log"
    log.write_text(_RECORD.format(time="1.1", comm='"x"', exe='"/x"') + "\n")
    result = _seclab("explain", str(log))
    assert result.exit_code == 1
    assert f"{log} is a file" in result.output and f"seclab explain < {log}" in result.output


# --- watch ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--buffer", "-1"], "'--buffer': -1 is not in the range x>=1"),
        (["--buffer", "0"], "'--buffer': 0 is not in the range x>=1"),
        (["--duration", "-1"], "'--duration': -1 is not a number of seconds"),
        (["--duration", "nan"], "'--duration': nan is not a number of seconds"),
        (["--pid", "-5"], "'--pid': -5 is not in the range x>=1"),
        (["--tree", "0"], "'--tree': 0 is not in the range x>=1"),
        (["--command", ""], "'--command': is empty"),
        (["--command", "'docker exec x"], "'--command': No closing quotation"),
        (["--source", "kmsg", "--command", "dmesg -w"], "--command goes with --source command"),
    ],
)
def test_watch_refuses_impossible_values_before_reading_anything(
    args: list[str], said: str
) -> None:
    result = _seclab("watch", *args)
    _no_traceback(result)
    assert result.exit_code == 2
    assert said in result.output


@pytest.mark.parametrize("kind", ["directory", "file without x"])
def test_watch_with_a_command_that_cannot_run_says_why(tmp_path: Path, kind: str) -> None:
    command = tmp_path / "dmesg-w"
    if kind == "directory":
        command.mkdir()
    else:
        command.write_text("#!/bin/sh\n")
        command.chmod(0o644)
    result = _seclab("watch", "--command", str(command), "--duration", "1")
    _no_traceback(result)
    assert result.exit_code == 1
    assert f"command: cannot run {command}: Permission denied" in result.output


def test_command_source_that_is_a_directory_is_unavailable_not_an_oserror() -> None:
    source = CommandSource(["/"])
    with pytest.raises(SourceUnavailable, match="cannot run /"):
        source.open()


def test_watch_with_stdout_closed_ends_quietly() -> None:
    # `seclab watch >&-`: Python starts with sys.stdout None. sh only closes the descriptor.
    done = subprocess.run(
        ["sh", "-c", 'exec "$0" -m lab watch --command "sleep 30" --duration 0 >&-',
         sys.executable], cwd=REPO, stdin=subprocess.DEVNULL, capture_output=True, text=True,
        timeout=60, env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 0
    assert "events shown 0" in done.stderr


# --- running tools: doctor, cluster --------------------------------------------------------


def test_a_tool_without_execute_permission_is_a_command_error(tmp_path: Path) -> None:
    tool = tmp_path / "seclab-qa-tool"
    tool.write_text("#!/bin/sh\necho hi\n")
    tool.chmod(0o644)  # even root cannot exec a file with no x bit
    runner = SubprocessRunner()
    with pytest.raises(CommandError, match="cannot run .*seclab-qa-tool: Permission denied"):
        runner([str(tool)], timeout=10)
    # Found only through PATH, and not runnable: for doctor that is a missing tool.
    path = {"PATH": f"{tmp_path}:{os.environ['PATH']}"}
    with pytest.raises(CommandError, match="seclab-qa-tool is not installed or not on PATH"):
        SubprocessRunner()(["seclab-qa-tool"], timeout=10, env=path)


def _wait_for(path: Path, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().strip():
            return path.read_text().strip()
        time.sleep(0.05)
    raise AssertionError(f"{path} never appeared")


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_sigterm_during_cluster_up_stops_kind_too(tmp_path: Path) -> None:
    # kind cannot run here: a stand-in `kind` that creates nothing and waits, as a slow
    # `kind create cluster` does. It runs in its own session, out of reach of the terminal.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    marker = tmp_path / "kind.pid"
    fake = bin_dir / "kind"
    fake.write_text('#!/bin/sh\n[ "$1 $2" = "get clusters" ] && exit 0\n'
                    f'echo $$ > {marker}\nexec sleep 300\n')  # fmt: skip
    fake.chmod(0o755)
    env = {**os.environ, "PYTHONPATH": str(REPO), "PATH": f"{bin_dir}:{os.environ['PATH']}",
           "XDG_STATE_HOME": str(tmp_path / "state")}  # fmt: skip
    seclab = subprocess.Popen(
        [sys.executable, "-m", "lab", "cluster", "up", "--name", "qa-sigterm"], cwd=REPO,
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
        text=True,
    )  # fmt: skip
    try:
        kind_pid = int(_wait_for(marker, timeout=120))
    finally:
        if not marker.exists():
            seclab.kill()
            print(seclab.communicate())
    try:
        seclab.send_signal(signal.SIGTERM)
        _, err = seclab.communicate(timeout=60)
        assert seclab.returncode == 128 + signal.SIGTERM, err
        assert "Traceback" not in err
        deadline = time.monotonic() + 10
        while _alive(kind_pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(kind_pid), "kind create was left running"
    finally:
        if _alive(kind_pid):
            os.kill(kind_pid, signal.SIGKILL)


@pytest.mark.parametrize("name", ["", "Bad Name!", "UPPER"])
def test_cluster_names_kind_would_refuse_are_usage_errors(name: str) -> None:
    result = _seclab("cluster", "up", "--dry-run", "--name", name)
    assert result.exit_code == 2
    assert "is not a name kind accepts" in result.output


def test_cluster_up_dry_run_prints_commands_that_can_be_pasted(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli_module.cli, ["cluster", "up", "--dry-run"],
        env={"XDG_STATE_HOME": str(tmp_path / "state dir")},
    )  # fmt: skip
    assert result.exit_code == 0
    assert f"--config '{tmp_path}/state dir/seclab/kind-seclab.yaml'" in result.output


# --- Ctrl-C anywhere -----------------------------------------------------------------------


@click.command("qa-interrupted")
def _interrupted() -> None:
    raise KeyboardInterrupt  # what Ctrl-C does while a command loads or runs


def test_ctrl_c_in_any_command_is_status_130_not_aborted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(cli_module.COMMANDS, "qa-interrupted", f"{__name__}:_interrupted")
    result = _seclab("qa-interrupted")
    assert result.exit_code == 130
    assert "interrupted" in result.output and "Aborted!" not in result.output


# --- exec ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "said"), [("", "is empty"), ("-", "stays the command's")])
def test_exec_profile_that_names_no_file_is_a_usage_error(name: str, said: str) -> None:
    result = _seclab("exec", "--profile", name, "--", "true")
    assert result.exit_code == 2
    assert f"'--profile': {'is empty' if not name else 'cannot be -'}" in result.output
    assert said in result.output


def _python_catches_sigint_or_command_runs(pid: int) -> None:
    """Wait until the launcher's Python has its KeyboardInterrupt handler, or the command runs."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        status = dict(line.split(":\t", 1) for line in
                      Path(f"/proc/{pid}/status").read_text().splitlines())  # fmt: skip
        if int(status["SigCgt"], 16) & (1 << (signal.SIGINT - 1)) or status["Name"] == "sleep":
            return
        time.sleep(0.001)
    raise AssertionError("the launcher never started")


def test_exec_ctrl_c_while_the_launcher_starts_ends_it_quietly() -> None:
    # A Ctrl-C that lands while the launcher's Python imports (its handler is in place) must
    # end it like the command, not with a KeyboardInterrupt traceback and status 1.
    proc = start_sandboxed(None, ["sleep", "30"], stderr=subprocess.PIPE, text=True)
    _python_catches_sigint_or_command_runs(proc.pid)
    os.kill(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    outcome = proc.outcome()
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert outcome.exit_code == 130


def test_the_command_gets_sigint_neither_blocked_nor_ignored() -> None:
    status = ("grep", "-E", "^Sig(Blk|Ign)", "/proc/self/status")
    done = _run("exec", "-p", "unconfined", "--", *status)
    fields = dict(line.split(":\t") for line in done.stdout.splitlines())
    sigint = 1 << (signal.SIGINT - 1)
    assert not int(fields["SigBlk"], 16) & sigint
    assert not int(fields["SigIgn"], 16) & sigint


def test_exec_a_command_name_that_is_not_utf8_is_not_found_without_a_traceback() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "lab", "exec", "-p", "audit.json", "--", b"/nonexistent/\xff"],
        cwd=REPO, stdin=subprocess.DEVNULL, capture_output=True, timeout=60,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    assert b"Traceback" not in done.stderr
    assert done.returncode == 127
    assert b"/nonexistent/" in done.stderr and b"command not found" in done.stderr


def test_exec_into_a_closed_pipe_ends_as_a_shell_would_quietly() -> None:
    done = subprocess.run(
        ["sh", "-c", 'exec "$0" -m lab exec -p unconfined -- seq 1 1000000 | head -n 1',
         sys.executable], cwd=REPO, stdin=subprocess.DEVNULL, capture_output=True, text=True,
        timeout=60, env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    assert done.stdout == "1\n"
    assert done.stderr == ""


def test_exec_status_127_under_an_allow_list_explains_the_silent_loader() -> None:
    # /bin/true is dynamically linked; the busybox echo allow-list lacks what ld.so needs.
    done = _run("exec", "-p", "fine-grained-busybox-echo.json", "--", "true")
    assert done.returncode == 127
    assert "dynamic loader could not load its libraries" in done.stderr


# --- lint ----------------------------------------------------------------------------------


def test_lint_cuts_a_megabyte_value_in_its_message(tmp_path: Path) -> None:
    profile = tmp_path / "huge.json"
    profile.write_text(json.dumps({"defaultAction": "A" * 1_000_000}))
    result = _seclab("lint", str(profile))
    assert result.exit_code == 1
    assert len(result.output) < 2_000
    assert '"AAAAAAAAAA' in result.output and "…" in result.output


def test_short_quoted_values_are_kept_whole_between_long_text() -> None:
    message = '"read" is listed with SCMP_ACT_ALLOW at line 3, and again further down. Use "x"'
    assert Diagnostic("p", 1, 1, "error", "c", message).message == message


def test_a_missing_profile_lists_every_lab_profile() -> None:
    result = _seclab("exec", "--profile", "no-such-profile.json", "--", "true")
    assert result.exit_code == 125
    for shipped in (REPO / "profiles").glob("*.json"):
        assert shipped.name in result.output


# --- help ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [["lint"], ["explain"], ["exec"], ["watch"], ["doctor"], ["reset"], ["cluster"],
     ["cluster", "up"]],  # fmt: skip
)
def test_help_of_each_finished_command_has_examples_and_exit_statuses(command: list[str]) -> None:
    result = _seclab(*command, "--help")
    assert result.exit_code == 0
    example = "seclab " + " ".join(command)
    examples = [line for line in result.output.splitlines() if line.strip().startswith(example)]
    assert examples, f"no example of {example} in its help"
    if command != ["cluster", "up"]:
        assert "Exit status" in result.output


# --- a state folder that cannot exist (read-only or missing home) --------------------------


@pytest.fixture
def unwritable_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")  # mkdir under a regular file fails, even for root
    monkeypatch.setenv("XDG_STATE_HOME", str(blocker))
    return blocker


def test_reset_local_without_a_state_folder_finds_nothing(unwritable_state: Path) -> None:
    result = _seclab("reset", "--target", "local", "--dry-run")
    _no_traceback(result)
    assert result.exit_code == 0
    assert "local: nothing of the lab's to remove" in result.output


def test_cluster_up_dry_run_needs_no_state_folder(unwritable_state: Path) -> None:
    result = _seclab("cluster", "up", "--dry-run")
    _no_traceback(result)
    assert result.exit_code == 0
    assert f"written to {unwritable_state}/seclab/kind-seclab.yaml" in result.output


def test_cluster_up_without_a_state_folder_says_how_to_choose_one(
    unwritable_state: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # kind cannot run here: a stand-in that knows no clusters, so `up` goes on to write its config.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "kind").write_text("#!/bin/sh\nexit 0\n")
    (bin_dir / "kind").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    result = _seclab("cluster", "up")
    _no_traceback(result)
    assert result.exit_code == 1
    assert f"cannot create seclab's state folder {unwritable_state}/seclab" in result.output
    assert "set XDG_STATE_HOME to a folder you can write" in result.output


# --- standard input closed (`<&-`) ---------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "said"),
    [("explain", "give audit lines as arguments"), ("explain -", "give audit lines"),
     ("lint -", "standard input is closed")],  # fmt: skip
)
def test_closed_stdin_is_a_usage_error(args: str, said: str) -> None:
    done = subprocess.run(
        ["sh", "-c", f'exec "$0" -m lab {args} <&-', sys.executable], cwd=REPO,
        capture_output=True, text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 2
    assert said in done.stderr


@pytest.mark.parametrize(
    ("args", "said"),
    [(["--comm", ""], "an empty comm matches nothing"),
     (["--exe", " "], "an empty exe matches nothing"),
     (["--container", ""], "an empty container matches nothing"),
     (["--pod", ""], "an empty pod matches nothing"),
     (["--tree", "4194304"], "no process 4194304 is running")],  # fmt: skip
)
def test_watch_filters_that_could_never_match_are_usage_errors(args: list[str], said: str) -> None:
    result = _seclab("watch", *args)
    assert result.exit_code == 2
    assert said in result.output


@pytest.mark.parametrize("attempt", range(5))  # the window it once leaked in was narrow
def test_sighup_to_watch_stops_its_log_command(tmp_path: Path, attempt: int) -> None:
    # The terminal closing sends SIGHUP; the log command runs in its own session, so only
    # seclab can stop it.
    marker = tmp_path / "log.pid"
    watch = subprocess.Popen(
        [sys.executable, "-m", "lab", "watch", "--command",
         f"sh -c 'echo $$ > {marker}; exec sleep 300'"], cwd=REPO, stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    log_pid = int(_wait_for(marker))
    try:
        watch.send_signal(signal.SIGHUP)
        _, err = watch.communicate(timeout=30)
        assert watch.returncode == 128 + signal.SIGHUP
        assert "Traceback" not in err
        deadline = time.monotonic() + 10
        while _alive(log_pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(log_pid), "the log command was left running"
    finally:
        if _alive(log_pid):
            os.kill(log_pid, signal.SIGKILL)


# --- a folder this user may not read -------------------------------------------------------


def _without_dac_override(*args: str) -> subprocess.CompletedProcess[str]:
    """seclab as root without the capabilities that ignore file modes: like a plain user."""
    return subprocess.run(
        ["setpriv", "--bounding-set", "-dac_override,-dac_read_search",
         sys.executable, "-m", "lab", *args], cwd=REPO, stdin=subprocess.DEVNULL,
        capture_output=True, text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip


@pytest.fixture
def locked_folder(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "locked"
    folder.mkdir()
    (folder / "profile.json").write_text('{"defaultAction": "SCMP_ACT_ALLOW"}')
    (folder / "tool").write_text("#!/bin/sh\n")
    (folder / "tool").chmod(0o755)
    folder.chmod(0)
    yield folder
    folder.chmod(0o755)


@pytest.mark.root
@pytest.mark.parametrize(
    ("args", "code", "said"),
    [(["lint", "{f}/profile.json"], 1, "cannot read the file: Permission denied"),
     (["exec", "-p", "{f}/profile.json", "--", "true"], 125, "cannot read the file"),
     (["exec", "-p", "audit.json", "--", "{f}/tool"], 126, "{f}/tool: permission denied")],
)  # fmt: skip
def test_files_in_a_folder_this_user_cannot_read(
    locked_folder: Path, args: list[str], code: int, said: str
) -> None:
    done = _without_dac_override(*(a.format(f=locked_folder) for a in args))
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == code
    assert said.format(f=locked_folder) in done.stdout + done.stderr


def test_a_mistyped_command_gets_a_suggestion() -> None:
    result = _seclab("lnt", "audit.json")
    assert result.exit_code == 2
    assert "No such command 'lnt'. Did you mean `seclab lint`?" in result.output


def test_a_log_command_that_is_not_installed_is_not_a_permission_problem() -> None:
    # journalctl's own fix is about permissions (sudo, the systemd-journal group).
    source = CommandSource(["seclab-no-such-journalctl"], name="journal",
                           fix="run with sudo or join the group `systemd-journal`")  # fmt: skip
    with pytest.raises(SourceUnavailable) as caught:
        source.open()
    assert caught.value.why == "seclab-no-such-journalctl is not installed"
    assert "install seclab-no-such-journalctl" in caught.value.fix
    assert "sudo" not in caught.value.fix


def test_cluster_without_kind_says_first_that_kind_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # a PATH with no kind on it
    for sub in ("up", "status", "down"):
        result = _seclab("cluster", sub)
        assert result.exit_code == 1
        said = "error: kind is not installed or not on PATH: the lab runs `kind get "
        assert said in result.output
        assert "fix: install kind: https://kind.sigs.k8s.io/" in result.output


def test_lint_suggests_spellings_for_the_first_50_unknown_names_only(tmp_path: Path) -> None:
    # Each suggestion is a difflib search over every syscall name (~10 ms): a generated file
    # with 50,000 unknown names took minutes. The first 50 still get their "did you mean".
    from lab.profile.syscalls import all_syscall_names

    typos = [name + "q" for name in sorted(all_syscall_names()) if len(name) > 5][:80]
    profile = tmp_path / "typos.json"
    profile.write_text(json.dumps({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
        {"names": typos, "action": "SCMP_ACT_ALLOW"}]}))  # fmt: skip
    result = _seclab("lint", "--json", str(profile))
    hints = [d["suggestion"] for d in json.loads(result.output)[0]["diagnostics"]
             if d["code"] == "unknown-syscall"]  # fmt: skip
    assert len(hints) == 80
    assert all(h.startswith("did you mean") for h in hints[:50]), hints[:50]
    assert all(h == "check the spelling against `man 2 syscalls`" for h in hints[50:])


def test_exec_lists_at_most_20_unknown_syscall_names(tmp_path: Path) -> None:
    profile = tmp_path / "unknown.json"
    profile.write_text(json.dumps({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
        {"names": [f"nosuch{i}" for i in range(30)], "action": "SCMP_ACT_ERRNO"}]}))  # fmt: skip
    done = _run("exec", "-p", str(profile), "--", "true")
    assert done.returncode == 0
    assert "nosuch19 and 10 more" in done.stderr and "nosuch20" not in done.stderr


@pytest.mark.parametrize("kind", ["not executable", "missing"])
def test_exec_when_the_launcher_interpreter_cannot_run_says_so_like_a_shell(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    # As user nobody with a venv whose interpreter lives under /root, the launcher's exec fails
    # with EACCES; a file without execute permission fails the same way, even for root.
    python = tmp_path / "python3"
    if kind == "not executable":
        python.write_text("")
    monkeypatch.setattr(sys, "executable", str(python))
    result = _seclab("exec", "--profile", "audit.json", "--", "true")
    _no_traceback(result)
    assert result.exit_code == (126 if kind == "not executable" else 127)
    assert f"cannot run seclab's launcher: its Python interpreter {python}" in result.output
    assert "Install seclab with a Python this user can run" in result.output
