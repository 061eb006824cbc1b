"""The kernel's audit backlog for one session: its `lost` counter, and a temporary larger limit."""

from __future__ import annotations

from lab.audit.netlink import audit_status, set_backlog_limit


class BacklogGuard:
    """Remembers the kernel's counters at the start; raises the backlog limit and restores it."""

    def __init__(self, wanted: int | None) -> None:
        self.wanted = wanted
        self.lost_at_start: int | None = None
        self.limit: int | None = None  # the limit in force during the session
        self.original: int | None = None  # set only when we changed the limit
        self.restored = False

    def enter(self) -> None:
        """Read the baseline; raise the limit when asked and allowed (root)."""
        try:
            status = audit_status()
        except OSError:
            return  # not root: no kernel counters, and the limit stays as it is
        self.lost_at_start = status.lost
        self.limit = status.backlog_limit
        if self.wanted and 0 < status.backlog_limit < self.wanted:
            try:
                set_backlog_limit(self.wanted)
            except OSError:
                return
            self.original, self.limit = status.backlog_limit, self.wanted

    def exit(self) -> None:
        """Put the old limit back, unless someone else changed it meanwhile."""
        if self.original is None or self.wanted is None or self.restored:
            return
        self.restored = True
        try:
            if audit_status().backlog_limit == self.wanted:
                set_backlog_limit(self.original)
        except OSError:
            pass  # nothing more we can do; the next `seclab doctor` shows the value

    def lost_since_start(self) -> int | None:
        """Records the kernel dropped since we started (kernel-wide), or None when unknown."""
        if self.lost_at_start is None:
            return None
        try:
            return audit_status().lost - self.lost_at_start
        except OSError:
            return None
