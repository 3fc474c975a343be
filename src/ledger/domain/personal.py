"""Personal data, declared once: which fields of which events name people, how a value is bound
to the chain by a salted commitment, and which values a data subject's erasure reaches.

A personal field is stored outside the hashed payload: the payload holds `{"$c": HEX}`, the
SHA-256 of a random salt, the field's name and its value; the value and the salt live in a side
table. Erasing deletes both: the chain is untouched, and the commitment alone cannot be guessed
back (the salt is 128 random bits).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass

from ledger.domain import events as ev

ERASED = "[erased]"
"""What an erased value reads as, wherever it is shown."""
COMMITMENT_KEY = "$c"
"""The one key of a commitment object in a stored payload: `{"$c": "<64 hex digits>"}`."""
SALT_BYTES = 16


@dataclass(frozen=True)
class PersonalFields:
    """An event type's personal fields: people's names (the value is the subject) and free text
    (about whichever people it names)."""

    names: tuple[str, ...] = ("actor",)
    texts: tuple[str, ...] = ()
    carried: str | None = None
    """The text (one of `texts`) that holds other fields' values as a JSON object: the new
    personal values a correction gives the event it corrects."""

    @property
    def all(self) -> tuple[str, ...]:
        """Every personal field, names first."""
        return self.names + self.texts


_DEFAULT = PersonalFields()
_OWNER = PersonalFields(("actor", "owner"))
_REASON = PersonalFields(texts=("reason",))
PERSONAL: dict[type[ev.LedgerEvent], PersonalFields] = {
    ev.ActionAdded: _OWNER,
    ev.RecommendationMade: PersonalFields(("actor", "risk_accepted_by")),
    ev.ActionAssigned: PersonalFields(("actor", "owner", "previous"), ("reason",)),
    ev.ActionStarted: PersonalFields(texts=("note",)),
    ev.ActionCompleted: PersonalFields(texts=("evidence",)),
    ev.ActionReopened: _REASON,
    ev.ActionWithdrawn: _REASON,
    ev.ActionSuperseded: _REASON,
    ev.ActionRescheduled: _REASON,
    ev.MilestoneAchieved: PersonalFields(texts=("note",)),
    ev.ResolutionPassed: PersonalFields(texts=("text", "report_after")),
    ev.EventCorrected: PersonalFields(texts=("reason", "personal"), carried="personal"),
    ev.EventRetracted: _REASON,
    ev.PersonalDataErased: _REASON,
}
"""The personal fields of each event type (any other: its actor). `ActionNoted`'s text is
personal when the officer marked the note so (`personal`)."""
_NOTE_PERSONAL = PersonalFields(texts=("text",))
NAME_FIELDS = frozenset(f for p in (_DEFAULT, *PERSONAL.values()) for f in p.names)
"""The fields that hold a person's name in any event type (none is free text in another)."""


def personal_fields(event: ev.LedgerEvent) -> PersonalFields:
    """The personal fields of this event (for `ActionNoted`, whether it was marked personal)."""
    if isinstance(event, ev.ActionNoted) and event.personal:
        return _NOTE_PERSONAL
    return PERSONAL.get(type(event), _DEFAULT)


def possible_fields(cls: type[ev.LedgerEvent]) -> PersonalFields:
    """Every field of an event type that may be personal (a stored payload is read by these)."""
    if cls is ev.ActionNoted:
        return _NOTE_PERSONAL
    return PERSONAL.get(cls, _DEFAULT)


def commitment(salt: bytes, field: str, value: str) -> str:
    """The hex SHA-256 binding a value to its field: what the hashed payload keeps."""
    return hashlib.sha256(salt + field.encode() + b"\0" + value.encode()).hexdigest()


def is_commitment(value: object) -> bool:
    """True for a stored commitment object `{"$c": HEX}`."""
    return (isinstance(value, dict) and len(value) == 1
            and isinstance(value.get(COMMITMENT_KEY), str) and len(value[COMMITMENT_KEY]) == 64)


def subject_key(subject: str) -> str:
    """A name as compared: spaces collapsed, case folded."""
    return " ".join(subject.split()).casefold()


class Subject:
    """A data subject named by an erasure: matches a name field equal to it, and a free text
    that names it (as whole words, whatever the case or spacing)."""

    def __init__(self, name: str) -> None:
        self.key = subject_key(name)
        if not self.key:
            raise ValueError("a subject needs a name")
        words = (re.escape(w) for w in self.key.split())
        self._in_text = re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)", re.IGNORECASE)

    def named_by(self, field: str, value: str, fields: PersonalFields) -> bool:
        """Whether the value of `field` (personal under `fields`) is about this subject."""
        if field in fields.names:
            return subject_key(value) == self.key
        if field == fields.carried:
            return self._in_carried(value)
        return self._names_in(value)

    def _names_in(self, text: str) -> bool:
        """Whether a free text names this subject: its words case-folded as the subject's are
        (ß reads as ss), whatever the spacing."""
        return self._in_text.search(text.casefold()) is not None

    def _in_carried(self, value: str) -> bool:
        """Whether a JSON object of field -> value (a correction's) has a value about this
        subject, each judged as its own field is: decoded, so escapes do not hide a name, and a
        name must equal the subject's. Text that is not such an object is searched as text."""
        try:
            carried = json.loads(value)
        except ValueError:
            carried = None
        if not isinstance(carried, dict):
            return self._names_in(value)
        return any(isinstance(v, str) and (subject_key(v) == self.key if k in NAME_FIELDS
                                           else self._names_in(v))
                   for k, v in carried.items())
