"""Validating a command's arguments with pydantic: an invalid value becomes `InvalidInput`."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from typing import ParamSpec, TypeVar

from pydantic import ValidationError, validate_call

from ledger.domain.errors import InvalidInput

P = ParamSpec("P")
T = TypeVar("T")


def explain(error: ValidationError, names: Sequence[str] = ()) -> str:
    """One line naming the first invalid field and what is wrong with it."""
    first = error.errors()[0]
    parts = [names[p] if isinstance(p, int) and p < len(names) and i == 0 else str(p)
             for i, p in enumerate(first["loc"])]
    where = ".".join(parts) or "input"
    msg = first["msg"].removeprefix("Value error, ")
    value = first.get("input")
    shown = f" {value!r}" if isinstance(value, str | int | float) and len(repr(value)) < 60 else ""
    if shown and repr(value) in msg:
        shown = ""
    return f"invalid {where}{shown}: {msg}"


def validated(fn: Callable[P, T]) -> Callable[P, T]:
    """`fn` with its arguments validated (and coerced) by pydantic's `validate_call`.

    A `ValidationError`, from the arguments or from an event the call builds, becomes
    `InvalidInput` naming the field (positional arguments by their parameter's name). The
    validator is built at the first call: a command line runs one command of dozens.
    """
    names = list(inspect.signature(fn).parameters)
    validator = functools.cache(lambda: validate_call(fn))

    @functools.wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return validator()(*args, **kwargs)
        except ValidationError as e:
            raise InvalidInput(explain(e, names)) from None

    return run
