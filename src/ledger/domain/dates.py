"""Calendar days as people type them: one rule for every command option and imported cell.

A day is written `2016-07-25` (ISO, month and day may drop their leading zero), `25/07/2016`
(day first, as in the UK; `.` or `-` may separate instead of `/`) or `25 July 2016` (a month's
name or its usual abbreviation, any case, `25th Jul. 2016` too), between 1900 and 2200.
"""

from __future__ import annotations

import re
from datetime import date

from ledger.domain.events import check_day

FORMS = "2016-07-25, 25/07/2016 or 25 July 2016"
"""The accepted forms, as messages name them."""

MONTHS = {m: i for i, names in enumerate(
    (("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
     ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
     ("october", "oct"), ("november", "nov"), ("december", "dec")), start=1) for m in names}
# [0-9], not \d: int() would also read '٣'.
_ISO = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:[T ]00:00(?::00)?)?")
_UK = re.compile(r"([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})")
_LONG = re.compile(r"([0-9]{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]+)\.?,?\s+([0-9]{4})")


def parse_day(text: str) -> date:
    """The day `text` names in one of the accepted forms, or ValueError with a one-line reason
    (`not a date (month must be in 1..12)`, `not a date (write 2016-07-25, ...)`)."""
    return check_day(_parse(text.strip()))


def _parse(text: str) -> date:
    for pattern, order in ((_ISO, "ymd"), (_UK, "dmy")):
        m = pattern.fullmatch(text)
        if m:
            parts = dict(zip(order, (int(g) for g in m.groups()), strict=True))
            return _day(parts["y"], parts["m"], parts["d"])
    m = _LONG.fullmatch(text)
    if m and m.group(2).lower() in MONTHS:
        return _day(int(m.group(3)), MONTHS[m.group(2).lower()], int(m.group(1)))
    raise ValueError(f"not a date (write {FORMS})")


def _day(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError as e:
        raise ValueError(f"not a date ({e})") from None
