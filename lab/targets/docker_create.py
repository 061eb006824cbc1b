"""Creating a workload's container: the `docker run`, its notes for the learner, its failures."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from lab.targets.base import (
    CommandEvent,
    Phase,
    ProfileRef,
    TargetError,
    WorkloadSpec,
    WorkloadState,
)
from lab.targets.capabilities import privileged_blocker
from lab.targets.docker_errors import explain_create_error
from lab.targets.docker_run import ProfileMissing, RunPlan, plan_run
from lab.targets.offline_images import ECHO_PROFILE as STAND_IN_PROFILE
from lab.targets.runtime_versions import profile_asks_for_log_flag

if TYPE_CHECKING:
    from lab.targets.docker import DockerTarget


def create(target: DockerTarget, spec: WorkloadSpec, *, detach: bool) -> tuple[RunPlan, Any]:
    """Start the container; return (plan, container) or record why it failed to create."""
    if spec.privileged:
        blocker = privileged_blocker()
        if blocker:
            raise TargetError(blocker, hint="run this exercise without privileged mode here")
    target.delete(spec.name, quiet=True)
    image = target.images().image_for(spec.workload)
    spec = for_stand_in(target, spec)
    target.track(spec.name)
    try:
        plan = plan_run(
            spec, image, target.profiles_dir, detach=detach,
            restart_limit=target.restart_limit, session=target.session,
        )  # fmt: skip
    except ProfileMissing as exc:
        target.emit(CommandEvent(("docker", "run"), display=exc.display))
        target.emit(CommandEvent(("docker", "run"), 125, stderr=str(exc), display=exc.display))
        target.failed[spec.name] = WorkloadState(
            Phase.FAILED_TO_CREATE, reason="ProfileNotFound", message=str(exc)
        )
        return RunPlan({}, exc.display), None
    import docker.errors

    note_log_flag(target, plan)
    target.emit(CommandEvent(plan.argv, display=plan.display))
    try:
        container = target.docker().containers.run(image, **plan.kwargs)
    except docker.errors.ImageNotFound as exc:
        raise TargetError(str(exc), hint=explain_create_error("No such image")) from exc
    except docker.errors.APIError as exc:
        message = str(exc.explanation or exc)
        target.emit(CommandEvent(plan.argv, exit_code=125, stderr=message, display=plan.display))
        if "apply caps" in message:
            raise TargetError(privileged_blocker() or message, hint=None) from exc
        if target.find_container(spec.name) is None:
            target.failed[spec.name] = failed_state(message)
        return plan, None
    target.emit(CommandEvent(plan.argv, exit_code=0, stdout=container.id, display=plan.display))
    return plan, container


def note_log_flag(target: DockerTarget, plan: RunPlan) -> None:
    """Warn when the profile asks for the LOG flag and this engine would drop it."""
    opts = plan.kwargs.get("security_opt") or []
    if any(profile_asks_for_log_flag(opt) for opt in opts):
        blocker = target.log_flag_blocker()
        if blocker:
            target.note(
                f"the profile asks for SECCOMP_FILTER_FLAG_LOG, but {blocker}: "
                "its denials will leave no audit record on this engine"
            )


def for_stand_in(target: DockerTarget, spec: WorkloadSpec) -> WorkloadSpec:
    """The offline echo is busybox, not Go: it needs its own fine-grained allow-list."""
    file = spec.profile.file
    if spec.workload != "http-echo" or file != "fine-grained.json":
        return spec
    if not target.images().uses_offline("http-echo"):
        return spec
    target.note(
        f"offline http-echo stand-in: {file} lists the Go server's syscalls; "
        f"using {STAND_IN_PROFILE}, recorded for the stand-in"
    )
    return replace(spec, profile=ProfileRef.localhost(STAND_IN_PROFILE))


def failed_state(message: str, base: WorkloadState | None = None) -> WorkloadState:
    """A failed-to-create state whose message keeps the engine's words and explains them."""
    explanation = explain_create_error(message)
    text = f"{message}\n({explanation})" if explanation else message
    if base is not None:
        return replace(base, message=text)
    return WorkloadState(Phase.FAILED_TO_CREATE, reason="CreateError", message=text)
