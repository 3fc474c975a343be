"""The committee tracker in every format of `ledger meeting report`, and `--present` with the
HTML paper: rendered and recorded at once, or made earlier and recorded as circulated (refused,
in one line, when it was changed)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.cli.test_commands import db, fingerprint, invoke, ok, write

__all__ = ["db"]  # the story recorded through the CLI (a fixture of test_commands)


def make_html(db: Path, meeting: str, path: Path) -> None:
    """Write the HTML paper of `meeting` to `path` (saying so on stderr)."""
    result = invoke(db, "meeting", "report", meeting, "--format", "html", "-o", str(path))
    assert result.exit_code == 0 and result.stderr == f"wrote {path}\n", result.stderr


@pytest.fixture
def story(db: Path) -> Path:
    """The story, and between the July and October meetings: ICO-A1.1 completed, ICO-A1.2's
    date moved, a new action withdrawn and another left overdue."""
    write(db, "action", "complete", "ICO-A1.1", "--on", "2016-09-01", "--evidence", "In post")
    write(db, "action", "reschedule", "ICO-A1.2", "--due", "2017-06-30", "--on", "2016-08-01",
          "--reason", "Induction later")
    write(db, "action", "add", "ICO-C1.1", "--recommendation", "ICO-C1", "--text", "Register",
          "--owner", "Head of IG", "--due", "2016-06-30", "--on", "2016-03-01")
    write(db, "action", "add", "ICO-C1.2", "--recommendation", "ICO-C1", "--text", "Audit it",
          "--due", "2016-12-31", "--on", "2016-03-01")
    write(db, "action", "withdraw", "ICO-C1.2", "--on", "2016-09-05", "--reason", "Risk accepted")
    return db


def test_the_json_tracker(story: Path) -> None:
    doc = json.loads(ok(story, "meeting", "report", "2016-10-24", "--format", "json").stdout)
    t = doc["tracker"]
    assert (t["since"], t["previous_meeting"]) == ("2016-07-25", "2016-07-25")
    assert [a["ref"] for a in t["live"]] == ["ICO-A1.2", "ICO-C1.1"]
    assert t["completed_since"] == [{"ref": "ICO-A1.1", "owner": "Records Manager",
                                     "completed_on": "2016-09-01", "due": "2017-01-31"}]
    assert t["extensions"] == {"approved": [{
        "ref": "ICO-A1.2", "owner": None, "original_due": "2017-03-31",
        "previous_due": "2017-03-31", "due": "2017-06-30", "moves": 1, "revisions": 1}],
        "requested": []}
    assert t["overdue"] == [{"ref": "ICO-C1.1", "owner": "Head of IG", "status": "not_started",
                             "due": "2016-06-30", "original_due": "2016-06-30",
                             "days_overdue": 116, "ageing": "over 90"}]
    assert t["closed"] == [{"ref": "ICO-C1.2", "status": "withdrawn", "on": "2016-09-05",
                            "owner": None}]
    july = json.loads(ok(story, "meeting", "report", "2016-07-25", "--format", "json").stdout)
    assert july["tracker"]["since"] is None
    assert [a["ref"] for a in july["tracker"]["completed_since"]] == []


def test_text_markdown_and_csv(story: Path) -> None:
    md = ok(story, "meeting", "report", "2016-10-24", "--format", "markdown").stdout
    assert "## Tracker: extensions approved since the last meeting (2016-07-25)" in md
    assert "| ICO-A1.2 |  | 2017-03-31 | 2017-03-31 | 2017-06-30 | 1 | 1 |" in md
    assert "| ICO-C1.1 | Head of IG | not started | 2016-06-30 | 2016-06-30 | 116 | over 90 |" in md
    assert "| ICO-C1.2 | withdrawn | 2016-09-05 |  |" in md
    july = ok(story, "meeting", "report", "2016-07-25", "--format", "markdown").stdout
    assert "## Tracker: completed since the start (no previous meeting)" in july
    text = ok(story, "meeting", "report", "2016-10-24", "--format", "text").stdout
    assert "Tracker: live actions" in text and "Tracker: withdrawn or superseded" in text
    assert "No extension was awaiting approval." in text
    # The CSV stays the action list (one table); the tracker is in the other formats.
    rows = list(csv.reader(io.StringIO(
        ok(story, "meeting", "report", "2016-10-24", "--format", "csv").stdout)))
    assert rows[0][0] == "ref" and len(rows) == 5


def test_the_html_paper_presented_at_once(story: Path, tmp_path: Path) -> None:
    paper = tmp_path / "october.html"
    result = invoke(story, "meeting", "report", "2016-10-24", "--format", "html", "-o",
                    str(paper), "--present", "--fulfils", "2016-07-25/1")
    assert result.exit_code == 0, result.stderr
    assert "report 1 presented" in result.stderr
    html = paper.read_text(encoding="utf-8")
    assert 'id="tracker-overdue"' in html and "<td>ICO-C1.1</td>" in html
    assert '<meta name="ledger-paper" content="{&quot;as_at&quot;: &quot;2016-10-24&quot;' in html
    again = invoke(story, "report", "as-presented", "2016-10-24", "-o", str(tmp_path / "a.html"))
    assert again.exit_code == 0 and "byte-identical" in again.stderr
    assert (tmp_path / "a.html").read_bytes() == paper.read_bytes()
    assert "No committee request was outstanding" in ok(
        story, "requests", "--as-at", "2016-10-25").stdout


def test_an_html_paper_made_earlier_is_presented_as_circulated(story: Path,
                                                                tmp_path: Path) -> None:
    paper = tmp_path / "october.html"
    make_html(story, "2016-10-24", paper)
    before = fingerprint(story)
    out = ok(story, "meeting", "report", "2016-10-24", "--present", "--paper", str(paper),
             "--fulfils", "2016-07-25/1").stdout
    assert "2016-10-24: report 1 presented" in out and "#24 2016-07-25" in out
    assert fingerprint(story)["position"] == before["position"] + 2  # type: ignore[operator]
    assert "No committee request was outstanding" in ok(
        story, "requests", "--as-at", "2016-10-25").stdout
    doc = json.loads(ok(story, "show", "2016-10-24", "--format", "json").stdout)
    assert "html" in json.dumps(doc)
    again = invoke(story, "report", "as-presented", "2016-10-24", "-o", str(tmp_path / "a.html"))
    assert again.exit_code == 0 and (tmp_path / "a.html").read_bytes() == paper.read_bytes()


@pytest.mark.parametrize(("change", "words"), [
    (lambda t: t.replace("<td>ICO-C1.1</td>", "<td>ICO-C1.9</td>", 1),
     "does not reproduce from the trail"),
    (lambda t: t.replace('name="ledger-paper"', 'name="other"'),
     "is not a ledger HTML paper"),
    (lambda t: t.replace("&quot;2016-10-24&quot;", "&quot;2016-10-23&quot;", 1),
     "does not reproduce from the trail"),
])
def test_a_tampered_html_paper_is_refused_in_one_line(story: Path, tmp_path: Path,
                                                      change: object, words: str) -> None:
    paper = tmp_path / "october.html"
    make_html(story, "2016-10-24", paper)
    assert callable(change)
    paper.write_text(change(paper.read_text(encoding="utf-8")), encoding="utf-8")
    before = fingerprint(story)
    result = invoke(story, "meeting", "report", "2016-10-24", "--present", "--paper", str(paper))
    assert result.exit_code in (1, 2) and words in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert fingerprint(story) == before  # nothing recorded


def test_a_paper_for_another_meeting_is_refused(story: Path, tmp_path: Path) -> None:
    paper = tmp_path / "july.html"
    make_html(story, "2016-07-25", paper)
    result = invoke(story, "meeting", "report", "2016-10-24", "--present", "--paper", str(paper))
    assert result.exit_code == 1
    assert "is the report for meeting 2016-07-25, not 2016-10-24" in result.stderr
    bad = invoke(story, "meeting", "report", "2016-10-24", "--paper", str(paper))
    assert bad.exit_code == 2 and "--paper needs --present" in bad.stderr


def test_an_as_at_html_paper_is_presented_too(story: Path, tmp_path: Path) -> None:
    paper = tmp_path / "position.html"
    result = invoke(story, "report", "as-at", "2016-10-24", "--format", "html", "-o", str(paper),
                    "--present-at", "2016-10-24")
    assert result.exit_code == 0 and "report 1 presented" in result.stderr, result.stderr
    assert "Tracker:" not in paper.read_text(encoding="utf-8")  # meeting reports only
    again = invoke(story, "report", "as-presented", "2016-10-24", "-o", str(tmp_path / "a.html"))
    assert again.exit_code == 0 and (tmp_path / "a.html").read_bytes() == paper.read_bytes()
    # An as-at paper made earlier is accepted by --paper too (no meeting to mismatch).
    ok(story, "meeting", "report", "2016-10-24", "--present", "--paper", str(paper))
