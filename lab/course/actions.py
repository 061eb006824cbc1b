"""Carrying out a lesson's target-neutral actions on one target."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from lab.course.events import CommandOutput, Info, Listener
from lab.course.model import Action, ProfileChoice
from lab.course.observe import Observations
from lab.course.profile_actions import derive, diff, record, source_profile
from lab.targets.base import ExecResult, ProfileRef, Target, WorkloadSpec

ECHO_TEXT = "-text=just made some syscalls!"


@dataclass
class ActionContext:
    """Where derived profiles go, and which workloads this run started (to clean up)."""

    target: Target
    obs: Observations
    listener: Listener
    workdir: Path
    derived: dict[str, Path] = field(default_factory=dict)
    # The output the target itself last reported, so a result is not printed twice.
    last_output: tuple[str, str] | None = None
    started: list[str] = field(default_factory=list)
    cancel: threading.Event = field(default_factory=threading.Event)

    def profile_name(self, choice: ProfileChoice) -> str | None:
        """The profile this target uses; the offline echo image has its own fine-grained list."""
        name = choice.for_target(self.target.name)
        if name == "fine-grained.json" and _uses_offline_echo(self.target):
            from lab.targets.docker.offline import ECHO_PROFILE

            return ECHO_PROFILE
        return name

    def profile_ref(self, choice: ProfileChoice) -> ProfileRef:
        name = self.profile_name(choice)
        if name is None or name == "unconfined":
            return ProfileRef.unconfined()
        if name == "runtime-default":
            return ProfileRef.runtime_default()
        if name in self.derived:
            return ProfileRef.localhost(str(self.derived[name]))
        return ProfileRef.localhost(name)

    def profile_path(self, name: str) -> Path:
        return self.derived.get(name) or self.target.profiles_dir / name

    def spec(self, action: Action, workload: str | None = None) -> WorkloadSpec:
        kind = workload or action.workload
        args = action.argv or ((ECHO_TEXT,) if kind == "http-echo" else ())
        profile = self.profile_ref(action.profile) if action.profile else ProfileRef.unconfined()
        name = self.obs.real(action.name)
        return WorkloadSpec(name, kind, profile, tuple(args), action.privileged)  # type: ignore[arg-type]

    def started_workload(self, name: str) -> None:
        if name not in self.started:
            self.started.append(name)


def _show(ctx: ActionContext, action: Action, result: ExecResult) -> None:
    """The command's output, unless the target already showed exactly that."""
    if ctx.last_output == (result.stdout, result.stderr):
        return
    command = " ".join(action.argv)
    ctx.listener(
        CommandOutput(command, result.exit_code, result.stdout, result.stderr, result.signal)
    )


def _show_audit(ctx: ActionContext, action: Action) -> None:
    """The workload's audit records so far, counted by syscall and action."""
    events, problem = ctx.obs.audit_events(action.name)
    title = f"audit records of {action.name}"
    if problem:
        ctx.listener(Info(title, problem))
        return
    counts = Counter((e.syscall_name or f"syscall {e.syscall}", e.action) for e in events)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    body = "\n".join(f"{count:>6}  {name:<20} {verdict}" for (name, verdict), count in ranked)
    ctx.listener(Info(f"{title}: {len(events)}, by syscall", body))


def _show_audit_sources(ctx: ActionContext) -> None:
    """Where this machine's seccomp records go: the audit group, auditd, printk's limit."""
    from lab.doctor import audit_access

    lines = []
    for check in audit_access():
        lines.append(f"{check.name}: {check.status}: {check.detail}")
        if check.fix and check.status != "ok":
            lines.append(f"    {check.fix}")
    ctx.listener(Info("where seccomp records go on this machine", "\n".join(lines)))


def _uses_offline_echo(target: Target) -> bool:
    images = getattr(target, "images", None)
    if target.name != "docker" or images is None:
        return False
    return bool(images().uses_offline("http-echo"))


def perform(ctx: ActionContext, action: Action) -> None:
    """Do one action; target errors propagate to the runner, which reports them."""
    target, obs, emit = ctx.target, ctx.obs, ctx.listener
    if action.kind == "note":
        emit(Info("note", action.text))
    elif action.kind == "show_profile":
        name = source_profile(ctx, action)
        emit(Info(f"profile {name}", ctx.profile_path(name).read_text(encoding="utf-8")))
    elif action.kind == "derive_profile":
        derive(ctx, action)
    elif action.kind == "diff":
        diff(ctx, action)
    elif action.kind == "run":
        obs.forget(action.name)
        ctx.started_workload(action.name)
        state = target.run(ctx.spec(action))
        obs.remember_pids(action.name, state.pids)
        detail = ", ".join(x for x in (state.reason or "", state.message or "") if x)
        emit(Info(f"{action.name}: {state.phase.value}", detail))
    elif action.kind == "run_once":
        obs.forget(action.name)
        ctx.started_workload(action.name)
        result = target.run_to_completion(ctx.spec(action, "busybox"), timeout=action.timeout)
        obs.save(action.result_key, result)
        obs.ended(action.name, result)
        _show(ctx, action, result)
    elif action.kind == "request":
        resp = target.request(obs.real(action.name), action.path, timeout=min(action.timeout, 30))
        obs.save(action.result_key, resp)
        if ctx.last_output is not None:  # the target showed its own request and answer
            return
        status = f"HTTP {resp.status}" if resp.status else f"no answer: {resp.error}"
        emit(CommandOutput(f"GET {action.path}", 0 if resp.status else None, resp.body, status))
    elif action.kind == "exec":
        result = target.exec(obs.real(action.name), action.argv, timeout=action.timeout)
        obs.save(action.result_key, result)
        _show(ctx, action, result)
    elif action.kind == "delete":
        target.delete(obs.real(action.name))
        obs.forget(action.name)
        if action.name in ctx.started:
            ctx.started.remove(action.name)
    elif action.kind == "show_audit":
        _show_audit(ctx, action)
    elif action.kind == "show_audit_sources":
        _show_audit_sources(ctx)
    elif action.kind == "record":
        record(ctx, action)
    else:  # the loader refuses unknown kinds; this guards a model built by hand
        raise ValueError(f"unknown action {action.kind!r}")
