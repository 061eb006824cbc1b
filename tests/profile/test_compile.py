"""Profile -> libseccomp filter, checked in libseccomp's own text form and on the real kernel."""

from __future__ import annotations

import errno
import json
import operator
import sys
import tempfile

import pyseccomp
import pytest

from lab.profile.compile import CompileError, compile_profile, describe_compiled
from lab.profile.conditions import LocalContext, effective_capabilities, parse_kernel
from lab.profile.model import Profile
from lab.sandbox import run_sandboxed

X86_64 = pyseccomp.Arch.X86_64
ALL_CAPS = LocalContext(X86_64, frozenset({"CAP_SYS_ADMIN", "CAP_BPF"}), (6, 1))
NO_CAPS = LocalContext(X86_64, frozenset(), (4, 4))


def profile(default: str = "SCMP_ACT_ALLOW", **fields: object) -> Profile:
    return Profile.from_dict({"defaultAction": default, **fields})


def pfc(prof: Profile, context: LocalContext = ALL_CAPS) -> str:
    """libseccomp's pseudo-filter-code listing of the compiled filter."""
    with tempfile.TemporaryFile("w+") as out:
        compile_profile(prof, context).filter.export_pfc(out)
        out.seek(0)
        return out.read()


def only_native(text: str) -> str:
    return text.split("# filter for arch x86", 2)[1]


pytestmark = pytest.mark.skipif(
    pyseccomp.system_arch() != X86_64, reason="the listings below are x86_64 syscall numbers"
)


@pytest.mark.parametrize(
    ("action", "errno_ret", "shown"),
    [
        ("SCMP_ACT_KILL", None, "action KILL;"),  # runc: KILL is KILL_THREAD
        ("SCMP_ACT_KILL_THREAD", None, "action KILL;"),
        ("SCMP_ACT_KILL_PROCESS", None, "action KILL_PROCESS;"),
        ("SCMP_ACT_TRAP", None, "action TRAP;"),
        ("SCMP_ACT_ERRNO", None, "action ERRNO(1);"),  # EPERM unless errnoRet says otherwise
        ("SCMP_ACT_ERRNO", 38, "action ERRNO(38);"),
        ("SCMP_ACT_TRACE", None, "action TRACE(1);"),
        ("SCMP_ACT_TRACE", 5, "action TRACE(5);"),
        ("SCMP_ACT_LOG", None, "action LOG;"),
    ],
)
def test_rule_actions_as_runc_maps_them(action: str, errno_ret: int | None, shown: str) -> None:
    rule: dict[str, object] = {"names": ["mkdir"], "action": action}
    if errno_ret is not None:
        rule["errnoRet"] = errno_ret
    text = only_native(pfc(profile(syscalls=[rule])))
    assert 'syscall "mkdir" (83)' in text
    assert shown in text.split('"mkdir"')[1]


def test_default_errno_ret_sets_the_default_errno() -> None:
    assert "action ERRNO(13);" in pfc(profile("SCMP_ACT_ERRNO", defaultErrnoRet=13))
    assert "action ERRNO(1);" in pfc(profile("SCMP_ACT_ERRNO"))


def test_notify_is_refused_with_a_reason() -> None:
    rule = {"names": ["mkdir"], "action": "SCMP_ACT_NOTIFY"}
    with pytest.raises(CompileError, match="listener"):
        compile_profile(profile(syscalls=[rule]), ALL_CAPS)
    with pytest.raises(CompileError, match="SCMP_ACT_NOTIFY"):
        compile_profile(profile("SCMP_ACT_NOTIFY"), ALL_CAPS)


def test_unknown_names_are_skipped_and_reported() -> None:
    rule = {"names": ["mkdir", "not_a_syscall"], "action": "SCMP_ACT_ERRNO"}
    compiled = compile_profile(profile(syscalls=[rule]), ALL_CAPS)
    assert compiled.unknown_syscalls == ["not_a_syscall"]
    assert any("not_a_syscall" in line for line in describe_compiled(compiled))


def test_a_rule_repeating_the_default_is_dropped_like_runc_does() -> None:
    rule = {"names": ["read"], "action": "SCMP_ACT_ALLOW"}
    compiled = compile_profile(profile(syscalls=[rule]), ALL_CAPS)
    assert compiled.applied == []
    assert "same action as the default" in compiled.skipped[0]


def test_architectures_are_added_next_to_the_native_one() -> None:
    prof = profile(architectures=["SCMP_ARCH_X86", "SCMP_ARCH_AARCH64"])
    compiled = compile_profile(prof, ALL_CAPS)
    assert compiled.architectures == ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_AARCH64"]
    assert compiled.filter.exist_arch(pyseccomp.Arch.AARCH64)
    assert not compiled.filter.exist_arch(pyseccomp.Arch.X32)


def test_arch_map_keeps_only_the_native_entry() -> None:
    arch_map = [
        {"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86"]},
        {"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"]},
    ]
    compiled = compile_profile(profile(archMap=arch_map), ALL_CAPS)
    assert compiled.architectures == ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"]


def test_a_syscall_missing_on_one_arch_is_left_out_there_only() -> None:
    prof = profile(
        architectures=["SCMP_ARCH_AARCH64"],
        syscalls=[{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO"}],
    )
    compiled = compile_profile(prof, ALL_CAPS)
    assert compiled.applied == [
        "mkdir -> SCMP_ACT_ERRNO (EPERM) (not on SCMP_ARCH_AARCH64: left out there)"
    ]
    aarch64 = pfc(prof).split("filter for arch aarch64")[1]
    assert "ERRNO" in aarch64 and "(34)" not in aarch64  # mkdirat's number: not swapped in


def test_an_unknown_architecture_is_refused() -> None:
    with pytest.raises(CompileError, match="SCMP_ARCH_X86_64"):
        compile_profile(profile(architectures=["amd64"]), ALL_CAPS)


@pytest.mark.parametrize(
    ("flag", "attr"),
    [
        ("SECCOMP_FILTER_FLAG_LOG", pyseccomp.Attr.CTL_LOG),
        ("SECCOMP_FILTER_FLAG_SPEC_ALLOW", pyseccomp.Attr.CTL_SSB),
        ("SECCOMP_FILTER_FLAG_TSYNC", pyseccomp.Attr.CTL_TSYNC),
    ],
)
def test_flags_become_libseccomp_attributes(flag: str, attr: int) -> None:
    assert compile_profile(profile(), ALL_CAPS).filter.get_attr(attr) == 0
    assert compile_profile(profile(flags=[flag]), ALL_CAPS).filter.get_attr(attr) == 1


def test_masked_eq_uses_value_as_mask_and_value_two_as_datum() -> None:
    args = [{"index": 1, "value": 0xF0, "valueTwo": 0x20, "op": "SCMP_CMP_MASKED_EQ"}]
    rule = {"names": ["personality"], "action": "SCMP_ACT_ERRNO", "args": args}
    text = only_native(pfc(profile(syscalls=[rule])))
    assert "if ($a1.lo32 & 0x000000f0 == 32)" in text


def test_two_conditions_on_one_argument_become_two_rules() -> None:
    args = [
        {"index": 0, "value": 1, "op": "SCMP_CMP_EQ"},
        {"index": 0, "value": 2, "op": "SCMP_CMP_EQ"},
    ]
    rule = {"names": ["personality"], "action": "SCMP_ACT_ERRNO", "args": args}
    compiled = compile_profile(profile(syscalls=[rule]), ALL_CAPS)
    assert len(compiled.applied) == 2  # runc: either may match, not both at once


def test_includes_and_excludes_follow_caps_arch_and_kernel() -> None:
    rules = [
        {"names": ["bpf"], "action": "SCMP_ACT_ERRNO", "includes": {"caps": ["CAP_BPF"]}},
        {"names": ["mount"], "action": "SCMP_ACT_ERRNO", "excludes": {"caps": ["CAP_SYS_ADMIN"]}},
        {"names": ["arch_prctl"], "action": "SCMP_ACT_ERRNO", "includes": {"arches": ["amd64"]}},
        {"names": ["ptrace"], "action": "SCMP_ACT_ERRNO", "includes": {"minKernel": "4.8"}},
    ]
    with_caps = compile_profile(profile(syscalls=rules), ALL_CAPS)
    assert [line.split(" ")[0] for line in with_caps.applied] == ["bpf", "arch_prctl", "ptrace"]
    without = compile_profile(profile(syscalls=rules), NO_CAPS)
    assert [line.split(" ")[0] for line in without.applied] == ["mount", "arch_prctl"]
    assert any("needs CAP_BPF" in line for line in without.skipped)
    assert any("kernel 4.8" in line for line in without.skipped)


def test_local_context_reads_this_process() -> None:
    assert parse_kernel("6.18.44-fc-v595") == (6, 18, 44)
    context = LocalContext.current()
    assert context.native_arch == X86_64
    assert context.capabilities == effective_capabilities()


# Every operator on the real kernel: lseek(100, offset) fails with EACCES when the rule matches.
# The rule also requires fd 100, so the interpreter's own lseek calls are left alone.
OPERATORS = {
    "SCMP_CMP_NE": operator.ne,
    "SCMP_CMP_LT": operator.lt,
    "SCMP_CMP_LE": operator.le,
    "SCMP_CMP_EQ": operator.eq,
    "SCMP_CMP_GE": operator.ge,
    "SCMP_CMP_GT": operator.gt,
}
PROBES = [0o021, 0o022, 0o023, 0o027, 0o077]
PROBE_CODE = (
    "import json, os, sys\n"
    "os.dup2(os.open('/dev/null', os.O_RDONLY), 100)\n"
    "seen = []\n"
    "for offset in json.loads(sys.argv[1]):\n"
    "    try:\n"
    "        os.lseek(100, offset, os.SEEK_SET)\n"
    "        seen.append(False)\n"
    "    except OSError as exc:\n"
    "        seen.append(exc.errno)\n"
    "print(json.dumps(seen))\n"
)


def _denials(offset_rule: dict[str, object]) -> list[object]:
    rule = {"names": ["lseek"], "action": "SCMP_ACT_ERRNO", "errnoRet": errno.EACCES}
    args = [{"index": 0, "value": 100, "op": "SCMP_CMP_EQ"}, {"index": 1, **offset_rule}]
    prof = profile(syscalls=[{**rule, "args": args}])
    result = run_sandboxed(prof, [sys.executable, "-c", PROBE_CODE, json.dumps(PROBES)])
    assert result.exit_code == 0, result.stderr
    return list(json.loads(result.stdout))


@pytest.mark.parametrize("op", sorted(OPERATORS))
def test_each_comparison_operator_on_the_kernel(op: str) -> None:
    seen = _denials({"value": 0o022, "op": op})
    assert seen == [errno.EACCES if OPERATORS[op](m, 0o022) else False for m in PROBES]


def test_masked_eq_on_the_kernel() -> None:
    seen = _denials({"value": 0o070, "valueTwo": 0o020, "op": "SCMP_CMP_MASKED_EQ"})
    assert seen == [errno.EACCES if m & 0o070 == 0o020 else False for m in PROBES]
    assert errno.EACCES in seen and False in seen


def test_describe_lists_what_happened() -> None:
    rule = {"names": ["mkdir"], "action": "SCMP_ACT_ERRNO"}
    lines = describe_compiled(compile_profile(profile(syscalls=[rule]), ALL_CAPS))
    assert lines[:2] == ["default: SCMP_ACT_ALLOW", "architectures: SCMP_ARCH_X86_64"]
    assert "applied: mkdir -> SCMP_ACT_ERRNO (EPERM)" in lines
