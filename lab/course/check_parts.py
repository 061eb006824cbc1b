"""The checks of a step, read from YAML; each names a workload or result started before it."""

from __future__ import annotations

from typing import Any

import yaml

from lab.course.errors import did_you_mean
from lab.course.model import AUDIT_ACTIONS, PHASES, Check
from lab.course.parts import ONLY, Context, fields_of, list_of, only_of, single, url_path
from lab.course.yamlnodes import line_of
from lab.profile.model import ACTIONS as ACTIONS_SCMP

_WAIT = ("timeout", "interval", "arch", "explain", *ONLY)
ARCHES = ("x86_64", "aarch64")
CHECKS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "state": (("name", "phase"), ("reason", "exit_code", "signal", *_WAIT)),
    "http": (("name",), ("path", "status", "contains", "not_contains", "fails", *_WAIT)),
    "served": (("name",), ("path", "min", *_WAIT)),
    "lint": (("file",), ("refuse_default", *ONLY)),
    "output": (("of",), ("exit_code", "signal", "contains", "not_contains", *_WAIT)),
    "audit": (
        ("name",),
        ("count", "min", "max", "present", "absent", "any_of", "action", "signal", *_WAIT),
    ),
}
DEFAULT_TIMEOUT = {
    "state": 90.0, "http": 30.0, "served": 3.0, "lint": 0.0, "output": 0.0, "audit": 10.0
}  # fmt: skip


def parse_checks(ctx: Context, node: yaml.Node | None) -> tuple[Check, ...]:
    if node is None:
        return ()
    return tuple(_check(ctx, item) for item in ctx.reader.sequence(node, "checks"))


def _check(ctx: Context, node: yaml.Node) -> Check:
    from lab.profile.syscalls import all_syscall_names, is_known_syscall

    r = ctx.reader
    kind, value = single(r, node, CHECKS, "check")
    f = fields_of(r, kind, value, CHECKS)
    name_node = {"output": f.get("of"), "lint": f.get("file")}.get(kind) or f["name"]
    name = r.text(name_node, "the name")
    pool, what = (ctx.workloads, "workloads")
    if kind == "output":
        pool, what = (ctx.results, "saved results")
    if kind == "lint":
        pool, what = (ctx.files, "files of this exercise")
    if name not in pool:
        raise r.fail(
            name_node,
            f"the {kind} check names '{name}', which no earlier action produced",
            did_you_mean(name, pool, what) if pool else "add the action that produces it first",
        )
    args: dict[str, Any] = {"kind": kind, "line": line_of(node), "name": name}
    args["timeout"] = DEFAULT_TIMEOUT[kind]
    for key in ("timeout", "interval"):
        if key in f:
            args[key] = r.bounded(f[key], key, float, 0 if key == "timeout" else 0.05, 3600)
    if "only" in f:
        args["only"] = only_of(r, f["only"])
    if "arch" in f:
        args["arch"] = r.choice(f["arch"], "an architecture", ARCHES)
    if "phase" in f:
        args["phases"] = tuple(r.choice(n, "a phase", PHASES) for n in list_of(r, f["phase"]))
    for key, low, high in (("exit_code", 0, 255), ("signal", 1, 64), ("status", 100, 599)):
        if key in f:
            args[key] = r.bounded(f[key], key, int, low, high)
    if "count" in f:
        args["min_count"] = args["max_count"] = r.bounded(f["count"], "count", int, 0, 10**9)
    for key, target in (("min", "min_count"), ("max", "max_count")):
        if key in f:
            args[target] = r.bounded(f[key], key, int, 0, 10**9)
    if args.get("min_count", 0) > args.get("max_count", 10**9):
        raise r.fail(node, "min is larger than max: no count can pass", "swap them")
    if "refuse_default" in f:
        args["refuse"] = tuple(
            r.choice(n, "a default action", ACTIONS_SCMP) for n in list_of(r, f["refuse_default"])
        )
    if "explain" in f:
        args["explain"] = r.text(f["explain"], "explain")
    if "reason" in f:
        args["reason"] = r.text(f["reason"], "reason")
    if "path" in f:
        args["path"] = url_path(r, f["path"])
    if "fails" in f:
        args["fails"] = r.scalar(f["fails"], "fails", bool)
    if "contains" in f:
        args["contains"] = r.texts(f["contains"], "contains")
    if "not_contains" in f:
        args["absent_text"] = r.texts(f["not_contains"], "not_contains")
    if "action" in f:
        chosen = [r.choice(n, "the audit action", AUDIT_ACTIONS) for n in list_of(r, f["action"])]
        if isinstance(f["action"], yaml.ScalarNode):
            args["action"] = chosen[0]
        else:
            args["actions"] = tuple(chosen)
    for key in ("present", "absent", "any_of"):
        for item in list_of(r, f[key]) if key in f else []:
            syscall = r.text(item, "a syscall name")
            if not is_known_syscall(syscall):
                raise r.fail(
                    item,
                    f"'{syscall}' is not a syscall libseccomp knows",
                    did_you_mean(syscall, all_syscall_names(), "syscalls").split(" (")[0],
                )
            args[key] = (*args.get(key, ()), syscall)
    return Check(**args)
