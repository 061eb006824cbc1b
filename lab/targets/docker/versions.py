"""Which engine and runc versions honour a profile's `flags` (SECCOMP_FILTER_FLAG_LOG).

Two links must hold: Docker must copy the profile's `flags` into the OCI spec (moby PR 42648,
first released in Docker 23.0; *measured*: Docker 20.10 drops them from the spec it hands to
runc), and runc must pass them to seccomp(2) (runc PR 3390, first released in runc 1.2.0).
Where Docker drops them, `SCMP_ACT_ERRNO` denials stay silent even with the flag in the profile;
where Docker passes them to a runc older than 1.2, runc refuses the whole profile ("seccomp flags
are not yet supported by runc") and the container does not start.
"""

from __future__ import annotations

import re
from typing import Any

DOCKER_FLAGS_SINCE = (23, 0)
RUNC_FLAGS_SINCE = (1, 2)


def parse_version(text: str | None) -> tuple[int, ...] | None:
    """(20, 10, 24) from `20.10.24+dfsg1`, (1, 1, 5) from `v1.1.5`; None when there is none."""
    match = re.search(r"(\d+)\.(\d+)(?:\.(\d+))?", text or "")
    if not match:
        return None
    return tuple(int(part) for part in match.groups() if part is not None)


def engine_versions(version_info: dict[str, Any]) -> tuple[str | None, str | None]:
    """(engine version, runc version) from the engine's `/version` answer (`docker version`)."""
    # The default runtime is listed under the name it was registered with: `runc` on most hosts,
    # but a host may register its own wrapper around runc (e.g. `runc-harness`) as the default.
    runc = None
    for component in version_info.get("Components") or ():
        name = str(component.get("Name", "")).lower()
        if name == "runc":
            return version_info.get("Version"), component.get("Version")
        if runc is None and "runc" in name:
            runc = component.get("Version")
    return version_info.get("Version"), runc


def log_flag_blocker(engine: str | None, runc: str | None) -> str | None:
    """Why SECCOMP_FILTER_FLAG_LOG in a profile has no effect here, or None when it works."""
    reasons = []
    engine_v, runc_v = parse_version(engine), parse_version(runc)
    if engine_v is not None and engine_v < DOCKER_FLAGS_SINCE:
        reasons.append(f"Docker {engine} drops a profile's `flags` (Docker 23.0 passes them on)")
    if runc_v is not None and runc_v < RUNC_FLAGS_SINCE:
        reasons.append(f"runc {runc} refuses a profile that has `flags` (runc 1.2.0 applies them)")
    if engine_v is None and runc_v is None:
        return None
    return "; ".join(reasons) or None


def profile_asks_for_log_flag(profile_text: str) -> bool:
    """True when the profile's JSON names SECCOMP_FILTER_FLAG_LOG (a cheap, lenient check)."""
    return "SECCOMP_FILTER_FLAG_LOG" in profile_text
