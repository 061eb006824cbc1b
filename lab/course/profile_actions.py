"""Actions that read or write profiles: show, derive, diff, and record a workload's own."""

from __future__ import annotations

import json
from pathlib import Path

from lab.course.action_context import ActionContext
from lab.course.events import Info
from lab.course.model import Action
from lab.course.observe import Result
from lab.safe_files import private_dir, write_atomic
from lab.targets.base import TargetError


def source_profile(ctx: ActionContext, action: Action) -> str:
    choice = action.source or action.profile
    name = ctx.profile_name(choice) if choice else None
    if name is None or not name.endswith(".json"):
        raise TargetError(f"line {action.line}: {action.kind} needs a profile file on this target")
    return name


def diff(ctx: ActionContext, action: Action) -> None:
    from lab.profile.diagnostics import ProfileError
    from lab.profile.diff import diff_profiles
    from lab.profile.lint import load_profile

    old = source_profile(ctx, action)
    try:
        result = diff_profiles(
            load_profile(ctx.profile_path(old)), load_profile(ctx.profile_path(action.text))
        )
    except ProfileError as exc:
        raise TargetError(str(exc)) from None
    body = "\n".join(result.lines()) or "no difference"
    ctx.listener(Info(f"seclab profile diff {old} {action.text}", body))


def derive(ctx: ActionContext, action: Action) -> None:
    source = source_profile(ctx, action)
    data = json.loads(ctx.profile_path(source).read_text(encoding="utf-8"))
    if action.default_action:
        data["defaultAction"] = action.default_action
    if action.flags is not None:
        if action.flags:
            data["flags"] = list(action.flags)
        else:
            data.pop("flags", None)
    _write_profile(ctx, action.save_as, data)
    ctx.target.sync_profiles()
    changes = [f"defaultAction {data['defaultAction']}"]
    if action.flags is not None:
        changes.append(f"flags {list(action.flags) or 'none'}")
    ctx.listener(Info(f"wrote {action.save_as} from {source}", "; ".join(changes)))


def _write_profile(ctx: ActionContext, name: str, data: dict[str, object]) -> Path:
    path = private_dir(ctx.workdir) / name
    write_atomic(path, json.dumps(data, indent=2) + "\n", mode=0o644)  # runtimes read it
    ctx.derived[name] = path
    return path


def record(ctx: ActionContext, action: Action) -> None:
    from lab.course.recording import record_workload

    ctx.started_workload(action.name)
    outcome = record_workload(
        ctx.target,
        ctx.obs.real(action.name),
        action.workload,
        audit=ctx.obs.audit,
        forks=ctx.obs.forks,
        cancel=ctx.cancel,
        exercise=action.exercise,
        on_progress=lambda text: ctx.listener(Info("recorder", text)),
    )
    path = _write_profile(ctx, action.save_as, outcome.profile.to_dict())
    ctx.target.sync_profiles()
    summary = outcome.summary()
    ctx.obs.save(action.result_key, Result(0 if outcome.verified else 1, summary))
    ctx.listener(Info(f"wrote {path.name}", summary))
