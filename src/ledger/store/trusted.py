"""The trusted decode: stored rows back into their events without pydantic's validation.

Every stored payload was written by the mapper from an event pydantic had validated, and the hash
chain proves it unchanged since (`verify`). The rebuild of the read model leans on that: it parses
each payload as JSON (`msgspec`, no schema) and sets the event's fields directly, converting only
what JSON cannot carry (dates, the recorded time, enums, tuples, the stream id) and doing what
decoding with validation does to a stored value (texts stripped, names' spaces squeezed); the
checks that can only refuse (a ref's pattern, a number's bounds) are not repeated. Anything
unexpected (a personal value erased, a field of the wrong type, a class whose field types this
module does not know) goes to the validated decode, which gives the same event or the error. A
unit test proves both decodes equal for every event type.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from datetime import date, datetime
from enum import Enum
from typing import Annotated, Any, Final, Union, get_args, get_origin
from uuid import UUID, SafeUUID

import msgspec
from pydantic import AwareDatetime
from pydantic.functional_validators import AfterValidator

from ledger.domain import events as ev
from ledger.domain import vocabulary
from ledger.store.codecs import HEX32

Conv = Callable[[Any], Any]
"""A stored JSON value to the field's value; raises for anything it does not expect."""
Decode = Callable[[UUID, int, dict[str, Any]], Any]
"""A class's trusted decode: (stream id, version, parsed payload) → event."""
FromRow = Callable[[Any, Any, str, Any], Any]
"""`PydanticMapper.from_row`'s shape: (originator id, version, topic, state) → event."""
IDENTITY: Final = frozenset({"originator_id", "originator_version"})


class Unsupported(TypeError):
    """A field type the trusted decode does not know (its class always decodes validated)."""


MEMO_SIZE: Final = 50_000
"""Most values a memo keeps before it starts again (names, days and stream ids repeat a lot)."""


def _memo(convert: Conv) -> Conv:
    """`convert` remembering its results for values met before (immutable values only)."""
    memo: dict[Any, Any] = {}

    def remembered(value: Any) -> Any:
        try:
            out = memo.get(value)  # never None for a value met before
        except TypeError:  # not hashable: the conversion refuses it
            return convert(value)
        if out is None:
            if len(memo) >= MEMO_SIZE:
                memo.clear()
            out = memo[value] = convert(value)
        return out
    return remembered


def _squeeze(value: Any) -> str:
    """A `Name` as decoding with validation leaves it: runs of spaces squeezed, 1–120 chars."""
    if type(value) is not str:
        raise TypeError(value)
    out = " ".join(value.split())
    if not out or len(out) > 120:
        raise ValueError(value)
    return out


_squeezed = _memo(_squeeze)


def _stripped(value: Any) -> str:
    """A `Text` as decoding with validation leaves it: stripped, 1–4000 chars."""
    if type(value) is not str:
        raise TypeError(value)
    out = value.strip()
    if not out or len(out) > 4000:
        raise ValueError(value)
    return out


def _text_check() -> Callable[..., Any]:
    """The function `Text`'s validator calls (made per limit inside `vocabulary._text`)."""
    for meta in get_args(vocabulary.Text)[1:]:
        if isinstance(meta, AfterValidator):
            return meta.func
    raise Unsupported("Text has no validator")  # pragma: no cover - the vocabulary's shape


RAISE_ONLY: Final = frozenset({vocabulary.check_ref, vocabulary.check_minute, vocabulary._day})
"""Validators that, decoding stored JSON, can only refuse a value: trusted, not repeated."""
REWRITING: Final[dict[Any, Conv]] = {vocabulary._name: _squeezed, _text_check(): _stripped}
"""Validators that change a stored value (and refuse some): done here as they do it."""


def _typed(kind: type) -> Conv:
    def check(value: Any) -> Any:
        if type(value) is not kind:
            raise TypeError(value)
        return value
    return check


def _iso_day(value: Any) -> date:
    if type(value) is not str or len(value) != 10:
        raise TypeError(value)
    return date.fromisoformat(value)


_day = _memo(_iso_day)


def _moment(value: Any) -> datetime:
    if type(value) is not str:
        raise TypeError(value)
    out = datetime.fromisoformat(value)
    if out.tzinfo is None:
        raise ValueError(value)
    return out


def _enum(kind: type[Enum]) -> Conv:
    members = dict(kind._value2member_map_)

    def member(value: Any) -> Any:
        if type(value) is not str:
            raise TypeError(value)
        return members[value]
    return member


def _optional(inner: Conv) -> Conv:
    def maybe(value: Any) -> Any:
        return None if value is None else inner(value)
    return maybe


def _tuple(inner: Conv) -> Conv:
    def items(value: Any) -> tuple[Any, ...]:
        if type(value) is not list:
            raise TypeError(value)
        return tuple(inner(v) for v in value)
    return items


def _mapping(key: Conv, inner: Conv) -> Conv:
    def items(value: Any) -> dict[Any, Any]:
        if type(value) is not dict:
            raise TypeError(value)
        return {key(k): inner(v) for k, v in value.items()}
    return items


def _anything(value: Any) -> Any:
    return value


def _then(first: Conv, second: Conv) -> Conv:
    return lambda value: second(first(value))


BASES: Final[dict[Any, Conv]] = {
    str: _typed(str), int: _typed(int), bool: _typed(bool), date: _day, AwareDatetime: _moment,
    UUID: lambda v: UUID(_typed(str)(v)), Any: _anything}


def converter(annotation: Any, metadata: list[Any] | tuple[Any, ...] = ()) -> Conv:
    """The conversion of a stored JSON value to a field of this annotation (`Unsupported` for
    a type this module does not know)."""
    origin = get_origin(annotation)
    if origin is Annotated:
        base, *inner = get_args(annotation)
        return converter(base, [*inner, *metadata])
    rewrite: Conv | None = None
    for meta in metadata:
        func = getattr(meta, "func", None)
        if isinstance(meta, AfterValidator) and func in REWRITING:
            rewrite = REWRITING[func]
        elif func is not None and not (isinstance(meta, AfterValidator) and func in RAISE_ONLY):
            raise Unsupported(f"validator {func!r}")
    if rewrite is not None:
        if annotation is not str:
            raise Unsupported(f"{annotation!r} with {rewrite.__name__}")
        return rewrite
    args = get_args(annotation)
    if origin in (Union, types.UnionType):
        rest = [a for a in args if a is not type(None)]
        if len(rest) != 1 or len(args) != 2:
            raise Unsupported(repr(annotation))
        return _optional(converter(rest[0]))
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return _tuple(converter(args[0]))
    if origin is dict and len(args) == 2:
        return _mapping(converter(args[0]), converter(args[1]))
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return _enum(annotation)
    try:
        return BASES[annotation]
    except (KeyError, TypeError):
        raise Unsupported(repr(annotation)) from None


_new = object.__new__
_set = object.__setattr__


def class_decoder(cls: type[ev.LedgerEvent]) -> Decode:
    """The trusted decode of one event class (`Unsupported` if a field's type is unknown).

    Written out as one function per class (as `dataclasses` writes `__init__`): a loop over
    the fields costs as much again as the parse itself. A missing required field raises
    `KeyError`, and the caller falls back to the validated decode."""
    scope: dict[str, Any] = {"known": frozenset(cls.model_fields), "IDENTITY": set(IDENTITY),
                             "cls": cls, "new": _new, "set": _set}
    items = ['"originator_id": originator_id', '"originator_version": version']
    for i, (name, info) in enumerate(cls.model_fields.items()):
        if name in IDENTITY:
            continue
        scope[f"conv{i}"] = converter(info.annotation, info.metadata)
        value = f"conv{i}(data[{name!r}])"
        if info.default_factory is not None:  # a default is not validated: as it is
            scope[f"default{i}"] = info.default_factory
            value += f" if {name!r} in data else default{i}()"
        elif not info.is_required():
            scope[f"default{i}"] = info.default
            value += f" if {name!r} in data else default{i}"
        items.append(f"{name!r}: {value}")
    source = (
        "def decode(originator_id, version, data):\n"
        "    if not known.issuperset(data):\n"
        "        raise ValueError('a field the class lacks')\n"
        f"    values = {{{', '.join(items)}}}\n"
        "    event = new(cls)\n"
        "    set(event, '__dict__', values)\n"
        "    set(event, '__pydantic_fields_set__', IDENTITY.union(data))\n"
        "    set(event, '__pydantic_extra__', None)\n"
        "    set(event, '__pydantic_private__', None)\n"
        "    return event\n")
    exec(compile(source, f"<trusted decode of {cls.__name__}>", "exec"), scope)
    decode: Decode = scope["decode"]
    return decode


def _decoders() -> dict[str, Decode]:
    out = {}
    for cls in ev.ALL_EVENTS:
        try:
            out[ev.topic_of(cls)] = class_decoder(cls)
        except Unsupported:
            continue  # decoded with validation, always (the unit test names such a class)
    return out


DECODERS: Final = _decoders()
"""The trusted decode of each topic whose event class this module can decode."""


def _uuid(originator_id: Any) -> UUID:
    """The stream id as a UUID: from the 32 hex digits SQLite keeps (set as `UUID(hex=...)`
    sets it, without its checks, which the pattern has made), or as PostgreSQL's driver gives."""
    if type(originator_id) is str and HEX32.fullmatch(originator_id):
        made = _new(UUID)
        _set(made, "int", int(originator_id, 16))
        _set(made, "is_safe", SafeUUID.unknown)
        return made
    if type(originator_id) is UUID:
        return originator_id
    raise TypeError(originator_id)


_identity = _memo(_uuid)


_parse: Callable[[bytes], Any] = msgspec.json.Decoder().decode
"""JSON bytes to plain values, as `json.loads` gives them (a later duplicate key wins), about
three times as fast; what it refuses (NaN, say) the validated decode reads, as it always did."""


class TrustedDecoder:
    """Decodes stored rows (as `iter_pages` gives them) by the trusted decode, falling back to
    `validated` (the mapper's `from_row`) for anything it does not expect."""

    def __init__(self, validated: FromRow) -> None:
        self.validated = validated

    def from_row(self, originator_id: Any, originator_version: Any, topic: str,
                 state: Any) -> Any:
        """The event of a stored row: the same as `validated` gives for it."""
        decode = DECODERS.get(topic)
        if decode is not None and type(originator_version) is int and type(state) is bytes:
            try:
                data = _parse(state)
                if type(data) is dict:
                    return decode(_identity(originator_id), originator_version, data)
            except Exception:  # the validated decode decides, and words any error
                pass
        return self.validated(originator_id, originator_version, topic, state)


__all__ = ["DECODERS", "TrustedDecoder", "Unsupported", "class_decoder", "converter"]
