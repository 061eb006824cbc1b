"""The actions of a step, read from YAML and cross-checked against what came before."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from lab.course.errors import did_you_mean
from lab.course.model import (
    PROFILE_WORDS,
    TARGETS,
    WORKLOADS,
    Action,
    ProfileChoice,
)
from lab.course.yamlnodes import Reader, line_of
from lab.profile.model import ACTIONS as ACTIONS_SCMP

ONLY = ("only",)
# action -> (required keys, optional keys); a text value is shorthand for the first required key.
ACTIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "run": (
        ("name", "profile"),
        ("workload", "args", "privileged", "no_new_privileges", "offline_image", *ONLY),
    ),
    "run_once": (("name", "command", "profile"), ("workload", "privileged", "timeout", *ONLY)),
    "request": (("name",), ("path", "as", "timeout", *ONLY)),
    "exec": (("name", "command"), ("as", "timeout", *ONLY)),
    "delete": (("name",), ONLY),
    "show_profile": (("file",), ONLY),
    "note": (("text",), ONLY),
    "derive_profile": (("from", "as"), ("default_action", "flags", *ONLY)),
    "diff": (("old", "new"), ONLY),
    "show_audit": (("name",), ONLY),
    "show_audit_sources": ((), ONLY),
    "record": (("name", "as"), ("workload", "exercise", *ONLY)),
    # the same command's two saved results, under RuntimeDefault and Unconfined, side by side
    "compare_runtime_default": (("default", "unconfined", "as"), ONLY),
}


@dataclass
class Context:
    """What the lesson has defined so far: profiles, workloads and saved results it may refer to."""

    reader: Reader
    profiles_dir: Path
    derived: set[str] = field(default_factory=set)
    workloads: set[str] = field(default_factory=set)
    results: set[str] = field(default_factory=set)
    files: set[str] = field(default_factory=set)  # workspace files of the exercise being read
    lesson_files: Path = Path()  # where the lesson's exercise files ship (start/, solution/)


def parse_actions(ctx: Context, node: yaml.Node | None, what: str) -> tuple[Action, ...]:
    if node is None:
        return ()
    return tuple(_action(ctx, item) for item in ctx.reader.sequence(node, what))


def single(reader: Reader, node: yaml.Node, table: dict[str, Any], what: str) -> tuple[str, Any]:
    if not isinstance(node, yaml.MappingNode) or len(node.value) != 1:
        raise reader.fail(
            node,
            f"each {what} is a mapping with one key naming it",
            f"write e.g. '- {next(iter(table))}: {{...}}'; the {what}s are: {', '.join(table)}",
        )
    key_node, value = node.value[0]
    kind = reader.text(key_node, f"the {what}'s name")
    if kind not in table:
        fix = did_you_mean(kind, table, what + "s")
        raise reader.fail(key_node, f"unknown {what} '{kind}'", fix)
    return kind, value


def fields_of(reader: Reader, kind: str, value: yaml.Node, table: dict[str, Any]) -> dict[str, Any]:
    required, optional = table[kind]
    if isinstance(value, yaml.ScalarNode) and len(required) == 1:
        return {required[0]: value}
    if isinstance(value, yaml.ScalarNode) and not required and value.tag.endswith(":null"):
        return {}  # `- show_audit_sources:` takes nothing
    return reader.mapping(value, f"'{kind}'", required=required, optional=optional)


def _action(ctx: Context, node: yaml.Node) -> Action:
    r = ctx.reader
    kind, value = single(r, node, ACTIONS, "action")
    f = fields_of(r, kind, value, ACTIONS)
    args: dict[str, Any] = {"kind": kind, "line": line_of(node)}
    if "only" in f:
        args["only"] = only_of(r, f["only"])
    if "name" in f:
        args["name"] = _workload_name(r, f["name"], kind)
    if kind == "run_once":
        args["workload"] = "busybox"
    if "workload" in f:
        args["workload"] = r.choice(f["workload"], "the workload", WORKLOADS)
    if "profile" in f:
        args["profile"] = _profile(ctx, f["profile"])
    for key in ("command", "args"):
        if key in f:
            args["argv"] = r.texts(f[key], key)
    if "command" in f and isinstance(f["command"], yaml.ScalarNode) and " " in args["argv"][0]:
        words = ", ".join(args["argv"][0].split())
        raise r.fail(
            f["command"],
            "the command is one word with spaces in it",
            f"write it as a list: [{words}]",
        )
    if "path" in f:
        args["path"] = url_path(r, f["path"])
    if "privileged" in f:
        args["privileged"] = r.scalar(f["privileged"], "privileged", bool)
    if "no_new_privileges" in f:
        args["no_new_privileges"] = r.scalar(f["no_new_privileges"], "no_new_privileges", bool)
    if "offline_image" in f:
        args["offline_image"] = r.scalar(f["offline_image"], "offline_image", bool)
    if "exercise" in f:
        args["exercise"] = r.scalar(f["exercise"], "exercise", bool)
    if "timeout" in f:
        args["timeout"] = r.bounded(f["timeout"], "timeout", float, 0.1, 3600)
    if "as" in f:
        args["save_as"] = r.text(f["as"], "'as'")
        if kind in ("derive_profile", "record"):  # a file the lab writes in its work folder
            _plain_file_name(r, f["as"], args["save_as"])
    if "text" in f:
        args["text"] = r.text(f["text"], "the note")
    if "file" in f:
        args["profile"] = _profile(ctx, f["file"])
    if "from" in f:
        args["source"] = _profile(ctx, f["from"])
    if "old" in f:
        args["source"] = _profile(ctx, f["old"])
        args["text"] = _profile_file(ctx, f["new"])
    if kind == "compare_runtime_default":
        for key in ("default", "unconfined"):
            saved = r.text(f[key], key)
            if saved not in ctx.results:
                raise r.fail(f[key], f"'{kind}' names '{saved}', which no earlier action saved",
                             did_you_mean(saved, ctx.results, "saved results")
                             if ctx.results else "run the command with run_once first")  # fmt: skip
        args["name"], args["text"] = r.text(f["default"], "default"), r.text(f["unconfined"], "")
        ctx.results.add(args["save_as"])
    if "default_action" in f:
        args["default_action"] = r.choice(f["default_action"], "default_action", ACTIONS_SCMP)
    if "flags" in f:
        args["flags"] = r.texts(f["flags"], "flags")
    action = Action(**args)
    if kind in ("request", "exec", "delete", "show_audit") and action.name not in ctx.workloads:
        raise r.fail(
            f["name"],
            f"'{kind}' names the workload '{action.name}', which no earlier action started",
            did_you_mean(action.name, ctx.workloads, "workloads started so far")
            if ctx.workloads
            else "start it first with a 'run' action",
        )
    if kind in ("run", "run_once", "record"):
        ctx.workloads.add(action.name)
    if kind in ("derive_profile", "record"):
        ctx.derived.add(action.save_as)
    if kind in ("run_once", "request", "exec", "record"):
        ctx.results.add(action.result_key)
    return action


def only_of(reader: Reader, node: yaml.Node) -> tuple[str, ...]:
    return tuple(reader.choice(n, "a target in 'only'", TARGETS) for n in list_of(reader, node))


def list_of(reader: Reader, node: yaml.Node) -> list[yaml.Node]:
    return [node] if isinstance(node, yaml.ScalarNode) else reader.sequence(node, "a list")


def _profile(ctx: Context, node: yaml.Node) -> ProfileChoice:
    r = ctx.reader
    if isinstance(node, yaml.ScalarNode):
        return ProfileChoice(default=_profile_file(ctx, node, words=True))
    f = r.mapping(node, "'profile'", optional=(*TARGETS, "default", "missing"))
    if "missing" in f:
        if len(f) > 1:
            raise r.fail(node, "'missing' stands alone in a profile", "remove the other keys")
        name = r.text(f["missing"], "the missing profile")
        if (ctx.profiles_dir / name).exists():
            raise r.fail(
                f["missing"],
                f"'{name}' exists in {ctx.profiles_dir}, so it cannot show a missing profile",
                "pick a file name that does not exist",
            )
        return ProfileChoice(default=name, missing=True)
    default = _profile_file(ctx, f["default"], words=True) if "default" in f else None
    per_target = tuple((t, _profile_file(ctx, f[t], words=True)) for t in TARGETS if t in f)
    return ProfileChoice(default=default, per_target=per_target)


def url_path(reader: Reader, node: yaml.Node) -> str:
    """An HTTP path: it starts with a slash."""
    path = reader.text(node, "the path")
    if not path.startswith("/"):
        raise reader.fail(node, f"the path '{path}' does not start with /", f"write /{path}")
    return path


def _workload_name(reader: Reader, node: yaml.Node, kind: str) -> str:
    """A workload's name becomes a container or pod name: lower-case letters, digits, dashes."""
    name = reader.text(node, "the workload name")
    ok = name[:1].isalnum() and all(c.isalnum() or c == "-" for c in name)
    if kind in ("request", "exec", "delete", "show_audit"):
        return name  # refers to one started before; that one was checked
    if not ok or name != name.lower() or not name.isascii() or len(name) > 40:
        raise reader.fail(
            node,
            f"the workload name '{name[:60]}' cannot be a container or pod name",
            "use up to 40 lower-case letters, digits and dashes, e.g. 'echo-pod'",
        )
    return name


def _plain_file_name(reader: Reader, node: yaml.Node, name: str) -> None:
    if "/" in name or name.startswith(".") or not name.endswith(".json"):
        raise reader.fail(
            node, f"'{name}' is not a plain profile file name", "e.g. 'my-profile.json'"
        )


def _profile_file(ctx: Context, node: yaml.Node, words: bool = False) -> str:
    name = ctx.reader.text(node, "a profile")
    if words and name in PROFILE_WORDS:
        return name
    if "/" in name or name.startswith("."):  # never a file outside profiles/ (/etc/shadow)
        raise ctx.reader.fail(
            node,
            f"'{name}' is a path; a lesson names profiles by file name in {ctx.profiles_dir}",
            "copy the profile into that folder and give its name",
        )
    if name in ctx.derived or (ctx.profiles_dir / name).is_file():
        return name
    known = [p.name for p in ctx.profiles_dir.glob("*.json")] + sorted(ctx.derived)
    raise ctx.reader.fail(
        node,
        f"no profile '{name}' in {ctx.profiles_dir}",
        did_you_mean(name, known + (list(PROFILE_WORDS) if words else []), "profiles"),
    )
