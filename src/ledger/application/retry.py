"""The retry policy: how often, after what pause, a command that lost a race is run again."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from ledger.domain.errors import ConcurrentChange, RecordedTimeBehind, RuleViolation

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """Budgets and random pauses for running a command again after another writer's commit."""

    conflicts: int = 5
    """Runs in all when what the command read was changed (`ConcurrentChange`)."""
    late: int = 50
    """Runs in all when another writer recorded a later time first (`RecordedTimeBehind`)."""
    late_pause: float = 0.005
    """Seconds: the pause before a late run is random, up to this."""
    conflict_pause: float = 0.01
    """Seconds: the pause before the n-th run after a conflict is random, up to n times this."""

    def run(self, attempt: Callable[[], T], *, retry: bool = True) -> T:
        """`attempt()`, run again within the budgets while it loses a race (never if not `retry`).

        A rule broken only after a conflict (valid when read, no longer valid now) raises the
        conflict, caused by the broken rule.
        """
        conflict: ConcurrentChange | None = None
        conflicts = late = 0
        while True:
            try:
                return attempt()
            except RecordedTimeBehind:
                # Another writer committed a later time between our reading and our append:
                # nothing conflicts, so re-stamp and go again (on a budget of its own).
                late += 1
                if late >= self.late or not retry:
                    raise
                time.sleep(random.uniform(0, self.late_pause))
            except ConcurrentChange as e:
                # Another writer changed what we read: read again and, if still valid, retry.
                conflicts += 1
                if conflicts >= self.conflicts or not retry:
                    raise
                conflict = e
                time.sleep(random.uniform(0, self.conflict_pause * conflicts))
            except RuleViolation as e:
                if conflict is not None:  # valid when read, no longer valid after the change
                    raise conflict from e
                raise


DEFAULT_RETRY = RetryPolicy()
"""Five runs after conflicts, fifty after later recorded times."""
