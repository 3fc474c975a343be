"""The follow-up audit through the command line: `audit add --kind follow-up --follows`,
`assess` (with `--reopen`), `audit assurance`, and their refusals in one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.test_commands import invoke, ok

OUTCOME_CHOICES = "'done' is not one of 'implemented', 'partially-implemented'"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """ICO with R1 (A1, A2 completed) and R2 (A3 in progress); FU follows ICO up."""
    path = tmp_path / "fu.db"
    ok(path, "audit", "add", "ICO", "--title", "ICO data protection audit", "--kind",
       "ico-audit", "--on", "2015-10-30", "--area", "governance=limited",
       "--area", "records management=limited")
    for rec in ("R1", "R2"):
        ok(path, "recommendation", "add", rec, "--audit", "ICO", "--text", "Do it", "--priority",
           "high", "--on", "2015-12-01")
    for ref, rec in (("A1", "R1"), ("A2", "R1"), ("A3", "R2")):
        ok(path, "action", "add", ref, "--recommendation", rec, "--text", "Step", "--on",
           "2016-01-01")
        ok(path, "action", "start", ref, "--on", "2016-01-02")
    for ref in ("A1", "A2"):
        ok(path, "action", "complete", ref, "--on", "2016-02-01")
    ok(path, "audit", "add", "FU", "--title", "ICO follow-up audit", "--kind", "follow-up",
       "--follows", "ICO", "--on", "2017-01-30")
    return path


def test_assess_records_the_finding_beside_the_status(db: Path) -> None:
    out = ok(db, "assess", "R2", "--by", "FU", "--outcome", "not-implemented", "--on",
             "2017-01-31", "--note", "Not begun").stdout
    assert "R2: FU found it not-implemented (Not begun)" in out
    show = json.loads(ok(db, "show", "R2", "--format", "json").stdout)
    assert show["state"]["findings"]["FU"]["outcome"] == "not-implemented"
    show = json.loads(ok(db, "show", "A3", "--format", "json").stdout)
    assert show["state"]["status"] == "in_progress" and show["state"]["findings"] == {}


def test_assess_with_reopen_reopens_in_one_transaction(db: Path) -> None:
    out = ok(db, "assess", "R1", "--by", "FU", "--outcome", "partially-implemented", "--on",
             "2017-01-31", "--note", "Schedule not approved", "--reopen").stdout
    lines = [line for line in out.splitlines() if line.startswith("recorded")]
    assert len(lines) == 3 and "A1: completed → in_progress" in lines[1]
    assert "Schedule not approved" in lines[2]
    assert out.count("fingerprint") == 1  # one transaction, one fingerprint


@pytest.mark.parametrize(("args", "code", "words"), [
    (["assess", "R1", "--by", "FU", "--outcome", "done", "--on", "2017-01-31"], 2,
     OUTCOME_CHOICES),
    (["assess", "R1", "--by", "ICO", "--outcome", "implemented", "--on", "2017-01-31"], 1,
     "ICO is not a follow-up audit"),
    (["assess", "R1", "--by", "FU", "--outcome", "implemented", "--on", "2017-01-31",
      "--reopen", "--note", "n"], 2, "--reopen goes with"),
    (["assess", "R2", "--by", "FU", "--outcome", "not-implemented", "--on", "2017-01-31",
      "--reopen", "--note", "n"], 1, "nothing to reopen"),
    (["audit", "add", "X", "--title", "t", "--kind", "follow-up", "--on", "2017-01-30"], 2,
     "--follows"),
    (["audit", "assurance", "FU", "--area", "training", "--rating", "high", "--on",
      "2017-01-31"], 1, "'training' is not a scope area of ICO"),
    (["audit", "assurance", "ICO", "--area", "governance", "--rating", "high", "--on",
      "2017-01-31"], 1, "ICO is not a follow-up audit"),
])
def test_refusals_are_one_line_and_record_nothing(db: Path, args: list[str], code: int,
                                                  words: str) -> None:
    before = ok(db, "verify").stdout
    result = invoke(db, *args)
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert words in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert ok(db, "verify").stdout == before


def test_audit_assurance_records_the_revised_rating(db: Path) -> None:
    out = ok(db, "audit", "assurance", "FU", "--area", "Records Management", "--rating",
             "reasonable", "--on", "2017-01-31").stdout
    assert "FU: assurance for records management rated reasonable" in out


def test_report_follow_up_in_json_and_markdown(db: Path) -> None:
    ok(db, "assess", "R1", "--by", "FU", "--outcome", "implemented", "--on", "2017-01-31")
    doc = json.loads(ok(db, "report", "follow-up", "FU", "--format", "json").stdout)
    assert doc["outcomes"] == {"implemented": 1, "partially_implemented": 0,
                               "not_implemented": 0, "superseded": 0, "not_assessed": 1}
    assert (doc["audit"], doc["follows"]) == ("FU", "ICO")
    then = json.loads(ok(db, "report", "follow-up", "FU", "--as-at", "2017-01-30",
                         "--format", "json").stdout)
    assert then["outcomes"]["not_assessed"] == 2
    md = ok(db, "report", "follow-up", "FU", "--format", "markdown").stdout
    assert "found that 1 of the 2 recommendations had been implemented (1 not assessed)" in md


def test_report_follow_up_refuses_an_audit_that_is_not_a_follow_up(db: Path) -> None:
    result = invoke(db, "report", "follow-up", "ICO")
    assert result.exit_code == 1 and "ICO is not a follow-up audit" in result.stderr
    result = invoke(db, "report", "follow-up", "FU", "--fulfils", "M1/1")
    assert result.exit_code == 2 and "--fulfils needs --present-at" in result.stderr


def test_presenting_the_follow_up_report_fulfils_the_request(db: Path, tmp_path: Path) -> None:
    ok(db, "meeting", "add", "2016-10-24", "--committee", "Audit Committee", "--on",
       "2016-10-24")
    ok(db, "meeting", "add", "2017-02-20", "--committee", "Audit Committee", "--on",
       "2017-02-20")
    ok(db, "resolution", "add", "2016-10-24", "2", "--minute", "36/16", "--text",
       "A further report on the outcome of the follow-up audit", "--report-after",
       "the ICO follow-up audit")
    ok(db, "assess", "R1", "--by", "FU", "--outcome", "partially-implemented", "--on",
       "2017-01-31", "--note", "Not signed off", "--reopen")
    paper = tmp_path / "follow-up.md"
    result = invoke(db, "report", "follow-up", "FU", "--format", "markdown", "-o", str(paper),
                    "--present-at", "2017-02-20", "--fulfils", "2016-10-24/2")
    assert result.exit_code == 0, result.stderr
    assert "report 1 presented" in result.stderr
    requests = json.loads(ok(db, "requests", "--as-at", "2017-02-21", "--format",
                             "json").stdout)["requests"]
    assert requests == []
    # After the paper, a later finding changes "as known now", not the paper.
    ok(db, "assess", "R2", "--by", "FU", "--outcome", "implemented", "--on", "2017-02-21")
    result = invoke(db, "report", "as-presented", "2017-02-20")
    assert result.exit_code == 0 and "byte-identical" in result.stderr
    again = result.stdout
    assert again == paper.read_text()
    assert "as at 20 February 2017" in again and "R2" in again
    assert "not assessed | 1" in again


# -- the demo's next chapter ------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    db = tmp_path_factory.mktemp("demo") / "demo.db"
    return db, ok(db, "demo").stdout


def test_the_demo_says_its_follow_up_chapter_is_invented(demo: tuple[Path, str]) -> None:
    _, out = demo
    assert "next chapter (invented for the demo" in out
    assert ("found that 14 of the 20 recommendations had been implemented, 4 partially, "
            "1 not implemented and 1 superseded") in " ".join(out.split())
    assert "2017-02-20: report 1 from" in out and "byte-identical" in out


def test_the_demo_follow_up_report_to_the_february_meeting(demo: tuple[Path, str]) -> None:
    db, _ = demo
    doc = json.loads(ok(db, "report", "follow-up", "ICO-FU-2017", "--as-at", "2017-02-20",
                        "--as-known-on", "2017-02-20", "--format", "json").stdout)
    assert doc["follows"] == "ICO-2015"
    assert doc["outcomes"] == {"implemented": 14, "partially_implemented": 4,
                               "not_implemented": 1, "superseded": 1, "not_assessed": 0}
    assert [(d["ref"], d["officers"], d["now"]) for d in doc["disagreements"]] == [
        ("ICO-A6", "delivered", "in_progress"), ("ICO-B6", "delivered", "delivered")]
    assert doc["assurance"]["governance"] == {"before": "limited", "after": "reasonable"}
    requests = json.loads(ok(db, "requests", "--as-at", "2017-02-21", "--format",
                             "json").stdout)["requests"]
    assert [(r["meeting"], r["number"]) for r in requests] == [("2016-10-24", 3)]
    paper = invoke(db, "report", "as-presented", "2017-02-20")
    assert paper.exit_code == 0 and "byte-identical" in paper.stderr
    assert doc["minutes"] in " ".join(paper.stdout.split())


def test_the_demo_chapter_leaves_the_seed_figures_alone(demo: tuple[Path, str]) -> None:
    db, _ = demo
    for meeting, figures in (("2016-07-25", (8, 49, 20)), ("2016-10-24", (46, 27, 4))):
        totals = json.loads(ok(db, "meeting", "report", meeting, "--format",
                               "json").stdout)["by_audit"]["ICO-2015"]
        assert (totals["completed"], totals["in_progress"], totals["not_started"]) == figures
    now = json.loads(ok(db, "report", "as-at", "2016-10-24", "--audit", "ICO-2015",
                        "--format", "json").stdout)["totals"]
    assert (now["completed"], now["in_progress"], now["not_started"]) == (47, 26, 4)
