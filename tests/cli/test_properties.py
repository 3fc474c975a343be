"""Property: whatever sequence of commands a user types, the CLI answers in one of three ways.

* exit 0: a write recorded at least one event, printed each one, and moved the fingerprint to
  the one it printed;
* exit 1 (refused) or exit 2 (bad value or usage): exactly one line on stderr starting
  "Error:", nothing on stdout, and the ledger exactly as it was;
* never another exit code, never a traceback.
"""

from __future__ import annotations

import re
import tempfile
from datetime import date
from pathlib import Path
from typing import TypeVar

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st

from ledger.application import Ledger
from ledger.cli import main
from ledger.domain.chain import Fingerprint

ACTOR = "J Smith"
T = TypeVar("T")

# Records the base story creates, by kind.
AUDITS = ["AUD"]
RECOMMENDATIONS = ["R1", "R2"]
MILESTONES = ["M1", "M2", "M3"]  # M1 exists at the start; M2, M3 may be added
MEETINGS = ["2016-07-25", "2016-10-24", "2030-01-01"]
ACTIONS = ["A1", "A2", "A3", "A4", "A5"]  # A1-A3 exist at the start; A4, A5 may be added
MISSING = ["NOPE", "A9"]
MALFORMED = ["bad ref", "", "A1/2", "x" * 65, "A\u00e91", ".A1", "-A1"]
ALL_REFS = AUDITS + RECOMMENDATIONS + MILESTONES + MEETINGS + ACTIONS + MISSING + MALFORMED

BASE = [
    ["audit", "add", "AUD", "--title", "Audit", "--kind", "internal-audit", "--on", "2015-06-01",
     "--area", "governance=limited"],
    ["recommendation", "add", "R1", "--audit", "AUD", "--text", "Do it", "--priority", "high",
     "--area", "governance", "--on", "2015-07-01"],
    ["recommendation", "add", "R2", "--audit", "AUD", "--text", "Do more", "--priority", "low",
     "--on", "2016-01-01"],
    ["milestone", "add", "M1", "--text", "Funded", "--on", "2015-08-01"],
    ["action", "add", "A1", "--recommendation", "R1", "--text", "First", "--owner", "Ann",
     "--due", "2016-06-30", "--on", "2015-09-01"],
    ["action", "add", "A2", "--recommendation", "R1", "--text", "Second", "--depends-on", "A1",
     "--depends-on", "M1", "--on", "2015-09-01"],
    ["action", "add", "A3", "--recommendation", "R2", "--text", "Third", "--owner", "Bob",
     "--due", "2016-09-30", "--on", "2016-01-15"],
    ["meeting", "add", "2016-07-25", "--committee", "Audit Committee", "--on", "2016-07-25"],
    ["meeting", "add", "2016-10-24", "--committee", "Audit Committee", "--on", "2016-10-24"],
    ["meeting", "add", "2030-01-01", "--committee", "Audit Committee", "--on", "2030-01-01"],
]

RECORDED_LINE = re.compile(r"recorded #(\d+) (\S+): ")
FINGERPRINT_LINE = re.compile(r"fingerprint (\d+:[0-9a-f]{64})")

# -- strategies ----------------------------------------------------------------------------
# Each part of a command is usually valid and sometimes not, so that a sequence mixes accepted
# writes, refusals (exit 1) and bad values (exit 2).


def mostly(good: st.SearchStrategy[T], bad: st.SearchStrategy[T], weight: int = 5) -> st.SearchStrategy[T]:
    """`good` about `weight` times as often as `bad`.

    (Not `st.one_of(good, good, ..., bad)`: repeating a branch does not weight it.)"""
    return st.integers(0, weight).flatmap(lambda i: good if i else bad)


# The 1st and 15th of each month, 2015-2017 (hypothesis draws plain st.dates() near their
# bounds so often that almost every status change would be refused).
valid_dates = st.sampled_from([str(date(y, m, d)) for y in (2016, 2015, 2017) for m in range(1, 13)
                               for d in (1, 15)])
malformed_dates = st.sampled_from(["2016-13-01", "2016-02-30", "2016-1-1", "16-01-01", "yesterday", ""])
future_dates = st.sampled_from(["2030-06-01", "2030-01-01"])
dates = mostly(mostly(valid_dates, future_dates, 8), malformed_dates, 6)
refs = st.sampled_from(ALL_REFS)
action_refs = mostly(st.sampled_from(ACTIONS), refs, 3)
texts = mostly(st.sampled_from(["Something", "two\nlines"]),
               st.sampled_from(["", "   ", "x" * 4001]))


def opt(flag: str, values: st.SearchStrategy[str]) -> st.SearchStrategy[list[str]]:
    """`[flag, value]` or nothing."""
    return st.one_of(st.just([]), values.map(lambda v: [flag, v]))


def on_option() -> st.SearchStrategy[list[str]]:
    """Usually `--on DATE`; sometimes missing (a usage error)."""
    return mostly(dates.map(lambda d: ["--on", d]), st.just([]), 8)


@st.composite
def add_action(draw: st.DrawFn) -> list[str]:
    ref = draw(mostly(st.sampled_from(["A4", "A5"]), refs, 2))
    recs = draw(mostly(st.lists(st.sampled_from(RECOMMENDATIONS), min_size=1, max_size=2),
                       st.lists(refs, max_size=2), 3))
    deps = draw(mostly(st.lists(st.sampled_from(ACTIONS + MILESTONES), max_size=2),
                       st.lists(refs, max_size=3), 2))
    args = ["action", "add", ref]
    for r in recs:
        args += ["--recommendation", r]
    for d in deps:
        args += ["--depends-on", d]
    args += ["--text", draw(st.sampled_from(["Do", "Do", "Do", ""]))]
    args += draw(opt("--owner", st.sampled_from(["Ann", "Bob", "Bob", " "])))
    args += draw(opt("--due", dates))
    return args + draw(on_option())


@st.composite
def add_milestone(draw: st.DrawFn) -> list[str]:
    return ["milestone", "add", draw(mostly(st.sampled_from(["M2", "M3"]), refs, 2)),
            "--text", draw(st.sampled_from(["Funded", "Funded", ""])), *draw(on_option())]


@st.composite
def achieve(draw: st.DrawFn) -> list[str]:
    return ["milestone", "achieve", draw(mostly(st.sampled_from(MILESTONES), refs, 3)),
            *draw(on_option()), *draw(opt("--note", texts))]


@st.composite
def start(draw: st.DrawFn) -> list[str]:
    return ["action", "start", draw(action_refs), *draw(on_option()),
            *draw(opt("--note", texts))]


@st.composite
def complete(draw: st.DrawFn) -> list[str]:
    return ["action", "complete", draw(action_refs), *draw(on_option()),
            *draw(opt("--evidence", texts))]


@st.composite
def reopen(draw: st.DrawFn) -> list[str]:
    reason = mostly(st.just(["--reason", "Rejected"]),
                    st.sampled_from([[], ["--reason", ""], ["--reason", "  "]]), 4)
    return ["action", "reopen", draw(action_refs), *draw(on_option()), *draw(reason)]


@st.composite
def assign(draw: st.DrawFn) -> list[str]:
    owner = mostly(st.sampled_from([["--owner", "Ann"], ["--owner", "Bob"], ["--owner", "Cy "]]),
                   st.sampled_from([[], ["--owner", "  "]]), 4)
    return ["action", "assign", draw(action_refs), *draw(owner), *draw(on_option()),
            *draw(opt("--reason", texts))]


@st.composite
def reschedule(draw: st.DrawFn) -> list[str]:
    due = mostly(valid_dates.map(lambda d: ["--due", d]),
                 st.one_of(st.just([]), dates.map(lambda d: ["--due", d])), 4)
    reason = mostly(st.just(["--reason", "Slipped"]),
                    st.sampled_from([[], ["--reason", ""], ["--reason", " "]]), 4)
    return ["action", "reschedule", draw(action_refs), *draw(due), *draw(on_option()),
            *draw(reason)]


@st.composite
def note_action(draw: st.DrawFn) -> list[str]:
    return ["action", "note", draw(action_refs), draw(texts), *draw(on_option())]


@st.composite
def add_resolution(draw: st.DrawFn) -> list[str]:
    meeting = draw(mostly(st.sampled_from(MEETINGS), refs, 4))
    number = draw(mostly(st.sampled_from(["1", "2", "3", "4"]),
                         st.sampled_from(["0", "1000", "one"]), 4))
    args = ["resolution", "add", meeting, number,
            "--text", draw(st.sampled_from(["Resolved", "Resolved", "Resolved", ""]))]
    args += draw(opt("--kind", mostly(st.sampled_from(["noted", "report-requested", "decision"]),
                                      st.just("shouted"), 4)))
    args += draw(opt("--minute", st.sampled_from(["12/16", "36/16", "36/16", "bad"])))
    args += draw(opt("--further-to", st.sampled_from(["12/16", "12/16", "1/2/3"])))
    dues = draw(mostly(st.lists(st.sampled_from(["at", "by", "after"]), max_size=1),
                       st.lists(st.sampled_from(["at", "by", "after"]), min_size=2, max_size=2,
                                unique=True), 5))
    for due in dues:
        if due == "at":
            args += ["--report-due-at", draw(mostly(st.sampled_from(MEETINGS), refs, 3))]
        elif due == "by":
            args += ["--report-due-by", draw(dates)]
        else:
            args += ["--report-after", draw(st.sampled_from(["the budget", "the budget", ""]))]
    fulfils = mostly(
        st.builds(lambda m, n: f"{m}/{n}", st.sampled_from(MEETINGS), st.sampled_from("1123")),
        st.sampled_from(["2016-07-25", "x", "/1", "2016-07-25/", "NOPE/1", "A1/1", "bad ref/1",
                         "2016-07-25/²", "2016-07-25/1/2"]), 3)
    return args + draw(opt("--fulfils", fulfils))


@st.composite
def add_meeting(draw: st.DrawFn) -> list[str]:
    ref = draw(mostly(st.sampled_from(["2016-12-05", "2017-02-20"]), refs, 2))
    return ["meeting", "add", ref,
            "--committee", draw(st.sampled_from(["Audit Committee"] * 3 + [" "])),
            *draw(on_option())]


writes = st.one_of(add_action(), add_milestone(), achieve(), start(), start(), start(), complete(),
                   complete(), complete(), reopen(), assign(), reschedule(), note_action(),
                   add_resolution(), add_resolution(), add_resolution(), add_meeting())
actors = st.sampled_from([ACTOR] * 18 + [None, "  "])
commands = st.tuples(actors, writes)


# -- the property ----------------------------------------------------------------------------

def head(url: str) -> Fingerprint:
    with Ledger(url, create=False) as app:
        return app.fingerprint()


def run(runner: CliRunner, db: str, actor: str | None, args: list[str]) -> tuple[int, str, str]:
    argv = ["--db", db, *(["--actor", actor] if actor is not None else []), *args]
    result = runner.invoke(main, argv)
    note(f"ledger {argv!r} -> {result.exit_code}\n  stdout: {result.stdout!r}\n"
         f"  stderr: {result.stderr!r}")
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{argv!r} raised {result.exception!r}")
    assert "Traceback" not in result.stdout and "Traceback" not in result.stderr, argv
    assert result.exit_code in (0, 1, 2), (argv, result.exit_code, result.stderr)
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sequence=st.lists(commands, min_size=1, max_size=25))
def test_every_command_is_recorded_whole_or_refused_cleanly(
        sequence: list[tuple[str | None, list[str]]]) -> None:
    runner = CliRunner(env={"LEDGER_DB": None, "LEDGER_ACTOR": None})
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "ledger.db")
        url = f"sqlite:///{db}"
        for args in BASE:
            code, _, stderr = run(runner, db, ACTOR, args)
            assert code == 0, (args, stderr)
        assert head(url).position == len(BASE)

        for actor, args in sequence:
            before = head(url)
            code, stdout, stderr = run(runner, db, actor, args)
            after = head(url)
            event(f"{' '.join(args[:2])}: exit {code}")
            if code == 0:
                lines = stdout.splitlines()
                recorded = [m for m in map(RECORDED_LINE.match, lines) if m]
                assert recorded, (args, stdout)
                # Each event recorded at the next position, then the new fingerprint.
                assert [int(m.group(1)) for m in recorded] == list(
                    range(before.position + 1, before.position + 1 + len(recorded))), stdout
                assert after.position == before.position + len(recorded), (args, stdout)
                assert after != before
                fp = FINGERPRINT_LINE.fullmatch(lines[-1])
                assert fp and fp.group(1) == str(after), (lines[-1], after)
                assert stderr == "", stderr
                assert actor is not None and actor.strip(), "a write without an actor succeeded"
            else:
                assert after == before, f"refused {args!r} (exit {code}) changed the ledger"
                err = stderr.splitlines()
                assert len(err) == 1, (args, stderr)
                assert err[0].startswith("Error:"), err
                assert stdout == "", (args, stdout)

        # The chain still verifies, and ends where the last command left it.
        with Ledger(url, create=False) as app:
            assert app.verify() == app.fingerprint()
