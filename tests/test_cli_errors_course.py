"""A learner's and an instructor's wrong input to `seclab run`, `lessons`, `record` and `profile
diff`: a clear error naming the file, the place and a fix, never a traceback, nothing left behind
(found by trying them the confused way; each test failed before its fix)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from lab import cli as cli_module
from lab.course.events import CommandOutput, CommandShown, Info
from lab.course.interrupts import first_interrupt_only
from lab.course.loader import find_lesson
from lab.course.transcript import Printer

REPO = Path(__file__).resolve().parent.parent
GOOD = REPO / "tests" / "fixtures" / "lessons" / "good.yaml"


@pytest.fixture(autouse=True)
def own_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))


def _seclab(*args: str, input: str | None = None) -> click.testing.Result:
    result = CliRunner().invoke(cli_module.cli, list(args), input=input)
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def _lesson(tmp_path: Path, name: str, body: str | bytes) -> str:
    path = tmp_path / name
    if isinstance(body, bytes):
        path.write_bytes(body)
    else:
        path.write_text(body, encoding="utf-8")
    return str(path)


# --- seclab run: an instructor's lesson file --------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message", "fix"),
    [
        # PyYAML's ReaderError and RecursionError were tracebacks.
        (b"id: x\x00\n", ":1:6: not valid YAML: character #x0000", "plain UTF-8 text"),
        ("id: " + "[" * 5000 + "]" * 5000 + "\n", "nested thousands deep", "lessons/ folder"),
        # The codec's own words, no line and no fix.
        (bytes(range(256)) * 4, "this is binary data, not a lesson", "lessons/ folder"),
        ("id: good\ntitle: Le\xe7on\n".encode("latin-1"), ":2:10: the file is not UTF-8", "UTF-8"),
        # The fix said "check indentation and quoting" for a tab.
        (
            GOOD.read_text().replace("    title: Start", "\ttitle: Start"),
            ":11:1:",
            "not allow tabs",
        ),
    ],
    ids=["nul", "deep", "binary", "latin-1", "tab"],
)
def test_a_broken_lesson_file_is_refused_with_its_place_and_a_fix(
    tmp_path: Path, body: str | bytes, message: str, fix: str
) -> None:
    path = _lesson(tmp_path, "mine.yaml", body)
    result = _seclab("run", path)
    assert result.exit_code == 2
    assert f"{path}" in result.output and message in result.output
    assert "fix: " in result.output and fix in result.output


_STATE = "- state: {name: echo, phase: running}"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        # Each of these loaded: a wait of nan or .inf never ended, 0 polled without pause.
        (_STATE, _STATE[:-1] + ", timeout: .nan}", "timeout must be from 0 to 3600, not .nan"),
        (_STATE, _STATE[:-1] + ", timeout: .inf}", "timeout must be from 0 to 3600"),
        (_STATE, _STATE[:-1] + ", interval: 0}", "interval must be from 0.05"),
        ("min: 1,", "min: 5, max: 2,", "min is larger than max"),
        ("exit_code: 1,", "exit_code: 300,", "exit_code must be from 0 to 255"),
        # A profile outside profiles/ was read and shown (any file root can read).
        ("show_profile: audit.json", "show_profile: /etc/shadow", "'/etc/shadow' is a path"),
        # Derived profiles are written in the work folder: not in a folder above it.
        ("as: block-mkdir-log.json", "as: ../../x.json", "not a plain profile file name"),
        # One word with a space: "mkdir /tmp/x: command not found" at run time.
        ("command: [mkdir, /tmp/x]", "command: mkdir /tmp/x", "as a list: [mkdir, /tmp/x]"),
        # Neither a container nor a pod can have this name: a target error at run time.
        ("{name: echo, workload", "{name: Echo Server, workload", "cannot be a container or pod"),
        ("request: {name: echo, path: /,", "request: {name: echo, path: health,", "write /health"),
    ],
    ids=["nan", "inf", "interval-0", "min-max", "exit-300", "abs-path", "dotdot", "cmd", "name",
         "path"],
)  # fmt: skip
def test_a_lesson_value_no_target_could_use_is_refused_at_load(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    text = GOOD.read_text()
    assert old in text
    path = _lesson(tmp_path, "mine.yaml", text.replace(old, new, 1))
    result = _seclab("run", path, "--target", "kind")  # kind: the fixture refuses it once loaded
    assert result.exit_code == 2
    assert f"{path}:" in result.output and message in result.output, result.output
    assert "fix: " in result.output


def test_a_folder_a_fifo_or_a_huge_file_is_not_read_as_a_lesson(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "one.yaml").write_text(GOOD.read_text())
    result = _seclab("run", str(folder))
    assert result.exit_code == 2 and "this is a folder, not a lesson file" in result.output
    assert f"e.g. {folder / 'one.yaml'}" in result.output
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    result = _seclab("run", str(fifo))  # reading it blocked for ever
    assert result.exit_code == 2 and "this is not a regular file" in result.output
    huge = _lesson(tmp_path, "huge.yaml", GOOD.read_text() + "# padding\n" * 100_000)
    result = _seclab("run", huge, "--target", "kind")  # it used to load (and then refuse kind)
    assert result.exit_code == 2 and "larger than 512 kB" in result.output


def test_an_empty_missing_or_mistyped_lesson_name_gets_a_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = _seclab("run", "")
    assert result.exit_code == 2 and "no lesson given" in result.output  # was: '.' is a directory
    monkeypatch.chdir(tmp_path)
    result = _seclab("run", "audit.yaml")
    assert result.exit_code == 2 and "audit.yaml: no such file" in result.output
    assert "`seclab run audit`" in result.output
    result = _seclab("run", "./nothere")
    assert result.exit_code == 2 and "no such file" in result.output  # not "no lesson called"
    assert find_lesson("BLOCK-MKDIR").id == "block-mkdir"  # ids are lower-case


@pytest.mark.root
def test_interactive_mode_with_standard_input_ended_says_so_and_cleans_up() -> None:
    result = _seclab("run", "block-mkdir", input="")
    assert result.exit_code == 2  # was 130 and "stopping", as if the learner pressed Ctrl-C
    assert "standard input ended" in result.output and "--auto" in result.output


@pytest.mark.root
def test_without_audit_access_audit_checks_say_why_and_how_to_fix_it(tmp_path: Path) -> None:
    # Root without CAP_AUDIT_READ: the audit capture cannot join the netlink group.
    env = {**os.environ, "PYTHONPATH": str(REPO), "XDG_STATE_HOME": str(tmp_path)}
    drop = ["setpriv", "--bounding-set=-audit_read", "--inh-caps=-all"]
    proc = subprocess.run(
        [*drop, sys.executable, "-m", "lab", "run", "block-mkdir", "--auto"],
        cwd=REPO, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    # Every other check passes; the audit checks are skipped, each saying why and the fix.
    assert proc.returncode == 0, proc.stdout + proc.stderr
    skipped = [line for line in proc.stdout.splitlines() if line.startswith("- audit")]
    assert skipped and all("skipped here: " in line and "sudo" in line for line in skipped)
    assert not [line for line in proc.stdout.splitlines() if line.startswith("✓ audit")]
    # The lesson's hints are about mkdir; they were shown as if they could help here.
    assert "hint: EPERM" not in proc.stdout


def test_a_state_folder_that_cannot_be_created_is_a_warning_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", "/proc/seclab-cannot-be-here")
    result = _seclab("lessons", "--json")
    assert result.exit_code == 0 and "progress is not kept this time" in result.output
    result = _seclab("lessons", "--reset", "audit")
    assert result.exit_code == 1 and "cannot forget the progress" in result.output
    monkeypatch.setenv("PATH", "/nonexistent")  # the kind target then stops at once
    result = _seclab("run", "audit", "--reset", "--target", "kind")  # StateDirError traceback
    assert "warning: progress not reset" in result.output


@pytest.mark.parametrize(
    "args",
    [("check", "exercise-chmod"), ("run", "exercise-chmod", "--auto"),
     ("run", "exercise-chmod")],  # fmt: skip
)
def test_a_data_folder_that_cannot_be_created_is_an_error_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...]
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")  # mkdir under a regular file fails, even for root
    monkeypatch.setenv("XDG_DATA_HOME", str(blocker))
    result = _seclab(*args, "--target", "local", input="")  # StateDirError traceback before
    assert result.exit_code == 2, result.output
    assert f"error: cannot create seclab's data folder {blocker}/seclab" in result.output
    assert "set XDG_DATA_HOME to a folder you can write" in result.output


def test_lessons_target_without_reset_is_a_usage_error() -> None:
    result = _seclab("lessons", "--target", "docker")  # it was silently ignored
    assert result.exit_code == 2 and "use it with --reset" in result.output


# --- what a polling check prints --------------------------------------------------------------


def test_a_command_polled_with_the_same_answer_is_counted_not_printed_60_times() -> None:
    lines: list[str] = []
    printer = Printer(lines.append)
    refused = CommandOutput("curl x", 7, "", "Connection refused")
    for _ in range(60):
        printer(CommandShown("curl x"))
        printer(refused)
    printer(CommandShown("curl x"))
    printer(CommandOutput("curl x", 0, "hello", ""))
    printer(Info("done", ""))
    text = "\n".join(lines)
    assert text.count("$ curl x") == 2 and text.count("Connection refused") == 1
    assert "(the same command and output 59 more times)" in text
    assert text.index("59 more times") < text.index("hello")


# --- Ctrl-C -----------------------------------------------------------------------------------


def test_a_second_ctrl_c_cannot_cut_the_cleanup_short(capfd: pytest.CaptureFixture[str]) -> None:
    cleaned = False
    with first_interrupt_only("still cleaning"):
        try:
            os.kill(os.getpid(), signal.SIGINT)
            pytest.fail("the first Ctrl-C must interrupt")
        except KeyboardInterrupt:
            os.kill(os.getpid(), signal.SIGINT)  # the learner presses it again during cleanup
            os.kill(os.getpid(), signal.SIGTERM)
            cleaned = True
    assert cleaned and "still cleaning" in capfd.readouterr().err
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # put back


def _processes_with(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if marker.encode() in (entry / "environ").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


@pytest.fixture
def marked_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    marker = f"SECLAB_TEST_MARK={uuid.uuid4().hex}"
    env = {**os.environ, "PYTHONPATH": str(REPO), "XDG_STATE_HOME": str(tmp_path / "state")}
    env[marker.split("=")[0]] = marker.split("=")[1]
    yield env
    for pid in _processes_with(marker):  # a failed test must not leave them either
        os.kill(pid, signal.SIGKILL)


@pytest.mark.root
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_mid_recording_leaves_no_process_and_no_output_file(
    tmp_path: Path, marked_env: dict[str, str], sig: signal.Signals
) -> None:
    out = tmp_path / "sleep.json"
    marker = next(f"{k}={v}" for k, v in marked_env.items() if k == "SECLAB_TEST_MARK")
    proc = subprocess.Popen(
        [sys.executable, "-m", "lab", "record", "--out", str(out), "--", "sleep", "30"],
        cwd=REPO, env=marked_env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )  # fmt: skip
    recorded = threading.Event()
    lines: list[str] = []

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("recording run"):
                recorded.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    assert recorded.wait(60), "".join(lines)
    # The recorded command is running once seclab's child exists; only seclab gets the signal
    # (a parent process or `kill`, not the terminal's Ctrl-C, which reaches the whole group).
    while not [p for p in _processes_with(marker) if p != proc.pid]:
        assert proc.poll() is None, "".join(lines)
        threading.Event().wait(0.05)
    proc.send_signal(sig)
    assert proc.wait(60) == 128 + sig
    reader.join(10)
    assert _processes_with(marker) == []  # `sleep 30` outlived seclab before
    assert not out.exists()


# --- seclab record ----------------------------------------------------------------------------


def test_record_out_in_a_missing_folder_is_refused_before_recording(tmp_path: Path) -> None:
    result = _seclab("record", "--out", str(tmp_path / "nowhere" / "x.json"), "--", "true")
    assert result.exit_code == 2  # was a traceback after the whole recording
    assert "does not exist; create it first" in result.output
    assert "recording run" not in result.output


def test_record_never_replaces_an_existing_file_without_force(tmp_path: Path) -> None:
    mine = tmp_path / "mine.json"
    mine.write_text("my hand-written profile\n")
    result = _seclab("record", "--out", str(mine), "--", "true")
    assert result.exit_code == 2 and "exists and is kept" in result.output
    assert "--force" in result.output
    assert mine.read_text() == "my hand-written profile\n"


@pytest.mark.root
def test_record_force_replaces_the_file_whole(tmp_path: Path) -> None:
    mine = tmp_path / "mine.json"
    mine.write_text("old\n")
    result = _seclab("record", "--force", "--out", str(mine), "--", "true")
    assert result.exit_code == 0, result.output
    assert json.loads(mine.read_text())["defaultAction"] == "SCMP_ACT_ERRNO"
    assert [p.name for p in tmp_path.iterdir()] == ["mine.json"]  # no temporary file left


@pytest.mark.root
def test_record_a_command_that_does_not_exist_is_an_error_not_an_empty_profile(
    tmp_path: Path,
) -> None:
    out = tmp_path / "x.json"
    result = _seclab("record", "--out", str(out), "--", "seclab-no-such-command")
    # It wrote {"defaultAction": "SCMP_ACT_ERRNO", "syscalls": []}, "verified", status 0.
    assert result.exit_code == 2
    assert "cannot record: seclab-no-such-command: command not found" in result.output
    assert not out.exists()


@pytest.mark.root
def test_record_a_command_that_fails_says_the_profile_covers_that_run() -> None:
    result = _seclab("record", "--", "sh", "-c", "echo broken >&2; exit 3")
    assert "sh ended with exit status 3 while recorded" in result.output
    assert "broken" in result.output


# --- seclab profile diff ----------------------------------------------------------------------


def _profile(tmp_path: Path, name: str, body: dict[str, object]) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(body))
    return str(path)


def test_diff_ignores_the_order_of_architectures_and_flags(tmp_path: Path) -> None:
    arches = ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"]
    flags = ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"]
    body = {"defaultAction": "SCMP_ACT_ERRNO", "architectures": arches, "flags": flags}
    a = _profile(tmp_path, "a.json", body)
    b = _profile(tmp_path, "b.json", {**body, "architectures": arches[::-1], "flags": flags[::-1]})
    result = _seclab("profile", "diff", a, b)
    assert result.exit_code == 0 and result.output == "no difference\n"


def test_diff_shows_a_changed_errno(tmp_path: Path) -> None:
    rule = {"names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}
    a = _profile(tmp_path, "a.json", {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [rule]})
    b = _profile(tmp_path, "b.json", {"defaultAction": "SCMP_ACT_ALLOW",
                                      "syscalls": [{**rule, "errnoRet": 38}]})  # fmt: skip
    result = _seclab("profile", "diff", a, b)
    assert result.exit_code == 1  # EPERM to ENOSYS: programs react differently; it said "same"
    assert "~ mkdir: SCMP_ACT_ERRNO(1) -> SCMP_ACT_ERRNO(38)" in result.output


def test_diff_reads_one_profile_from_standard_input(tmp_path: Path) -> None:
    a = _profile(tmp_path, "a.json", {"defaultAction": "SCMP_ACT_LOG"})
    result = CliRunner().invoke(cli_module.cli, ["profile", "diff", "-", a],
                                input='{"defaultAction": "SCMP_ACT_ERRNO"}')  # fmt: skip
    assert result.exit_code == 1, result.output  # "-: no such file" before
    assert "defaultAction: 'SCMP_ACT_ERRNO' -> 'SCMP_ACT_LOG'" in result.output
    result = CliRunner().invoke(cli_module.cli, ["profile", "diff", "-", "-"], input="{}")
    assert result.exit_code == 2 and "only one of A and B" in result.output
    result = CliRunner().invoke(cli_module.cli, ["profile", "diff", "-", a], input='{"default')
    assert result.exit_code == 2 and "<stdin>:1:" in result.output


def test_kind_not_installed_names_the_next_step_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no kind, kubectl or docker here
    result = _seclab("run", "audit", "--target", "kind")
    assert result.exit_code == 2
    assert "kind is not installed" in result.output
    assert "then: seclab cluster up" in result.output  # only "install kind" was said


@pytest.mark.root
def test_an_unknown_key_is_not_taken_as_check_and_words_work() -> None:
    # "x" ran the checks (and showed a hint for a failure the learner did not ask about).
    # Enter skips errno's prediction; x is refused, hint shows one, Enter checks; then the
    # mkdirat-only step (Enter checks) and the kill step (Enter skips its prediction, Enter
    # checks); one Enter to spare.
    result = _seclab("run", "block-mkdir", input="\nx\nhint\n\n\n\n\n\n")
    assert result.exit_code == 0, result.output
    assert "Not a key here." in result.output
    assert result.output.count("✓ output mkdir-errno") == 1  # checked once: on Enter
    assert "hint 1/3" in result.output


@pytest.mark.root
def test_record_a_command_that_outlives_timeout_is_stopped_and_recorded(
    marked_env: dict[str, str],
) -> None:
    marker = next(f"{k}={v}" for k, v in marked_env.items() if k == "SECLAB_TEST_MARK")
    proc = subprocess.run(
        [sys.executable, "-m", "lab", "record", "--timeout", "1", "--", "sleep", "30"],
        cwd=REPO, env=marked_env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert "Traceback" not in proc.stderr  # it was subprocess.TimeoutExpired
    assert proc.returncode == 0, proc.stderr
    assert "sleep was still running after 1 s and was stopped" in proc.stderr
    names = json.loads(proc.stdout)["syscalls"][0]["names"]
    assert {"nanosleep", "clock_nanosleep"} & set(names)  # what it was doing when stopped
    assert _processes_with(marker) == []


@pytest.mark.root
def test_record_out_dash_prints_the_profile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = _seclab("record", "--out", "-", "--", "true")
    assert result.exit_code == 0, result.output
    assert '"defaultAction": "SCMP_ACT_ERRNO"' in result.output
    assert not (tmp_path / "-").exists()  # it wrote a file called "-"


@pytest.mark.root
def test_interactive_mode_with_standard_input_closed_says_so(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO), "XDG_STATE_HOME": str(tmp_path)}
    # No fd 0 at all (`<&-`): Python has no sys.stdin, and input() raised RuntimeError.
    closed = ["sh", "-c", 'exec "$@" <&-', "sh", sys.executable, "-m", "lab", "run", "block-mkdir"]
    proc = subprocess.run(closed, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 2 and "standard input ended" in proc.stderr


@pytest.fixture
def course_folder(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[Path], None]]:
    """Point SECLAB_DATA somewhere else; data_root() is cached, so forget it now and after."""
    from lab import paths

    def use(folder: Path) -> None:
        monkeypatch.setenv("SECLAB_DATA", str(folder))
        paths.data_root.cache_clear()

    yield use
    monkeypatch.undo()
    paths.data_root.cache_clear()


def test_one_broken_lesson_in_the_folder_does_not_hide_the_others(
    tmp_path: Path, course_folder: Callable[[Path], None]
) -> None:
    data = tmp_path / "course"
    (data / "lessons").mkdir(parents=True)
    (data / "profiles").symlink_to(REPO / "profiles")
    lesson = (REPO / "lessons" / "block-mkdir.yaml").read_text()
    (data / "lessons" / "block-mkdir.yaml").write_text(lesson)
    (data / "lessons" / "draft.yaml").write_text("id: draft\ntitle:\tTabbed\n")
    course_folder(data)
    result = _seclab("lessons")
    assert result.exit_code == 2  # it listed nothing but the draft's error
    assert "block-mkdir" in result.output and "not listed: " in result.output
    assert "draft.yaml:2:" in result.output
    result = _seclab("run", "blok-mkdir")  # it showed the draft's error instead of a suggestion
    assert (
        "did you mean 'block-mkdir'" in result.output and "not loaded: draft.yaml" in result.output
    )
    course_folder(tmp_path / "nowhere")
    result = _seclab("lessons")  # it listed nothing and said nothing, status 0
    assert result.exit_code == 2 and "there is no lessons folder here" in result.output
