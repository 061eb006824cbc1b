"""`{address:NAME}` in a step's text: where the learner reaches that workload on this target.

The tutorial's http-echo listens on 5678 in its container; the local target gives the lab's
server a free port and Docker publishes 5678 on a random host port, so the text says the real one.
"""

from __future__ import annotations

import re
from collections.abc import Callable

PLACEHOLDER = re.compile(r"\{address:([A-Za-z0-9][A-Za-z0-9_-]*)\}")


def fill(text: str, lookup: Callable[[str], str | None]) -> str:
    """The text with each placeholder replaced by the workload's address, or said plainly."""

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        try:
            found = lookup(name)
        except Exception:  # a target that cannot answer now: the text still reads
            found = None
        return f"`{found}`" if found else f"{name} (port 5678 in its container)"

    return PLACEHOLDER.sub(one, text)
