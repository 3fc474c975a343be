"""The target dates real plans write, each form read by one documented rule.

`read_target` turns a Timescale / Due / End date cell into a day, or into no day with a warning
for words that name none (`Immediate`, `On-going`, `TBC`). Every rule says what it decided, so
the importer can print it. A form not listed here is an error naming what is accepted.

Rules, in the order they are tried:

1. An Excel date cell, `2016-07-25`, `25/07/2016`, `25.07.2016`, `25 July 2016`: that day.
2. `30/09/13`: day, month and a two-digit year, read as 20YY.
3. `2015 07 31`: year, month and day separated by spaces, that day.
4. `31/08/2015 onwards` (or `from 31/08/2015`): the day given; the rest is said in a warning.
5. `January 2017`, `Jan 2017`, `Nov-18`, `March 12`: a month means its last day; a two-digit
   year is 20YY (a month alone names no date, so the number is always its year).
6. `2010-11`, `2010/11`, `2010-2011`, `In 2010-11`, `By 2010/11`: a UK financial year, which
   ends on 31 March of its second year (the years must follow each other, else it is a range
   and an error).
7. `Q3 2016/17`, `Q2 2015-16`: a quarter of a financial year (Q1 April-June ... Q4 January-
   March) means its last day; `Q3 2016` (a calendar year) means the calendar quarter's last day.
8. `Immediate`, `On-going`, `Ongoing`, `TBC`, `TBA`, `N/A`, `Complete`, `Completed`: no target
   date, with a warning saying so (the plan names no day).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from ledger.application.plan_file import cell_text, parse_date
from ledger.domain import events as ev
from ledger.domain.dates import MONTHS

ACCEPTED = ("a date (31/03/2017, 30/09/13, 2017-03-31), a month (January 2017, Nov-18), a "
            "financial year (2010-11), a quarter (Q3 2016/17), or Immediate / On-going / TBC")
NO_DAY_WORDS = {"immediate": "Immediate", "ongoing": "On-going", "tbc": "TBC", "tba": "TBA",
                "na": "N/A", "complete": "Complete", "completed": "Completed",
                "immediately": "Immediately", "continuous": "Continuous"}
_SHORT_UK = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{2})")
_SPACED = re.compile(r"([0-9]{4}) ([0-9]{1,2}) ([0-9]{1,2})")
_ONWARDS = re.compile(r"(?:from\s+)?(.+?)\s+onwards?|from\s+(.+)", re.I)
_MONTH = re.compile(r"([A-Za-z]+)\.?[\s\-/']+([0-9]{2}|[0-9]{4})")
_FY = re.compile(r"(?:(?:in|by|during|end of)\s+)?(?:fy\s*)?([0-9]{4})\s*[-/]\s*([0-9]{2}|[0-9]{4})",
                 re.I)
_QUARTER = re.compile(r"q([1-4])\s+([0-9]{4})(?:\s*[-/]\s*([0-9]{2}|[0-9]{4}))?", re.I)


@dataclass(frozen=True)
class Target:
    """A target cell read: the day (None when the words name none), and what rule decided it."""

    day: date | None
    rule: str | None = None
    warning: str | None = None


def _year(text: str) -> int:
    return 2000 + int(text) if len(text) == 2 else int(text)


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _financial_year(first: int, second_text: str) -> int:
    """The calendar year a financial year `first`-`second` ends in (ValueError for a range)."""
    second = _year(second_text) if len(second_text) == 4 else first // 100 * 100 + int(second_text)
    if second != first + 1:
        raise ValueError(f"years {first} to {second} are a range, not one financial year; "
                         f"write its end date instead ({ACCEPTED})")
    return second


def read_target(value: Any) -> Target:
    """The target day a cell names, by the rules in this module's docstring."""
    try:
        return Target(parse_date(value))
    except ValueError as plain:
        # A date in a plain form that is wrong (31/02/2016, 31/12/9999) says why; only text in
        # none of the plain forms is tried against the rules below.
        if not isinstance(value, str) or not str(plain).startswith("not a date (write"):
            raise
    text = " ".join(cell_text(value).split())
    found = _read_words(text)
    if found is None:
        raise ValueError(f"not a date ({ACCEPTED})")
    if found.day is not None:
        ev.check_day(found.day)
    return found


def _read_words(text: str) -> Target | None:
    word = re.sub(r"[^a-z]", "", text.lower())
    if word in NO_DAY_WORDS:
        return Target(None, f"{text} names no day: no target date",
                      f"{text!r} names no day: the action has no target date")
    for reader in (_short_uk, _spaced, _onwards, _quarter, _financial, _month):
        found = reader(text)
        if found is not None:
            return found
    return None


def _short_uk(text: str) -> Target | None:
    m = _SHORT_UK.fullmatch(text)
    if not m:
        return None
    try:
        day = date(_year(m.group(3)), int(m.group(2)), int(m.group(1)))
    except ValueError as e:
        raise ValueError(f"not a date ({e})") from None
    return Target(day, f"day/month/two-digit year: {day.isoformat()}")


def _spaced(text: str) -> Target | None:
    m = _SPACED.fullmatch(text)
    if not m:
        return None
    try:
        day = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError as e:
        raise ValueError(f"not a date ({e})") from None
    return Target(day, f"year month day: {day.isoformat()}")


def _onwards(text: str) -> Target | None:
    m = _ONWARDS.fullmatch(text)
    if not m:
        return None
    inner = m.group(1) or m.group(2)
    try:
        day = parse_date(inner)
    except ValueError:
        found = _read_words(inner)
        if found is None or found.day is None:
            return None
        day = found.day
    return Target(day, f"{text!r} read as {day.isoformat()} (the day it begins)",
                  f"{text!r} gives a start, not an end: target date {day.isoformat()}")


def _month(text: str) -> Target | None:
    m = _MONTH.fullmatch(text)
    if not m or m.group(1).lower() not in MONTHS:
        return None
    day = _month_end(_year(m.group(2)), MONTHS[m.group(1).lower()])
    return Target(day, f"a month means its last day: {day.isoformat()}")


def _financial(text: str) -> Target | None:
    m = _FY.fullmatch(text)
    if not m:
        return None
    end = _financial_year(int(m.group(1)), m.group(2))
    day = date(end, 3, 31)
    return Target(day, f"a financial year ends on 31 March of its second year: {day.isoformat()}")


def _quarter(text: str) -> Target | None:
    m = _QUARTER.fullmatch(text)
    if not m:
        return None
    quarter, first = int(m.group(1)), int(m.group(2))
    if m.group(3) is None:
        day = _month_end(first, quarter * 3)
        return Target(day, f"a calendar quarter means its last day: {day.isoformat()}")
    end = _financial_year(first, m.group(3))
    month = quarter * 3 + 3
    day = _month_end(first if month <= 12 else end, month if month <= 12 else month - 12)
    return Target(day, f"a financial year's quarter (Q1 April-June) means its last day: "
                       f"{day.isoformat()}")
