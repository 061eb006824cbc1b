"""`seclab exec` and the sandbox API on the real kernel: ERRNO, KILL, LOG, a denied execve."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from lab.audit.capture import AuditCapture
from lab.cli import cli
from lab.profile.lint import load_profile
from lab.profile.model import Profile
from lab.sandbox import run_sandboxed, start_sandboxed

REPO = Path(__file__).resolve().parent.parent
BUSYBOX = "/bin/busybox"
needs_busybox = pytest.mark.skipif(
    not os.path.exists(BUSYBOX), reason="needs busybox-static (apt-get install busybox-static)"
)


def seclab(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lab", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )


def profile(default: str = "SCMP_ACT_ALLOW", **fields: object) -> Profile:
    return Profile.from_dict({"defaultAction": default, **fields})


@needs_busybox
def test_block_mkdir_fails_with_eperm_and_the_process_carries_on(tmp_path: Path) -> None:
    target = tmp_path / "made"
    proc = seclab("exec", "--profile", "block-mkdir.json", "--", BUSYBOX, "mkdir", str(target))
    assert proc.returncode == 1  # busybox reports the failure and exits normally
    assert "Operation not permitted" in proc.stderr
    assert "SIGSYS" not in proc.stderr
    assert not target.exists()


@needs_busybox
def test_kill_mkdir_dies_of_sigsys_with_status_159(tmp_path: Path) -> None:
    target = tmp_path / "made"
    proc = seclab("exec", "--profile", "kill-mkdir", "--", BUSYBOX, "mkdir", str(target))
    assert proc.returncode == 159
    assert "killed by SIGSYS (seccomp)" in proc.stderr
    assert not target.exists()


def test_violation_denies_the_exec_itself_and_says_so() -> None:
    proc = seclab("exec", "--profile", "violation.json", "--", "true")
    assert proc.returncode == 126
    assert "the profile denies execve: the command could not start" in proc.stderr
    assert "(Operation not permitted)" in proc.stderr
    assert "violation-pod never starts" in proc.stderr


def test_violation_through_the_api_reports_the_errno() -> None:
    result = run_sandboxed(load_profile("violation.json"), ["true"])
    assert (result.exit_code, result.exec_errno) == (126, errno.EPERM)
    assert result.profile_denies_execve
    # The launcher could not call exit_group either: glibc's fallback fault ended it.
    assert result.signal is not None


def test_a_denied_execve_with_another_errno_shows_that_errno() -> None:
    result = run_sandboxed(profile("SCMP_ACT_ERRNO", defaultErrnoRet=errno.EACCES), ["true"])
    assert result.exec_errno == errno.EACCES
    assert "(Permission denied)" in (result.message() or "")


@needs_busybox
def test_errno_ret_changes_the_error_the_command_sees(tmp_path: Path) -> None:
    rule = {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": errno.EROFS}
    result = run_sandboxed(profile(syscalls=[rule]), [BUSYBOX, "mkdir", str(tmp_path / "d")])
    assert result.exit_code == 1
    assert "Read-only file system" in result.stderr


@needs_busybox
def test_default_errno_ret_applies_to_everything_not_allowed(tmp_path: Path) -> None:
    # Enough for static busybox to start, report and exit; mkdir is left to the default.
    allowed = ["execve", "brk", "arch_prctl", "set_tid_address", "set_robust_list", "rseq"]
    allowed += ["prlimit64", "getrandom", "mprotect", "readlink", "readlinkat", "getuid"]
    allowed += ["prctl", "uname", "write", "writev", "exit_group"]
    prof = profile(
        "SCMP_ACT_ERRNO",
        defaultErrnoRet=errno.EACCES,
        syscalls=[{"names": allowed, "action": "SCMP_ACT_ALLOW"}],
    )
    result = run_sandboxed(prof, [BUSYBOX, "mkdir", str(tmp_path / "d")])
    assert result.exit_code == 1
    assert "Permission denied" in result.stderr


@needs_busybox
def test_trace_without_a_tracer_fails_the_call_with_enosys(tmp_path: Path) -> None:
    rule = {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_TRACE"}
    result = run_sandboxed(profile(syscalls=[rule]), [BUSYBOX, "mkdir", str(tmp_path / "d")])
    assert "Function not implemented" in result.stderr


@needs_busybox
@pytest.mark.parametrize("action", ["SCMP_ACT_TRAP", "SCMP_ACT_KILL_PROCESS"])
def test_trap_and_kill_process_end_in_sigsys(tmp_path: Path, action: str) -> None:
    rule = {"names": ["mkdir", "mkdirat"], "action": action}
    result = run_sandboxed(profile(syscalls=[rule]), [BUSYBOX, "mkdir", str(tmp_path / "d")])
    assert (result.exit_code, result.signal) == (159, signal.SIGSYS)
    assert result.message() == "killed by SIGSYS (seccomp)"


PERSONALITY = (
    "import ctypes, sys\n"
    "libc = ctypes.CDLL(None, use_errno=True)\n"
    "libc.personality.argtypes = [ctypes.c_ulong]\n"
    "for arg in (0xFFFFFFFF, 0x8):\n"
    "    ok = libc.personality(arg) != -1\n"
    "    print(arg, 'ok' if ok else ctypes.get_errno())\n"
)


def test_personality_allowed_only_with_the_query_argument() -> None:
    # Docker's default shape: personality passes only for listed values (here: the query).
    rule = {
        "names": ["personality"],
        "action": "SCMP_ACT_ERRNO",
        "args": [{"index": 0, "value": 0xFFFFFFFF, "op": "SCMP_CMP_NE"}],
    }
    result = run_sandboxed(profile(syscalls=[rule]), [sys.executable, "-c", PERSONALITY])
    assert result.stdout.split("\n")[:2] == [f"{0xFFFFFFFF} ok", f"8 {errno.EPERM}"]


def test_the_command_keeps_the_launchers_pid_and_gets_default_signals() -> None:
    result = run_sandboxed(profile(), [sys.executable, "-c", "import os; print(os.getpid())"])
    assert int(result.stdout) == result.pid  # audit records are matched on this pid
    status = run_sandboxed(profile(), ["cat", "/proc/self/status"]).stdout
    fields = dict(line.split(":\t", 1) for line in status.splitlines() if ":\t" in line)
    assert fields["Seccomp"].strip() == "2"  # SECCOMP_MODE_FILTER
    assert fields["NoNewPrivs"].strip() == "1"
    assert not int(fields["SigIgn"], 16) & (1 << (signal.SIGPIPE - 1))


def test_unconfined_means_no_filter() -> None:
    proc = seclab("exec", "--profile", "unconfined", "--", "grep", "^Seccomp:", "/proc/self/status")
    assert proc.returncode == 0
    assert proc.stdout.split() == ["Seccomp:", "0"]


def test_exit_status_and_lookup_errors_follow_the_shell() -> None:
    assert seclab("exec", "-p", "audit.json", "--", "sh", "-c", "exit 7").returncode == 7
    missing = seclab("exec", "-p", "audit.json", "--", "no-such-command-here")
    assert missing.returncode == 127
    assert "no-such-command-here: command not found" in missing.stderr


def test_a_profile_with_lint_errors_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "typo.json"
    bad.write_text(json.dumps({"defaultAction": "SCMP_ACt_ERRNO"}))
    proc = seclab("exec", "--profile", str(bad), "--", "true")
    assert proc.returncode == 125
    assert "refusing profile" in proc.stderr
    assert 'did you mean "SCMP_ACT_ERRNO"' in proc.stderr


def test_notify_is_refused_before_anything_runs(tmp_path: Path) -> None:
    prof = tmp_path / "notify.json"
    rule = {"names": ["mkdir"], "action": "SCMP_ACT_NOTIFY"}
    prof.write_text(json.dumps({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [rule]}))
    proc = seclab("exec", "--profile", str(prof), "--", "touch", str(tmp_path / "ran"))
    assert proc.returncode == 125
    assert "listener" in proc.stderr
    assert not (tmp_path / "ran").exists()


def test_help_teaches_with_examples() -> None:
    proc = seclab("exec", "--help")
    assert proc.returncode == 0
    assert "seclab exec --profile block-mkdir.json -- mkdir /tmp/x" in proc.stdout
    assert "159" in proc.stdout


@pytest.mark.root
@needs_busybox
def test_audit_profile_runs_everything_and_logs_it() -> None:
    with AuditCapture() as capture:
        result = run_sandboxed(load_profile("audit.json"), [BUSYBOX, "echo", "hello"])
        capture.sync()
        events = capture.events([result.pid])
    assert (result.exit_code, result.stdout) == (0, "hello\n")
    names = {e.syscall_name for e in events}
    assert {"write", "exit_group"} <= names  # the command's own calls, not only the launcher's
    assert {e.action for e in events} == {"log"}
    # Between loading the filter and running busybox the launcher makes one syscall: execve.
    ordered = sorted(events, key=lambda e: e.serial)
    busybox = os.path.realpath(BUSYBOX)  # the kernel's exe= names the resolved file
    launcher = [e.syscall_name for e in ordered if e.exe != busybox]
    assert launcher == ["execve"]


@pytest.mark.root
def test_violation_log_leaves_a_record_of_the_denied_execve() -> None:
    with AuditCapture() as capture:
        result = run_sandboxed(load_profile("violation-log.json"), ["true"])
        capture.sync()
        events = capture.events([result.pid])
    assert result.exec_errno == errno.EPERM
    assert ("execve", "errno") in {(e.syscall_name, e.action) for e in events}


@pytest.mark.root
@needs_busybox
def test_includes_caps_applies_only_when_the_launcher_has_the_cap(tmp_path: Path) -> None:
    rule = {
        "names": ["mkdir", "mkdirat"],
        "action": "SCMP_ACT_ERRNO",
        "includes": {"caps": ["CAP_SYS_ADMIN"]},
    }
    prof = tmp_path / "caps.json"
    prof.write_text(json.dumps({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [rule]}))
    with_cap = seclab("exec", "-p", str(prof), "--", BUSYBOX, "mkdir", str(tmp_path / "a"))
    assert "Operation not permitted" in with_cap.stderr
    # Drop CAP_SYS_ADMIN from the bounding set, then exec seclab: root's next exec lacks it.
    drop = (
        "import ctypes, os, sys\n"
        "assert ctypes.CDLL(None).prctl(24, 21, 0, 0, 0) == 0\n"  # PR_CAPBSET_DROP SYS_ADMIN
        "os.execv(sys.executable, [sys.executable, '-m', 'lab', *sys.argv[1:]])\n"
    )
    without = subprocess.run(
        [sys.executable, "-c", drop, "exec", "-p", str(prof), "--", BUSYBOX, "mkdir",
         str(tmp_path / "b")],
        cwd=REPO, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120,
    )  # fmt: skip
    assert without.returncode == 0, without.stderr
    assert (tmp_path / "b").is_dir() and not (tmp_path / "a").exists()


def test_start_sandboxed_needs_a_command() -> None:
    with pytest.raises(ValueError, match="no command"):
        start_sandboxed(None, [])


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(c) for c in path.read_text().split()] if path.exists() else []


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def test_sigterm_to_seclab_exec_reaches_the_command() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "lab", "exec", "-p", "audit.json", "--", "sleep", "600"],
        cwd=REPO,
        stdin=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # Wait (a condition, with a generous guard) until the command itself is running.
        for _ in range(6000):
            kids = _children(proc.pid)
            if kids and _comm(kids[0]) == "sleep":
                break
            time.sleep(0.01)
        else:
            pytest.fail("the command never started")
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 128 + signal.SIGTERM
    assert "killed by SIGTERM" in err


def test_the_launcher_ignores_the_working_directory_and_python_variables(tmp_path: Path) -> None:
    # The launcher imports pyseccomp: a decoy in the working directory or on PYTHONPATH must lose.
    (tmp_path / "pyseccomp.py").write_text("raise SystemExit('imported the decoy module')\n")
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "PYTHONSTARTUP": "/nonexistent"}
    result = run_sandboxed(profile(), ["sh", "-c", 'echo "$PYTHONPATH"'], cwd=tmp_path, env=env)
    assert (result.exit_code, result.launch_error) == (0, None), result.stderr
    assert result.stdout == f"{tmp_path}\n"  # the command still gets the environment it was given


def test_the_command_inherits_no_launcher_descriptors() -> None:
    code = "import os; print(sorted(int(fd) for fd in os.listdir('/proc/self/fd')))"
    result = run_sandboxed(profile(), [sys.executable, "-c", code])
    # stdin, stdout, stderr, and the descriptor listdir itself holds open
    assert json.loads(result.stdout) == [0, 1, 2, 3]


def test_unknown_syscall_names_are_ignored_and_named(tmp_path: Path) -> None:
    prof = tmp_path / "typo.json"
    rule = {"names": ["mkdir", "mkdri"], "action": "SCMP_ACT_ERRNO"}
    prof.write_text(json.dumps({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [rule]}))
    proc = seclab("exec", "--profile", str(prof), "--", "true")
    assert proc.returncode == 0
    assert "ignoring unknown syscalls, as runc does: mkdri" in proc.stderr


_EXIT_RACE = """
import atexit, os, signal, threading, time

state = {}


def kill_child_after_finalizers():
    # Registered before any weakref.finalize exists, so it runs after their exit hook.
    os.kill(state["pid"], signal.SIGKILL)
    time.sleep(1)  # the watcher thread wakes and reads the status page now


atexit.register(kill_child_after_finalizers)
from lab.sandbox import start_sandboxed

proc = start_sandboxed(None, ["/bin/busybox", "sleep", "30"])
state["pid"] = proc.pid
threading.Thread(target=proc.outcome, daemon=True).start()
time.sleep(0.3)
"""


def test_a_watcher_thread_can_read_the_outcome_while_the_interpreter_exits() -> None:
    # A target's watcher thread waits in outcome(); at exit the status page must still be open
    # (it once was closed by a finalizer first: "OSError: [Errno 9] Bad file descriptor").
    if not os.path.exists("/bin/busybox"):
        pytest.skip("needs /bin/busybox (apt-get install busybox-static)")
    proc = subprocess.run([sys.executable, "-c", _EXIT_RACE], capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=60, cwd=REPO)  # fmt: skip
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 0


@pytest.mark.parametrize(
    ("name", "status", "said"),
    [("audit.json", 0, None), ("violation.json", 126, "the profile denies execve")],
)
def test_exec_compiles_the_profile_once(
    monkeypatch: pytest.MonkeyPatch, name: str, status: int, said: str | None
) -> None:
    # It compiled three times (exec, sandbox, launcher): 20 s for a generated 20,000-rule
    # profile. The launcher now loads the program compiled here; the verdicts stay the same.
    import lab.commands.exec as exec_command
    import lab.sandbox as sandbox
    from lab.profile.compile import compile_profile

    calls: list[Profile] = []

    def counted(profile: Profile, *args: Any) -> Any:
        calls.append(profile)
        return compile_profile(profile, *args)

    monkeypatch.setattr(exec_command, "compile_profile", counted)
    monkeypatch.setattr(sandbox, "compile_profile", counted)
    result = CliRunner().invoke(cli, ["exec", "--profile", name, "--", "true"])
    assert result.exit_code == status, result.output
    assert len(calls) == 1
    if said:
        assert said in result.output


def test_the_launcher_compiles_nothing() -> None:
    # The third compilation was in the launcher process, out of reach of the counter above.
    code = "import sys, lab.launcher; print(sorted(set(sys.modules) & {sys.argv[1], sys.argv[2]}))"
    done = subprocess.run(
        [sys.executable, "-c", code, "pyseccomp", "lab.profile.compile"], cwd=REPO,
        capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60,
    )  # fmt: skip
    assert done.stdout.strip() == "[]", done.stderr


def test_a_program_longer_than_the_kernel_takes_is_refused_with_the_reason() -> None:
    rules = [{"names": ["write"], "action": "SCMP_ACT_ERRNO",
              "args": [{"index": 0, "value": 1000 + i, "op": "SCMP_CMP_EQ"}]}
             for i in range(5000)]  # fmt: skip
    result = run_sandboxed(profile(syscalls=rules), ["true"])
    assert result.exit_code == 125
    assert "the kernel refused the filter: Invalid argument" in (result.launch_error or "")
    assert "the kernel takes at most 4096" in (result.launch_error or "")
