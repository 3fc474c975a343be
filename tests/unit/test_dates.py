"""One rule for dates (`ledger.domain.dates`): the importer and every command option accept the
same forms and refuse the same ones, with the same one-line reason."""

from __future__ import annotations

from datetime import date

import click
import pytest

from ledger.application.plan_file import parse_date
from ledger.cli.common import DATE, DATETIME
from ledger.domain.dates import parse_day
from ledger.projections.replay import end_of_day

FORMS = ["2016-07-25", "2016-7-25", "25/07/2016", "25/7/2016", "25.07.2016", "25-07-2016",
         "25 July 2016", "25 Jul 2016", "25th July 2016", "25 jul. 2016", "25 July, 2016",
         " 2016-07-25 ", "2016-07-25 00:00"]
REFUSED = [("07/25/2016", "month must be in 1..12"), ("31/02/2016", "day is out of range"),
           ("soon", "not a date"), ("25 Juli 2016", "not a date"), ("1899-12-31", "plausible"),
           ("2016/07/25", "not a date"), ("", "not a date"), ("٢٠١٦-07-25", "not a date")]


@pytest.mark.parametrize("text", FORMS)
def test_every_form_names_the_same_day_everywhere(text: str) -> None:
    assert parse_day(text) == date(2016, 7, 25)
    assert parse_date(text) == date(2016, 7, 25)  # the importer's cells
    assert DATE.convert(text, None, None) == date(2016, 7, 25)  # every DATE option


@pytest.mark.parametrize("text", [f for f in FORMS if ":" not in f])
def test_a_day_given_for_a_time_is_the_end_of_that_day(text: str) -> None:
    assert DATETIME.convert(text, None, None) == end_of_day(date(2016, 7, 25))


@pytest.mark.parametrize(("text", "why"), REFUSED)
def test_refused_everywhere_with_the_same_reason(text: str, why: str) -> None:
    with pytest.raises(ValueError, match=why) as parsed:
        parse_day(text)
    assert "\n" not in str(parsed.value)
    with pytest.raises(ValueError, match=why):
        parse_date(text)
    with pytest.raises(click.BadParameter, match=why):
        DATE.convert(text, None, None)
