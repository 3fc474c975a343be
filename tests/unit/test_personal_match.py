"""Which stored values a data subject's erasure reaches: a correction's carried values judged
field by field, and the SQL pattern that narrows the search never excluding a match."""

from __future__ import annotations

import json
import re
import string
import sys

import pytest

from ledger.domain import events as ev
from ledger.domain.personal import NAME_FIELDS, PERSONAL, Subject, possible_fields
from ledger.store.personal import _FOLDED_INTO, like_pattern

CARRIED = possible_fields(ev.EventCorrected)


def test_no_field_is_a_name_in_one_event_and_free_text_in_another() -> None:
    assert not NAME_FIELDS & {f for p in PERSONAL.values() for f in p.texts}


@pytest.mark.parametrize(("subject", "carried", "named"), [
    ('Ann "Nan" Lee', {"owner": 'Ann "Nan" Lee'}, True),
    ("ann \\ LEE", {"risk_accepted_by": "Ann \\ Lee"}, True),
    ("Zoë Lee", {"owner": "Zoë Lee", "note": "moved"}, True),
    ("Ann Lee", {"owner": "Ann Lee Jr"}, False),  # a name is the subject's only if equal
    ("Ann Lee", {"note": "ann  lee called"}, True),  # a free text names it by its words
    ("Ann Lee", {"note": "Annabel Lee called"}, False),
    ("owner", {"owner": "Ann Lee"}, False),  # a field's name is not a value
    ("Dirk Strauß", {"note": "dirk STRAUSS called"}, True),
    ("Dirk STRAUSS", {"note": "Dirk Strauß called"}, True),  # ß case-folds to ss, as names do
])
def test_a_corrections_values_are_judged_each_as_its_own_field(
        subject: str, carried: dict[str, str], named: bool) -> None:
    for text in (json.dumps(carried), json.dumps(carried, ensure_ascii=False)):
        assert Subject(subject).named_by("personal", text, CARRIED) is named


@pytest.mark.parametrize("text", ["Dirk Strauß off sick", "DIRK STRAUSS off sick",
                                  "dirk\nstrauß."])
def test_a_free_text_names_the_subject_whatever_the_case_folding(text: str) -> None:
    assert Subject("Dirk Strauß").named_by("text", text, possible_fields(ev.ActionNoted))


def test_the_pattern_keeps_only_characters_every_encoding_and_case_spells_alike() -> None:
    ascii_alnum = re.compile("[a-z0-9]", re.IGNORECASE)  # as a free text is searched
    folded = set()
    for code in range(0x80, sys.maxunicode + 1):
        ch = chr(code)
        folded |= {c for c in ch.casefold() + ch.lower() if c.isascii() and c.isalnum()}
        if ascii_alnum.fullmatch(ch):
            folded |= {c for c in string.ascii_lowercase + string.digits
                       if re.fullmatch(c, ch, re.IGNORECASE)}
    assert folded
    assert folded <= _FOLDED_INTO


@pytest.mark.parametrize("name", ['Ann "Nan" Lee', "Dirk Strauß", "\u212aim Bo", "Zoë Lee",
                                  "Ann_% Lee", "Bob Jones"])
def test_the_pattern_matches_the_stored_value_however_written(name: str) -> None:
    pattern = like_pattern(Subject(name.upper()))
    assert pattern is not None
    like = re.compile(".*".join(map(re.escape, pattern.split("%"))), re.IGNORECASE | re.DOTALL)
    for stored in (json.dumps(name), json.dumps(name, ensure_ascii=False),
                   json.dumps(json.dumps({"owner": name}))):
        assert like.search(stored), (pattern, stored)
    assert like_pattern(Subject("Ann")) is None  # every letter may be spelt otherwise
