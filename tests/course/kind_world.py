"""A stand-in kind cluster for rendering lessons on the kind target (kind cannot run in CI).

It answers kind/kubectl/docker by command shape, with replies taken from the kind engineer's
recorded transcripts (`tests/fixtures/kind/`): every pod it is given runs (one-shot pods finish
with status 0), every request answers the echo text. It proves nothing about the cluster's
behaviour; it lets the lesson tests read the exact commands and manifests the kind target runs.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from lab.targets.commands import CommandError, Completed

KIND = Path(__file__).resolve().parent.parent / "fixtures" / "kind"


def _reply(fixture: str, step: int) -> Any:
    data = json.loads((KIND / f"{fixture}.json").read_text())
    found = data["steps"][step]
    # A recorded transcript keeps kubectl's text; a constructed one may hold the parsed JSON.
    return found["stdout_json"] if "stdout_json" in found else json.loads(found["stdout"])


def _renamed(template: Any, old: str, new: str) -> str:
    return (
        json.dumps(template, indent=4)
        .replace(f'"{old}"', f'"{new}"')
        .replace(f"app={old}", f"app={new}")
    )


class KindWorld:
    """A Runner: records each call (argv and stdin) and answers it."""

    def __init__(self) -> None:
        self.calls: list[tuple[tuple[str, ...], str | None]] = []
        self.pods: dict[str, dict[str, Any]] = {}
        self.services: set[str] = set()
        self.running = _reply("state_running", 0)
        self.finished = _reply("run_to_completion_sigsys", 3)
        self.service = _reply("request_audit", 2)
        self.nodes = _reply("prepare_ready", 1)

    def __call__(
        self,
        argv: Sequence[str],
        *,
        timeout: float,
        input: str | None = None,
        check: bool = True,
        env: Mapping[str, str] | None = None,
    ) -> Completed:
        argv = tuple(argv)
        assert timeout > 0, argv
        self.calls.append((argv, input))
        code, out, err = self._answer(argv, input)
        if check and code != 0:
            raise CommandError(argv, f"exit status {code}", returncode=code, stdout=out, stderr=err)
        return Completed(argv, code, out, err)

    def _answer(self, argv: tuple[str, ...], stdin: str | None) -> tuple[int, str, str]:
        words = [a for a in argv if not a.startswith("--context") and not a.startswith("kind-")]
        if words[:3] == ["kind", "get", "clusters"]:
            return 0, "seclab\n", ""
        if words[:3] == ["kind", "get", "nodes"]:
            return 0, "seclab-control-plane\n", ""
        if words[:2] == ["kubectl", "apply"] and stdin:
            manifest = json.loads(stdin)
            self.pods[manifest["metadata"]["name"]] = manifest
            return 0, f"pod/{manifest['metadata']['name']} created\n", ""
        if words[:2] == ["kubectl", "delete"]:
            name = argv[-1].rpartition("app=")[2]
            self.pods.pop(name, None)
            self.services.discard(name)
            return 0, "No resources found\n", ""
        if words[:3] == ["kubectl", "get", "nodes"]:
            return 0, json.dumps(self.nodes, indent=4), ""
        if words[:3] == ["kubectl", "get", "pod"]:
            return self._pod(words[3])
        if words[:3] == ["kubectl", "get", "service"]:
            if words[3] not in self.services:
                return 1, "", f'Error from server (NotFound): services "{words[3]}" not found\n'
            return 0, _renamed(self.service, "audit-pod", words[3]), ""
        if words[:2] == ["kubectl", "expose"]:
            self.services.add(words[3])
            return 0, f"service/{words[3]} exposed\n", ""
        if words[:2] == ["docker", "exec"] and "curl" in words:
            return 0, "just made some syscalls!\n200", ""
        if words[:2] == ["kubectl", "logs"] and words[2] in self.pods:
            once = self.pods[words[2]]["spec"].get("restartPolicy") == "Never"
            return 0, "" if once else "server is listening on :5678\n", ""
        return 0, "", ""  # logs, sha256sum, mkdir -p, docker cp: nothing to say

    def _pod(self, name: str) -> tuple[int, str, str]:
        manifest = self.pods.get(name)
        if manifest is None:
            return 1, "", f'Error from server (NotFound): pods "{name}" not found\n'
        once = manifest["spec"].get("restartPolicy") == "Never"
        template, old = (self.finished, "mkdir-pod") if once else (self.running, "audit-pod")
        return 0, _renamed(template, old, name), ""

    def cancel(self) -> None:
        pass

    def applied(self) -> list[dict[str, Any]]:
        """Every pod manifest sent with `kubectl apply`, in order."""
        return [json.loads(stdin) for argv, stdin in self.calls if "apply" in argv and stdin]
