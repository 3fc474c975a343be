"""The `command` decorator: a ledger method whose arguments are validated and that is retried."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Concatenate, ParamSpec, Protocol, TypeVar

from ledger.application.retry import RetryPolicy
from ledger.application.validation import validated

P = ParamSpec("P")
T = TypeVar("T")


class Commanded(Protocol):
    """What a command needs of the application it runs on."""

    @property
    def retry(self) -> RetryPolicy:
        """The policy for running a command again after it lost a race."""
        ...

    @property
    def in_transaction(self) -> bool:
        """Whether a transaction is open (its commands are never retried one by one)."""
        ...


A = TypeVar("A", bound=Commanded)


def command(fn: Callable[Concatenate[A, P], T]) -> Callable[Concatenate[A, P], T]:
    """Make `fn` a command: arguments validated by pydantic (invalid: `InvalidInput`), and run
    again by the application's retry policy when another writer got there first, except inside
    a transaction, which is refused whole instead."""
    call = validated(fn)

    @functools.wraps(fn)
    def run(app: A, /, *args: P.args, **kwargs: P.kwargs) -> T:
        return app.retry.run(lambda: call(app, *args, **kwargs), retry=not app.in_transaction)

    return run
