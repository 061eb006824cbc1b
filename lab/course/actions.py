"""Carrying out a lesson's target-neutral actions on one target."""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

from lab.course.action_context import ActionContext
from lab.course.events import CommandOutput, Info
from lab.course.model import Action
from lab.course.observe import Result
from lab.course.profile_actions import derive, diff, record, source_profile
from lab.targets.base import ExecResult, Phase

START_LIMIT = 90.0  # seconds a request waits for its workload to start (a kind pod's image load)


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


def _compare(ctx: ActionContext, action: Action) -> None:
    """Both results side by side, and what they show (seccomp, the runtime, or the host)."""
    from lab.targets.runtime_default import Comparison

    title = "RuntimeDefault compared with Unconfined"
    saved = [ctx.obs.result(action.name), ctx.obs.result(action.text)]
    ran = [
        ExecResult(r.exit_code, r.stdout, r.stderr) for r in saved if r and r.exit_code is not None
    ]
    lines = [
        f"{label:<15} {_said(result)}"
        for label, result in zip(("RuntimeDefault:", "Unconfined:"), saved, strict=True)
    ]
    if len(ran) < 2:
        why = "one of the two commands did not run to an exit status: nothing to compare"
        ctx.obs.save(action.result_key, Result(None, "", why))
        ctx.listener(Info(title, "\n".join([*lines, "", why])))
        return
    comparison = Comparison(*ran)
    verdict = f"{comparison.verdict}: {comparison.explain()}"
    ctx.obs.save(action.result_key, Result(0, verdict))
    ctx.listener(Info(title, "\n".join([*lines, "", verdict])))


def _said(result: Result | None) -> str:
    if result is None or result.exit_code is None:
        return f"did not run ({(result.stderr if result else '') or 'no result'})".strip()
    text = (result.stderr or result.stdout).strip().splitlines()
    return f"exit status {result.exit_code}" + (f": {text[0]}" if text else ", no output")


def _lint_notes(path: Path) -> str:
    """What `seclab lint` warns about in a profile, below it (nothing when it has no warning)."""
    from lab.profile.lint import lint_file

    warned = [d for d in lint_file(path) if d.severity in ("error", "warning")]
    lines = [f"  line {d.line}: {d.message} [{d.code}]" for d in warned]
    return f"\nseclab lint {path.name}:\n" + "\n".join(lines) if lines else ""


def _until_started(ctx: ActionContext, name: str) -> None:
    """Wait, quietly, while the workload is still starting: a learner sends the request once it
    runs (on kind a pod is ContainerCreating for a while after `kubectl apply`; a request then
    is refused, and a step that needs the learner's request would fail on the lab's haste).
    A workload that failed, crash-loops or is stuck (an image that cannot be pulled) is asked
    at once: its refusal is the lesson."""
    deadline = time.monotonic() + START_LIMIT
    with ctx.target.quietly():
        while time.monotonic() < deadline and not ctx.cancel.is_set():
            state = ctx.target.state(name)
            if state.phase is not Phase.PENDING or state.stuck:
                return
            ctx.cancel.wait(0.5)


def perform(ctx: ActionContext, action: Action) -> None:
    """Do one action; target errors propagate to the runner, which reports them."""
    target, obs, emit = ctx.target, ctx.obs, ctx.listener
    if action.kind == "note":
        emit(Info("note", action.text))
    elif action.kind == "show_profile":
        name = source_profile(ctx, action)
        path = ctx.profile_path(name)
        emit(Info(f"profile {name}", path.read_text(encoding="utf-8") + _lint_notes(path)))
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
        where = (
            target.address(ctx.obs.real(action.name)) if action.workload == "http-echo" else None
        )
        ctx.addresses.pop(action.name, None)
        if where:  # the container's 5678 is reached here, from this machine
            ctx.addresses[action.name] = where
            detail = ", ".join(x for x in (detail, f"reach it at http://{where}/") if x)
        emit(Info(f"{action.name}: {state.phase.value}", detail))
    elif action.kind == "run_once":
        obs.forget(action.name)
        ctx.started_workload(action.name)
        kind = "busybox" if action.workload == "http-echo" else action.workload
        result = target.run_to_completion(ctx.spec(action, kind), timeout=action.timeout)
        obs.save(action.result_key, result)
        obs.ended(action.name, result)
        _show(ctx, action, result)
    elif action.kind == "request":
        _until_started(ctx, obs.real(action.name))
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
        ctx.addresses.pop(action.name, None)
        if action.name in ctx.started:
            ctx.started.remove(action.name)
    elif action.kind == "show_audit":
        _show_audit(ctx, action)
    elif action.kind == "show_audit_sources":
        _show_audit_sources(ctx)
    elif action.kind == "record":
        record(ctx, action)
    elif action.kind == "compare_runtime_default":
        _compare(ctx, action)
    else:  # the loader refuses unknown kinds; this guards a model built by hand
        raise ValueError(f"unknown action {action.kind!r}")
