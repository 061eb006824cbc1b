"""Creating a workload's container: the `docker run`, its notes for the learner, its failures."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from lab.targets.base import (
    CommandEvent,
    Phase,
    ProfileRef,
    TargetError,
    WorkloadSpec,
    WorkloadState,
)
from lab.targets.docker.engine import Engine
from lab.targets.docker.errors import explain_create_error, failed_state
from lab.targets.docker.offline import ECHO_PROFILE as STAND_IN_PROFILE
from lab.targets.docker.plan import ProfileMissing, RunPlan, cli_error, plan_run
from lab.targets.docker.versions import profile_asks_for_log_flag
from lab.targets.held_signals import held_signals


@dataclass(frozen=True)
class Created:
    """What `docker run` gave: the plan shown, the container, or why there is none."""

    plan: RunPlan
    container: Any | None
    failure: WorkloadState | None = None


@dataclass
class ContainerFactory:
    """Makes one workload's container from its spec, replacing any of the same name."""

    engine: Engine
    profiles_dir: Path
    restart_limit: int = 3

    def create(self, spec: WorkloadSpec, *, detach: bool) -> Created:
        """Start the container; a failure to create is returned, an unusable host raised."""
        if spec.privileged:
            blocker = self.engine.privileged_problem()
            if blocker:
                raise TargetError(blocker, hint="run this exercise without privileged mode here")
        engine = self.engine
        engine.remove(spec.name)
        image = engine.images().image_for(spec.workload, offline=spec.offline_image)
        spec = self.for_stand_in(spec)
        try:
            plan = plan_run(
                spec, image, self.profiles_dir, detach=detach,
                restart_limit=self.restart_limit, session=engine.session,
            )  # fmt: skip
        except ProfileMissing as exc:
            engine.emit(CommandEvent(("docker", "run"), display=exc.display))
            engine.emit(
                CommandEvent(
                    ("docker", "run"), 125, stderr=cli_error(str(exc)), display=exc.display
                )
            )
            failure = WorkloadState(
                Phase.FAILED_TO_CREATE, reason="ProfileNotFound", message=str(exc)
            )
            return Created(RunPlan({}, exc.display), None, failure)
        import docker.errors

        self.note_log_flag(plan)
        engine.emit(CommandEvent(plan.argv, display=plan.display))
        try:
            # A signal during the create request would end seclab before it learns the
            # container exists (the engine finishes creating it anyway): a `Created` container
            # left behind. The signal waits for the answer; the container is then known and
            # removed on exit.
            with held_signals():
                container = engine.docker().containers.create(image, **plan.kwargs)
            container.start()
        except docker.errors.ImageNotFound as exc:
            raise TargetError(str(exc), hint=explain_create_error("No such image")) from exc
        except docker.errors.APIError as exc:
            message = str(exc.explanation or exc)
            engine.emit(CommandEvent(plan.argv, 125, stderr=message, display=plan.display))
            if "apply caps" in message:
                raise TargetError(self.engine.privileged_problem() or message, hint=None) from exc
            # Created but not started: its state (docker inspect) tells the failure.
            made = engine.find(spec.name) is not None
            return Created(plan, None, None if made else failed_state(message))
        if detach:  # `docker run -d` prints the id; a one-shot's output is shown when it ends
            engine.emit(CommandEvent(plan.argv, 0, stdout=container.id, display=plan.display))
        return Created(plan, container)

    def note_log_flag(self, plan: RunPlan) -> None:
        """Warn when the profile asks for the LOG flag and this engine would drop it."""
        opts = plan.kwargs.get("security_opt") or []
        if any(profile_asks_for_log_flag(opt) for opt in opts):
            blocker = self.engine.log_flag_blocker()
            if blocker:
                self.engine.note(
                    f"the profile asks for SECCOMP_FILTER_FLAG_LOG, but {blocker}: "
                    "its denials will leave no audit record on this engine"
                )

    def for_stand_in(self, spec: WorkloadSpec) -> WorkloadSpec:
        """The offline echo is busybox, not Go: it needs its own fine-grained allow-list."""
        file = spec.profile.file
        if spec.workload != "http-echo" or file != "fine-grained.json":
            return spec
        if not spec.offline_image and not self.engine.images().uses_offline("http-echo"):
            return spec
        self.engine.note(
            f"offline http-echo stand-in: {file} lists the Go server's syscalls; "
            f"using {STAND_IN_PROFILE}, recorded for the stand-in"
        )
        return replace(spec, profile=ProfileRef.localhost(STAND_IN_PROFILE))
