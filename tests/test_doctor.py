"""seclab doctor: each line checked against this machine, the exit status against the verdict."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from lab.check import Check
from lab.commands.doctor import command
from lab.doctor import audit_access, busybox, kernel_seccomp, target_works
from lab.targets.capabilities import missing_capabilities
from lab.targets.commands import CommandError, Completed
from lab.targets.docker.offline import is_dynamic
from lab.targets.docker.versions import log_flag_blocker, parse_version
from lab.targets.tool_checks import tools


def test_kernel_line_reports_the_kernels_own_actions() -> None:
    checks = {c.name: c for c in kernel_seccomp()}
    avail = Path("/proc/sys/kernel/seccomp/actions_avail").read_text().split()
    assert checks["kernel seccomp"].status == "ok"
    assert checks["kernel seccomp"].detail.split()[1:] == avail
    assert "local" in checks["kernel seccomp"].needed_by


def test_static_and_dynamic_binaries_are_told_apart() -> None:
    busybox_path = shutil.which("busybox")
    if busybox_path is None:
        pytest.skip("busybox is not installed (apt-get install busybox-static)")
    assert is_dynamic(Path(busybox_path).resolve()) is False
    assert is_dynamic(Path(sys.executable).resolve()) is True  # CPython links libc
    assert busybox()[0].status == "ok"


@pytest.mark.root
def test_root_can_read_audit_records() -> None:
    assert {c.name: c.status for c in audit_access()}["audit records"] == "ok"


def test_missing_and_present_tools() -> None:
    # kind cannot run here: a runner stands in for it and for kubectl.
    def runner(argv, *, timeout, input=None, check=True, env=None):
        if argv[0] == "kind":
            raise CommandError(argv, "kind is not installed or not on PATH")
        out = json.dumps({"clientVersion": {"gitVersion": "v1.31.0"}})
        return Completed(tuple(argv), 0, out, "")

    checks = {c.name: c for c in tools(runner)}
    assert checks["kind"].status == "missing" and "kind.sigs.k8s.io" in (checks["kind"].fix or "")
    assert (checks["kubectl"].status, checks["kubectl"].detail) == ("ok", "v1.31.0")
    assert target_works(list(checks.values()), "kind") is False
    assert target_works(list(checks.values()), "local") is True


def test_log_flag_needs_both_docker_23_and_runc_1_2() -> None:
    assert parse_version("20.10.24+dfsg1") == (20, 10, 24)
    assert parse_version("v1.1.5") == (1, 1, 5)
    both = log_flag_blocker("20.10.24+dfsg1", "1.1.5+ds1") or ""
    assert "Docker 20.10.24+dfsg1" in both and "runc 1.1.5+ds1" in both
    assert "runc 1.1.12" in (log_flag_blocker("24.0.7", "1.1.12") or "")
    assert log_flag_blocker("27.3.1", "1.2.0") is None


def test_privileged_line_matches_the_bounding_set() -> None:
    from lab.targets.capabilities import bounding_set

    assert ("CAP_SYS_RESOURCE" in missing_capabilities(bounding_set())) == (
        not bounding_set() >> 24 & 1  # type: ignore[operator]
    )
    assert missing_capabilities((1 << 64) - 1) == []


@pytest.mark.docker
def test_docker_lines_agree_with_the_engine() -> None:
    import docker

    from lab.targets.docker.versions import engine_versions
    from lab.targets.tool_checks import docker_checks

    def no_runc_cli(*args: object, **kwargs: object) -> None:
        raise CommandError(["runc", "--version"], "not found in this test", missing=True)

    checks = {c.name: c for c in docker_checks(no_runc_cli)}  # type: ignore[arg-type]
    engine, runc = engine_versions(docker.from_env().version())
    assert checks["docker engine"].status == "ok" and str(engine) in checks["docker engine"].detail
    flag = checks["SECCOMP_FILTER_FLAG_LOG"]
    assert (flag.status == "ok") == (log_flag_blocker(engine, runc) is None)
    # The doctor starts a throw-away privileged container (building no image); so does this.
    from lab.targets.docker.images import ImageResolver
    from lab.targets.docker.privileged import start_problem

    client = docker.from_env()
    probe = start_problem(client, ImageResolver(client, lambda e: None), None, build=False)
    assert (checks["privileged containers"].status == "ok") == (probe is None)


def test_cli_json_and_exit_status() -> None:
    result = CliRunner().invoke(command, ["--json"])
    report = json.loads(result.output)
    assert set(report["targets"]) == {"local", "docker", "kind"}
    assert {c["status"] for c in report["checks"]} <= {"ok", "missing", "broken"}
    assert result.exit_code == (0 if report["targets"]["local"] else 1)
    kind = CliRunner().invoke(command, ["--target", "kind"])
    assert kind.exit_code == (0 if report["targets"]["kind"] else 1)
    assert "kind" in kind.output


def test_a_broken_line_carries_its_fix() -> None:
    check = Check("x", "broken", "detail", "do this", ("local",))
    assert check.to_json() == {
        "name": "x", "status": "broken", "detail": "detail", "fix": "do this",
        "needed_by": ["local"],
    }  # fmt: skip
    assert target_works([check], "local") is False and target_works([check], "docker") is True
