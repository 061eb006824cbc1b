"""A lesson as validated data: steps, target-neutral actions, checks, hints and a solution.

`lab.course.loader` builds these from YAML; the runner plays them on a target. Every item keeps
the line it came from, so a runtime problem can still point at the lesson file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

TARGETS = ("local", "docker", "kind")
WORKLOADS = ("http-echo", "busybox", "threads")
PHASES = ("pending", "running", "crash-looping", "failed-to-create", "exited", "not-found")
AUDIT_ACTIONS = ("log", "errno", "kill_thread", "kill_process", "trap", "trace", "user_notif")
# Profile words that are not files: what Kubernetes calls the other seccompProfile types.
PROFILE_WORDS = ("runtime-default", "unconfined")
# What a step may need from the host beyond the target itself; the runner skips it, saying why,
# when the target reports it cannot be had here.
NEEDS = ("privileged", "audit")


@dataclass(frozen=True)
class ProfileChoice:
    """Which profile a workload runs under, possibly different per target."""

    default: str | None  # a file name, "runtime-default" or "unconfined"
    per_target: tuple[tuple[str, str], ...] = ()
    missing: bool = False  # the lesson names a file that must *not* exist (missing-profile)

    def for_target(self, target: str) -> str | None:
        """The profile to use on `target` (None when this lesson gives none for it)."""
        return dict(self.per_target).get(target, self.default)

    def names(self) -> tuple[str, ...]:
        """Every profile named, on any target (words such as runtime-default included)."""
        named = [self.default, *(name for _, name in self.per_target)]
        return tuple(dict.fromkeys(n for n in named if n))


@dataclass(frozen=True)
class Action:
    """Something the lab does in a step; `kind` names it (`run`, `request`, `exec`, …)."""

    kind: str
    line: int
    name: str = ""  # the workload (or result) it concerns
    workload: str = "http-echo"
    profile: ProfileChoice | None = None
    argv: tuple[str, ...] = ()
    path: str = "/"
    privileged: bool = False
    no_new_privileges: bool | None = None  # run: None leaves it to the target
    # run on docker: the lab's offline stand-in image even when the upstream one is present (a
    # profile written for the stand-in does not fit the upstream program)
    offline_image: bool = False
    exercise: bool = True  # record: send requests while recording (false: start and stop only)
    save_as: str = ""  # where a result is kept for `output` checks (default: `name`)
    text: str = ""  # note text, the profile of `show_profile`, the second profile of `diff`
    source: ProfileChoice | None = None  # derive_profile: the profile it starts from
    default_action: str | None = None  # derive_profile: the new default action
    flags: tuple[str, ...] | None = None  # derive_profile: the new flags
    timeout: float = 60.0
    only: tuple[str, ...] = ()  # targets it applies to (empty: all)

    def profile_files(self, target: str | None = None) -> tuple[str, ...]:
        """The profile files this action uses on `target` (None: on any target), in order.

        `run`/`run_once`/`show_profile` name theirs in `profile`; `derive_profile` and `diff`
        start from `source`; `diff` compares with the file in `text`; `derive_profile` and
        `record` write the file in `save_as`.
        """
        names: list[str | None] = []
        for choice in (self.profile, self.source):
            if choice is not None:
                names += [choice.for_target(target)] if target else list(choice.names())
        if self.kind == "diff":
            names.append(self.text)
        if self.kind in ("derive_profile", "record"):
            names.append(self.save_as)
        return tuple(dict.fromkeys(n for n in names if n and n.endswith(".json")))

    @property
    def result_key(self) -> str:
        """The name a later `output` check uses for this action's result."""
        if self.kind == "record":  # its `as` names the profile it writes
            return self.name
        return self.save_as or self.name


@dataclass(frozen=True)
class Check:
    """A condition over an observation, polled until it holds or `timeout` runs out."""

    kind: str  # "state", "http", "output", "audit"
    line: int
    name: str  # the workload, or the saved result (`output`)
    timeout: float = 30.0
    interval: float = 0.5
    # state
    phases: tuple[str, ...] = ()
    reason: str | None = None
    exit_code: int | None = None
    signal: int | None = None  # audit: the records' `sig=` (31 for the kill actions)
    # http
    path: str = "/"
    status: int | None = None
    fails: bool = False  # the request must fail (no answer at all)
    # http and output
    contains: tuple[str, ...] = ()
    absent_text: tuple[str, ...] = ()
    # audit
    min_count: int | None = None
    max_count: int | None = None
    present: tuple[str, ...] = ()
    absent: tuple[str, ...] = ()
    action: str | None = None
    # audit, where one of several will do: records of any of these actions (`action: [a, b]`),
    # and at least one of them naming any of these syscalls (`mkdir` or, on arm64, `mkdirat`)
    actions: tuple[str, ...] = ()
    any_of: tuple[str, ...] = ()
    only: tuple[str, ...] = ()
    arch: str | None = None  # checked only on this architecture (`x86_64`, `aarch64`)
    # lint: default actions the learner's profile may not use (an allow-list is not ALLOW)
    refuse: tuple[str, ...] = ()
    # what a failure means, for the learner (exercise steps); printed after what was seen
    explain: str = ""

    def audit_actions(self) -> tuple[str, ...]:
        """The actions an audit check counts (empty: every action)."""
        return self.actions or ((self.action,) if self.action else ())


@dataclass(frozen=True)
class Solution:
    """What the learner is expected to do; `auto` mode performs `actions` for them."""

    text: str = ""
    actions: tuple[Action, ...] = ()


@dataclass(frozen=True)
class Prediction:
    """Predict, then run: a question the learner answers before the step runs."""

    question: str
    choices: tuple[str, ...]
    answer: int  # index into choices
    why: str = ""

    def reveal(self, chosen: int | None) -> str:
        """The answer, and whether the learner's prediction was it."""
        right = self.choices[self.answer]
        if chosen is None:
            head = f"The answer: {right}."
        elif chosen == self.answer:
            head = f"You predicted {right}: right."
        else:
            head = f"You predicted {self.choices[chosen]}; it was {right}."
        return f"{head} {self.why}".strip()


@dataclass(frozen=True)
class Step:
    """One exercise: text to read, actions the lab performs, then checks."""

    id: str
    title: str
    text: str
    line: int
    actions: tuple[Action, ...] = ()
    checks: tuple[Check, ...] = ()
    hints: tuple[str, ...] = ()
    solution: Solution = field(default_factory=Solution)
    notes: str = ""  # for instructors only
    variants: tuple[tuple[str, str], ...] = ()  # (target, extra text) where the story differs
    needs: tuple[str, ...] = ()
    # An exercise: the workspace files the learner edits, and the trial the lab runs on them
    # each time it checks (so the checks see the learner's files at work, never the lab's).
    files: tuple[str, ...] = ()
    trial: tuple[Action, ...] = ()
    predict: Prediction | None = None

    @property
    def exercise(self) -> bool:
        return bool(self.files)

    def text_for(self, target: str) -> str:
        """The step's text with the paragraph written for `target`, if any."""
        extra = dict(self.variants).get(target)
        return f"{self.text.rstrip()}\n\n{extra.strip()}\n" if extra else self.text


@dataclass(frozen=True)
class Lesson:
    """A lesson file, validated."""

    id: str
    title: str
    summary: str
    path: Path
    targets: tuple[str, ...]
    unsupported: tuple[tuple[str, str], ...]  # (target, why not)
    steps: tuple[Step, ...]
    order: int = 100  # where it sits in the list of lessons

    def supports(self, target: str) -> bool:
        return target in self.targets

    def why_not(self, target: str) -> str:
        """Why this lesson does not run on `target` (empty when it does)."""
        return dict(self.unsupported).get(target, "")

    def step(self, step_id: str) -> Step:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(step_id)
