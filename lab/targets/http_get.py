"""An HTTP GET the way the tutorial's curl does it, retried while the server is still starting."""

from __future__ import annotations

import http.client
import shlex
import time
import urllib.error
import urllib.request
from collections.abc import Callable

from lab.targets.base import CommandEvent, HttpResponse

RETRY_INTERVAL = 0.2


def http_get(
    emit: Callable[[CommandEvent], None], url: str, timeout: float, alive: Callable[[], bool]
) -> HttpResponse:
    """GET `url`; while `alive()` says the workload runs, a refused connection is retried."""
    argv = ("curl", "-sS", "--max-time", f"{timeout:g}", url)
    shown = (shlex.join(argv),)
    emit(CommandEvent(argv))
    deadline = time.monotonic() + timeout
    while True:
        remaining = max(0.1, deadline - time.monotonic())
        try:
            with urllib.request.urlopen(url, timeout=remaining) as resp:
                body = resp.read().decode(errors="replace")
                emit(CommandEvent(argv, exit_code=0, stdout=body))
                return HttpResponse(resp.status, body, commands=shown)
        except urllib.error.HTTPError as exc:
            body = exc.read().decode(errors="replace")
            emit(CommandEvent(argv, exit_code=0, stdout=body))
            return HttpResponse(exc.code, body, commands=shown)
        except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
            # Nothing listens yet (or docker-proxy accepted and dropped us): wait while it runs.
            if alive() and time.monotonic() + RETRY_INTERVAL < deadline:
                time.sleep(RETRY_INTERVAL)
                continue
            error = str(getattr(exc, "reason", exc))
            emit(CommandEvent(argv, exit_code=7, stderr=error))
            return HttpResponse(None, error=error, commands=shown)
