"""End-to-end tests run the real `seclab` in tmux or behind a headless browser."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def lab_env(tmp_path: Path) -> dict[str, str]:
    """The environment for a real `seclab`: this checkout, and a private state directory."""
    return {
        **os.environ,
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    }
