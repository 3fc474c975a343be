"""The rebuild's decode: stored payloads straight into light structs holding what the writer reads.

The trusted decode (`ledger.store.trusted`) makes whole pydantic events; the writer reads three
to seven fields of each. Here `msgspec` decodes a payload, in C, into a struct of the class's
fields (those the writer reads typed, the rest kept as raw JSON, unknown keys refused), then the
few rewrites decoding with validation does (texts stripped, names' spaces squeezed) are applied
to the fields the writer reads. Anything unexpected (an erased personal value, a wrong type, a
missing field) goes to the full decode, which gives the event or the error. Events the writer
ignores are not decoded at all. A unit test proves every field the writer reads equal to the
validated decode's, for every class decoded here.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from datetime import date
from enum import Enum
from typing import Annotated, Any, Final, Union, cast, get_args, get_origin

import msgspec
from pydantic.functional_validators import AfterValidator

from ledger.domain import events as ev
from ledger.domain.personal import possible_fields
from ledger.store.codecs import as_bytes
from ledger.store.personal import readable
from ledger.store.trusted import REWRITING, Unsupported, converter

FromRow = Callable[[Any, Any, str, Any], Any]
"""(originator id, version, topic, state) → event, as `PydanticMapper.from_row`."""

READS: Final[dict[type[ev.LedgerEvent], tuple[str, ...]]] = {
    **{kind: ("ref", "effective") for kind in ev.STATUS_AFTER},
    ev.ActionAdded: ("ref", "effective", "text", "due", "owner", "recommendations", "depends_on"),
    ev.ActionAssigned: ("ref", "effective", "owner"),
    ev.ActionRescheduled: ("ref", "effective", "due"),
    ev.MilestoneSet: ("ref", "effective", "text"),
    ev.MilestoneAchieved: ("ref", "effective"),
    ev.MeetingScheduled: ("ref", "committee", "held_on"),
    ev.ReportReceived: ("ref", "number", "effective"),
    ev.RescheduleRequested: ("ref", "effective", "due", "reason"),
    ev.ImplementationAssessed: ("ref", "by", "outcome", "note", "effective"),
    ev.AssuranceRevised: ("ref", "area", "rating", "effective"),
}
"""The fields the writer (`writer.Batch.take`) reads of each class decoded light, besides the
version. A class it reads whole (its JSON kept in a row) is decoded in full."""


def _light_type(annotation: Any, metadata: list[Any] | tuple[Any, ...] = ()) -> tuple[Any, Any]:
    """The msgspec type of a field read by the writer, and the rewrite it needs (or None)."""
    origin = get_origin(annotation)
    if origin is Annotated:
        base, *inner = get_args(annotation)
        return _light_type(base, [*inner, *metadata])
    rewrite = next((REWRITING[m.func] for m in metadata
                    if isinstance(m, AfterValidator) and m.func in REWRITING), None)
    args = get_args(annotation)
    if origin in (Union, types.UnionType):
        (inner_type, inner_rewrite), = [_light_type(a) for a in args if a is not type(None)]
        return inner_type | None, inner_rewrite
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        item, item_rewrite = _light_type(args[0])
        if item_rewrite is not None:
            raise Unsupported(f"{annotation!r}: items rewritten")
        return tuple[item, ...], None  # type: ignore[valid-type]
    if annotation in (str, int, date) or (isinstance(annotation, type)
                                          and issubclass(annotation, Enum)):
        return annotation, rewrite
    raise Unsupported(repr(annotation))


class Light(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, gc=False):
    """The base of the light structs: the stream version, set from the row after decoding."""

    originator_version: int = 0


def light_class(cls: type[ev.LedgerEvent], reads: tuple[str, ...]) -> tuple[type[Light], Any]:
    """The light struct of `cls` (every stored field: those in `reads` typed, the others raw
    JSON) and the function that applies the rewrites and refuses an unreadable personal value."""
    personal = set(possible_fields(cls).all)
    fields: list[tuple[Any, ...]] = []
    fixes: list[str] = []
    scope: dict[str, Any] = {}
    for name, info in cls.model_fields.items():
        if name in ("originator_id", "originator_version"):
            continue
        converter(info.annotation, info.metadata)  # `Unsupported` where the trusted decode is
        kind: Any = msgspec.Raw
        if name in reads:
            kind, rewrite = _light_type(info.annotation, info.metadata)
            if name in personal:  # its commitment comes first; the value, if kept, after it
                kind = kind | dict[str, Any]
                fixes.append(f"    if type(e.{name}) is dict: raise ValueError({name!r})")
            if rewrite is not None:
                scope[f"fix_{name}"] = rewrite
                fixes.append(f"    if e.{name} is not None: e.{name} = fix_{name}(e.{name})")
        if info.is_required():
            fields.append((name, kind))
        else:  # a default is not decoded: read where it matters, kept as raw JSON otherwise
            default = (info.get_default(call_default_factory=True) if name in reads
                       else msgspec.UNSET)
            fields.append((name, kind if name in reads else kind | msgspec.UnsetType, default))
    made = msgspec.defstruct(cls.__name__, fields, bases=(Light,), kw_only=True,
                             forbid_unknown_fields=True, gc=False)
    source = "def fix(e):\n" + "\n".join(fixes or ["    pass"]) + "\n    return e\n"
    exec(compile(source, f"<light fix of {cls.__name__}>", "exec"), scope)
    return cast(type[Light], made), scope["fix"]


class LightDecoder:
    """Stored rows (as `iter_pages_apart` gives them, personal values apart) to `(class, event
    or light struct)`, or None for an event the writer ignores; anything unexpected goes to
    `full` (the trusted decode). Personal values are read back only where they are read."""

    def __init__(self, full: FromRow, ignored: frozenset[type[ev.LedgerEvent]]) -> None:
        self.full = full
        self.ignored = frozenset(ev.topic_of(c) for c in ignored)
        self.light: dict[str, tuple[type[ev.LedgerEvent], Any, Any, bool]] = {}
        for cls, reads in READS.items():
            made, fix = light_class(cls, reads)
            self.light[ev.topic_of(cls)] = (cls, msgspec.json.Decoder(made).decode, fix,
                                            not set(reads).isdisjoint(possible_fields(cls).all))

    def from_row(self, originator_id: Any, originator_version: Any, topic: str, state: Any,
                 clear: str | None = None) -> tuple[type[ev.LedgerEvent], Any] | None:
        """The class and the (light) event of a stored row whose personal values are `clear`
        (its side row's fragment, if any); None if the writer ignores it."""
        if topic in self.ignored:
            return None
        light = self.light.get(topic)
        if light is not None and type(originator_version) is int and type(state) is bytes:
            cls, decode, fix, personal = light
            try:
                e = fix(decode(state if clear is None or not personal else readable(state, clear)))
                e.originator_version = originator_version
                return cls, e
            except Exception:  # the full decode decides, and words any error
                pass
        if clear is not None:
            state = readable(as_bytes(state), clear)
        event = self.full(originator_id, originator_version, topic, state)
        return type(event), event


__all__ = ["READS", "Light", "LightDecoder", "light_class"]
