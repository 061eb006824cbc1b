"""The learner's progress, one JSON file per lesson and target under the state directory.

A file that cannot be read is renamed aside with a warning and progress starts afresh: losing a
tick mark is better than refusing to teach.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from lab import paths
from lab.safe_files import private_dir, read_private, write_atomic

Warn = Callable[[str], None]


def _ignore(message: str) -> None:
    del message


@dataclass
class ProgressStore:
    """Reads and writes which steps passed, per lesson and target."""

    root: Path | None = None
    warn: Warn = field(default=_ignore, repr=False)
    _unusable: bool = field(default=False, repr=False)  # said once that nothing can be kept

    def directory(self) -> Path:
        # as root, a folder another user could redirect is refused; under sudo it is the learner's
        return private_dir(self.root or paths.state_dir() / "progress", paths.learner())

    def file(self, lesson: str, target: str) -> Path:
        return self.directory() / f"{lesson}--{target}.json"

    def passed(self, lesson: str, target: str) -> dict[str, float]:
        """Step id -> when it passed (seconds since the epoch)."""
        try:
            path = self.file(lesson, target)
        except OSError as exc:  # no state folder (read-only home): teach anyway, without ticks
            self._cannot_keep(exc)
            return {}
        try:
            data = json.loads(read_private(path, paths.learner()))
        except FileNotFoundError:
            return {}
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            self._set_aside(path, str(exc))
            return {}
        steps = data.get("passed") if isinstance(data, dict) else None
        if not isinstance(steps, dict) or not all(
            isinstance(k, str) and isinstance(v, int | float) for k, v in steps.items()
        ):
            self._set_aside(path, "it does not hold a 'passed' table of step ids")
            return {}
        return dict(steps)

    def mark_passed(self, lesson: str, target: str, step: str) -> None:
        steps = self.passed(lesson, target)
        steps[step] = time.time()
        try:
            self._write(lesson, target, steps)
        except OSError as exc:
            self._cannot_keep(exc)

    def predictions(self, lesson: str, target: str) -> dict[str, dict[str, object]]:
        """Step id -> the learner's prediction: {"choice", "correct", "at"}."""
        try:
            data = json.loads(self.file(lesson, target).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            return {}
        found = data.get("predicted") if isinstance(data, dict) else None
        return dict(found) if isinstance(found, dict) else {}

    def mark_predicted(
        self, lesson: str, target: str, step: str, choice: str, correct: bool
    ) -> None:
        """Keep the learner's answer to a step's question, beside their progress."""
        predicted = self.predictions(lesson, target)
        predicted[step] = {"choice": choice, "correct": correct, "at": time.time()}
        try:
            self._write(lesson, target, self.passed(lesson, target), predicted)
        except OSError as exc:
            self._cannot_keep(exc)

    def reset_step(self, lesson: str, target: str, step: str) -> None:
        steps = self.passed(lesson, target)
        if steps.pop(step, None) is not None:
            self._write(lesson, target, steps)

    def reset_lesson(self, lesson: str, target: str | None = None) -> None:
        """Forget a lesson on one target, or on every target."""
        pattern = f"{lesson}--{target}.json" if target else f"{lesson}--*.json"
        for path in self.directory().glob(pattern):
            path.unlink(missing_ok=True)

    def reset_all(self) -> None:
        for path in self.directory().glob("*.json"):
            path.unlink(missing_ok=True)

    def _write(
        self,
        lesson: str,
        target: str,
        steps: dict[str, float],
        predicted: dict[str, dict[str, object]] | None = None,
    ) -> None:
        path = self.file(lesson, target)
        if predicted is None:  # a tick mark keeps the predictions already made
            predicted = self.predictions(lesson, target)
        body: dict[str, object] = {"lesson": lesson, "target": target, "passed": steps}
        if predicted:
            body["predicted"] = predicted
        # A fresh file renamed over the old one: atomic, and never written through a link (the
        # old predictable `.tmpPID` name could be planted as a link to a root file). Under sudo
        # the learner keeps owning their progress.
        text = json.dumps(body, indent=2, sort_keys=True) + "\n"
        write_atomic(path, text, learner=paths.learner())

    def _cannot_keep(self, exc: OSError) -> None:
        if not self._unusable:
            self._unusable = True
            self.warn(f"progress is not kept this time: {exc}")

    def _set_aside(self, path: Path, why: str) -> None:
        aside = path.with_name(f"{path.name}.corrupt-{int(time.time())}")
        try:
            path.replace(aside)
        except OSError:
            aside = path
        self.warn(f"progress file {path} is unreadable ({why}); kept as {aside}, starting afresh")
