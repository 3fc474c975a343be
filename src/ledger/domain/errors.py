"""The ledger's one error hierarchy: every failure a user can cause is a `LedgerError`."""

from __future__ import annotations

from collections.abc import Sequence


class LedgerError(Exception):
    """Base of every error the ledger raises on purpose; its message is one line for the user."""

    exit_code = 1


class InvalidInput(LedgerError):
    """A value is malformed (a bad date, an unknown priority, an empty actor)."""

    exit_code = 2


class RuleViolation(LedgerError):
    """A well-formed command that the domain refuses; nothing was recorded."""


class UnknownRef(RuleViolation):
    """A ref names no record, or a record of the wrong kind."""


class DuplicateRef(RuleViolation):
    """A ref is already taken by another record of any kind."""


class IllegalTransition(RuleViolation):
    """A status change that the record's life cycle does not allow."""


class DependenciesNotMet(RuleViolation):
    """An action cannot start because what it depends on is not finished."""


class ConcurrentChange(RuleViolation):
    """Another writer changed the record between our read and our write."""


class RecordedTimeBehind(ConcurrentChange):
    """Another writer recorded a later time first; the command is retried with a new reading."""


class PlanRefused(LedgerError):
    """An action plan that cannot be read or imported; `problems` holds one line per problem."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = list(problems)


class StoreError(LedgerError):
    """The database could not be opened, read or written."""


class ChainBroken(LedgerError):
    """The hash chain does not verify; `position` is the first bad event."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.position = position


class Inconsistent(LedgerError):
    """The log or the read model fails a check beyond the chain: an event the rules refuse, a
    read-model answer the replay does not give, a tracked position ahead of the log."""

    def __init__(self, message: str, position: int, ref: str | None = None) -> None:
        super().__init__(message)
        self.position = position
        self.ref = ref
