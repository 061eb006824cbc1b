"""The filter model shared by `seclab watch` and the TUI's filter box."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys

import pytest

from lab.audit.decode import decode_line
from lab.audit.filters import (
    EventFilter,
    FilterError,
    PidTree,
    make_filter,
    parse_filter_expression,
)
from lab.audit.records import AuditEvent


def _event(nr: int = 83, code: str = "0x50000", pid: int = 4242, comm: str = "http-echo",
           exe: str = "/http-echo", **extra: str) -> AuditEvent:  # fmt: skip
    line = (
        f"audit(1.000:1): auid=0 uid=0 gid=0 ses=1 pid={pid} comm=\"{comm}\" exe=\"{exe}\" "
        f"sig=0 arch=c000003e syscall={nr} compat=0 ip=0x1 code={code}"
    )
    event = decode_line(line)
    assert event is not None
    return dataclasses.replace(event, **extra)


MKDIR_ERRNO = _event()
GETPPID_LOG = _event(nr=110, code="0x7ffc0000", pid=7, comm="python3", exe="/usr/bin/python3")
IN_POD = _event(container_id="ab12" + "0" * 60, container_name="web", pod="audit-pod",
                namespace="default")  # fmt: skip


def _passes(expression: str) -> list[AuditEvent]:
    flt = parse_filter_expression(expression)
    return [e for e in (MKDIR_ERRNO, GETPPID_LOG, IN_POD) if flt.matches(e)]


def test_an_empty_filter_lets_everything_through() -> None:
    assert parse_filter_expression("  ").is_empty
    assert _passes("") == [MKDIR_ERRNO, GETPPID_LOG, IN_POD]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("comm=http-echo action=errno", [MKDIR_ERRNO, IN_POD]),
        ("comm=python3", [GETPPID_LOG]),
        ("comm=py*", [GETPPID_LOG]),
        ("action=log", [GETPPID_LOG]),
        ("action=SCMP_ACT_LOG", [GETPPID_LOG]),
        ("action=errno,log syscall=getppid", [GETPPID_LOG]),
        ("syscall=mkdir", [MKDIR_ERRNO, IN_POD]),
        ("sys=110", [GETPPID_LOG]),
        ("pid=7", [GETPPID_LOG]),
        ("pid=7,4242 action=errno", [MKDIR_ERRNO, IN_POD]),
        ("exe=/usr/bin/python3", [GETPPID_LOG]),
        ("exe=python3", [GETPPID_LOG]),  # a base name is enough
        ("container=web", [IN_POD]),
        ("ctr=ab12", [IN_POD]),  # an id prefix, as `docker ps` shows it
        ("pod=audit-pod", [IN_POD]),
        ("pod=default/audit-pod", [IN_POD]),
        ("ns=default", [IN_POD]),
        ("namespace=kube-system", []),
        ("action=kill", []),
        ('comm="http-echo"', [MKDIR_ERRNO, IN_POD]),
    ],
)
def test_expressions(expression: str, expected: list[AuditEvent]) -> None:
    assert _passes(expression) == expected


def test_comm_longer_than_the_kernel_keeps_still_matches() -> None:
    event = _event(comm="a-very-long-com")  # the kernel keeps 15 bytes
    assert parse_filter_expression("comm=a-very-long-command-name").matches(event)


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("comn=http-echo", "unknown filter key 'comn' (did you mean comm?)"),
        ("action=erno", "unknown action 'erno' (did you mean errno?)"),
        ("syscall=mkdri", "unknown syscall 'mkdri' (did you mean mkdir?)"),
        ("pid=abc", "pid= takes process ids"),
        ("http-echo", "'http-echo' is not key=value"),
        ("comm=", "comm= needs a value, for example comm=http-echo"),
        ('comm="half', "close the quote"),
    ],
)
def test_bad_expressions_say_what_to_fix(expression: str, message: str) -> None:
    with pytest.raises(FilterError) as info:
        parse_filter_expression(expression)
    assert message in str(info.value)


def test_unknown_key_lists_the_keys() -> None:
    with pytest.raises(FilterError) as info:
        parse_filter_expression("colour=red")
    assert "keys:" in str(info.value) and "syscall" in str(info.value)


def test_make_filter_takes_cli_option_values() -> None:
    flt = make_filter(pids=["4242"], actions=["ERRNO"], comms=("http-echo",))
    assert flt.matches(MKDIR_ERRNO) and not flt.matches(GETPPID_LOG)
    assert flt.actions == frozenset({"errno"})


def test_a_pid_callable_and_a_pid_set_are_alternatives() -> None:
    flt = EventFilter(pids=frozenset({1}), pid_in=lambda pid: pid == 7)
    assert flt.matches(GETPPID_LOG) and not flt.matches(MKDIR_ERRNO)


def test_pid_tree_follows_real_processes() -> None:
    # A child that starts a grandchild: both belong to our tree, pid 1 and a stranger do not.
    code = (
        "import subprocess, sys\n"
        "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(30)'])\n"
        "print(p.pid, flush=True)\n"
        "sys.stdin.readline()\n"
        "p.kill()\n"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None
        grandchild = int(child.stdout.readline())
        tree = PidTree([os.getpid()])
        assert tree(grandchild) and grandchild in tree.members and child.pid in tree.members
        assert not tree(1)
        flt = parse_filter_expression(f"tree={os.getpid()}")
        assert flt.matches(_event(pid=grandchild)) and not flt.matches(_event(pid=1))
    finally:
        child.communicate("\n", timeout=30)


def test_pid_tree_answers_no_for_a_process_that_is_gone() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=30,
    )  # fmt: skip
    assert not PidTree([os.getpid()])(int(proc.stdout))


def test_a_lab_container_name_matches_without_its_session_suffix() -> None:
    ours = _event(container_id="cd34" + "0" * 60, container_name="seclab-audit-pod-0a1b2c3d")
    other = _event(container_id="ef56" + "0" * 60, container_name="seclab-audit-pod-extra")
    wanted = make_filter(containers=("seclab-audit-pod",))
    assert wanted.matches(ours)
    assert not wanted.matches(other)  # only the lab's 8-hex session id is left off
    assert make_filter(containers=("seclab-*-pod-*",)).matches(ours)  # a glob
    assert make_filter(containers=("cd34",)).matches(ours)  # an id prefix
    assert not make_filter(containers=("web",)).matches(ours)
