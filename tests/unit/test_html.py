"""The HTML report, the burn-up chart and the .xlsx action list, on the demo ledger.

The demo (the seed's 2016 story, simulated clock) is built once into a SQLite file; the October
meeting's report is rendered as HTML and its figures read back from the markup and compared with
the JSON report of the same `Report`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date
from html.parser import HTMLParser
from itertools import pairwise
from pathlib import Path
from typing import Any

import click
import openpyxl
import pytest
from click.testing import CliRunner, Result

from ledger.application import Ledger, scenario
from ledger.application.reporting import report_burnup
from ledger.cli.chart import command as chart_command
from ledger.cli.common import Session
from ledger.cli.group import LedgerGroup
from ledger.cli.output import write_html, write_xlsx
from ledger.projections.burnup import burnup
from ledger.projections.render import to_json
from ledger.projections.render.chart import draw
from ledger.projections.render.html import to_html
from ledger.projections.render.xlsx import xlsx_bytes
from ledger.projections.replay import Timeline, end_of_day
from ledger.projections.report import Report, build_meeting_report, build_report


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Ledger]]:
    """The demo ledger in a SQLite file, and the application open on it."""
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    url = f"sqlite:///{path}"
    clock = scenario.SimulatedClock()
    with Ledger(url, clock=clock) as app:
        scenario.build(app, clock, say=lambda _: None)
        yield url, app


@pytest.fixture(scope="module")
def october(demo: tuple[str, Ledger]) -> Report:
    return build_meeting_report(demo[1].stream, scenario.OCTOBER)


@pytest.fixture(scope="module")
def page(demo: tuple[str, Ledger], october: Report) -> str:
    points, meetings = report_burnup(demo[1], october)
    return to_html(october, points, meetings)


class Attributes(HTMLParser):
    """Collects the text of elements carrying a given data attribute, and every src/href."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, dict[str, str]] = {}
        self.links: list[str] = []
        self.tags: list[str] = []
        self._open: tuple[str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            if name in ("src", "href", "xlink:href", "action", "poster", "data") and value:
                self.links.append(value)
            if name.startswith("data-") and value and name not in ("data-fingerprint",
                                                                     "data-as-at"):
                self._open = (name.removeprefix("data-"), value)

    def handle_data(self, data: str) -> None:
        if self._open is not None and data.strip():
            kind, key = self._open
            self.values.setdefault(kind, {})[key] = data.strip()
            self._open = None


def parsed(page: str) -> Attributes:
    parser = Attributes()
    parser.feed(page)
    return parser


# -- self-contained ---------------------------------------------------------------------------

def test_html_is_one_self_contained_document(page: str) -> None:
    doc = parsed(page)
    assert page.startswith("<!DOCTYPE html>")
    assert doc.tags.count("html") == 1
    assert "svg" in doc.tags, "the burn-up chart is inline SVG"
    assert "script" not in doc.tags and "link" not in doc.tags and "img" not in doc.tags
    assert "iframe" not in doc.tags and "object" not in doc.tags
    # Links inside the page are fragments (the SVG's own clip paths); nothing points outside.
    assert all(link.startswith("#") for link in doc.links), doc.links
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, flags=re.I)
    assert "@import" not in page
    assert re.findall(r"url\((.)", page) and set(re.findall(r"url\((.)", page)) == {"#"}
    assert "<?xml" not in page and "<!DOCTYPE svg" not in page


def test_html_is_the_same_every_time(demo: tuple[str, Ledger], october: Report,
                                     page: str) -> None:
    points, meetings = report_burnup(demo[1], october)
    assert to_html(october, points, meetings) == page


# -- figures ----------------------------------------------------------------------------------

def test_totals_in_the_html_equal_the_json_report(october: Report, page: str) -> None:
    doc = json.loads(to_json(october))
    values = parsed(page).values
    assert {k: int(v) for k, v in values["total"].items()} == doc["totals"]
    assert {k: int(v) for k, v in values["then"].items()} == doc["since"]["then"]
    assert {k: int(v) for k, v in values["change"].items()} == {
        k: doc["totals"][k] - doc["since"]["then"][k] for k in doc["totals"]}
    for key in ("completed", "started", "added", "remaining"):
        assert int(values["since"][key]) == doc["since"][key], key


def test_html_carries_the_minutes_tables_fingerprint_and_clocks(october: Report,
                                                                page: str) -> None:
    doc = json.loads(to_json(october))
    text = re.sub(r"\s+", " ", page.replace("&#x27;", "'"))
    for paragraph in doc["minutes"]:
        assert paragraph in text
    for heading in ("By audit", "By priority", "By owner", "Overdue actions", "Blocked actions",
                    "Outstanding committee requests", "Resolutions of this meeting"):
        assert f"<h2>{heading}</h2>" in page, heading
    fp = doc["fingerprint"]
    assert f'data-fingerprint="{fp["position"]}:{fp["hash"]}"' in page
    assert october.clocks() in text
    assert "RM-RECRUITED" in page  # the blocked actions name what they wait on
    for owner, figures in doc["by_owner"].items():
        assert f"<td>{owner}</td>" in page
        assert f'<td class=num>{figures["actions"]}</td>' in page


def test_html_without_a_chart_or_a_previous_meeting(demo: tuple[str, Ledger]) -> None:
    report = build_report(demo[1].stream, date(2016, 7, 25), audit=scenario.ICO,
                          as_known_on=end_of_day(date(2016, 7, 25)))
    page = to_html(report, None, [])
    values = parsed(page).values
    assert values["total"] == {"actions": "77", "completed": "8", "in_progress": "49",
                               "not_started": "20", "withdrawn": "0", "superseded": "0"}
    assert "then" not in values and "since" not in values
    assert "<svg" not in page


# -- the chart --------------------------------------------------------------------------------

def test_burnup_ends_at_the_report_totals(demo: tuple[str, Ledger], october: Report) -> None:
    points, meetings = report_burnup(demo[1], october)
    assert points[0][0] == date(2016, 3, 15)
    assert points[-1] == (date(2016, 10, 24), october.totals)
    assert len(points) == (date(2016, 10, 24) - date(2016, 3, 15)).days + 1
    assert meetings == [(date(2016, 7, 25), "25 Jul 2016"), (date(2016, 10, 24), "24 Oct 2016")]
    july = dict(points)[date(2016, 7, 25)]
    assert july == build_report(demo[1].stream, date(2016, 7, 25),
                                as_known_on=october.position.as_known_on).totals


def test_burnup_is_weekly_over_long_spans(demo: tuple[str, Ledger]) -> None:
    timeline = Timeline.build(demo[1].stream())
    points = burnup(timeline, date(2015, 1, 1), date(2017, 2, 20), scenario.ICO)
    days = [d for d, _ in points]
    assert days[-1] == date(2017, 2, 20)
    assert all((b - a).days == 7 for a, b in pairwise(days[:-1]))
    assert points[0][1].actions == 0 and points[-1][1].actions == 77
    assert burnup(timeline, date(2016, 2, 1), date(2016, 1, 1)) == []


@pytest.mark.parametrize("fmt", ["svg", "png"])
def test_chart_bytes_are_the_same_every_time(demo: tuple[str, Ledger], october: Report,
                                             fmt: Any) -> None:
    points, meetings = report_burnup(demo[1], october)
    first = draw(points, meetings, fmt)
    assert first == draw(points, meetings, fmt)
    if fmt == "svg":
        assert b"<svg" in first[:400] and b"<text" not in first  # text drawn as paths
    else:
        assert first.startswith(b"\x89PNG\r\n\x1a\n")
    assert draw([], [], fmt) != first


# -- writers and the chart command ------------------------------------------------------------

def test_write_html_needs_an_output_file(demo: tuple[str, Ledger], october: Report,
                                         tmp_path: Path) -> None:
    with pytest.raises(click.ClickException) as refused:
        write_html(demo[1], october, None)
    assert refused.value.exit_code == 2
    assert "-o FILE" in refused.value.message
    out = tmp_path / "october.html"
    write_html(demo[1], october, str(out))
    assert parsed(out.read_text(encoding="utf-8")).values["total"]["actions"] == "87"


def test_xlsx_action_list_matches_the_json(demo: tuple[str, Ledger], october: Report,
                                           tmp_path: Path) -> None:
    with pytest.raises(click.ClickException) as refused:
        write_xlsx(demo[1], october, None)
    assert refused.value.exit_code == 2
    out = tmp_path / "actions.xlsx"
    out.write_bytes(xlsx_bytes(october))
    sheet = openpyxl.load_workbook(out).active
    rows = list(sheet.iter_rows(values_only=True))
    actions = json.loads(to_json(october))["actions"]
    assert rows[0][:3] == ("ref", "status", "owner")
    assert [(r[0], r[1]) for r in rows[1:]] == [(a["ref"], a["status"]) for a in actions]
    first_due = rows[1][3]
    assert first_due is not None and first_due.date().isoformat() == actions[0]["due"]


def run_chart(url: str, *args: str) -> Result:
    root = LedgerGroup(name="ledger", context_settings={"help_option_names": ["-h", "--help"]})
    root.add_command(chart_command)
    session = Session(url=url)
    try:
        result = CliRunner().invoke(root, ["chart", *args], obj=session)
    finally:
        session.close()
    assert "Traceback" not in result.stdout + result.stderr
    return result


@pytest.mark.parametrize("suffix", ["svg", "png"])
def test_chart_command_writes_the_same_file_twice(demo: tuple[str, Ledger], tmp_path: Path,
                                                  suffix: str) -> None:
    files = []
    for n in (1, 2):
        out = tmp_path / f"burnup{n}.{suffix}"
        result = run_chart(demo[0], "--from", "2016-03-15", "--to", "2016-10-24",
                           "--as-known-on", "2016-10-24", "-o", str(out))
        assert result.exit_code == 0, result.stderr
        assert result.stderr == f"wrote {out}\n"
        files.append(out.read_bytes())
    assert files[0] == files[1] and len(files[0]) > 1000


@pytest.mark.parametrize(("args", "code", "message"), [
    (["-o", "chart.pdf"], 2, "the chart is written as .svg or .png"),
    (["--from", "2016-10-01", "--to", "2016-09-01", "-o", "c.svg"], 2, "is before --from"),
    (["--audit", "NOPE", "-o", "c.svg"], 1, "no audit NOPE"),
    (["--to", "2015-01-01", "-o", "c.svg"], 1, "no actions as at 2015-01-01"),
])
def test_chart_command_refusals(demo: tuple[str, Ledger], tmp_path: Path, args: list[str],
                                code: int, message: str) -> None:
    args = [str(tmp_path / a) if a.startswith("c") and "." in a else a for a in args]
    result = run_chart(demo[0], *args)
    assert result.exit_code == code, result.stderr
    assert message in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert not list(tmp_path.iterdir())
