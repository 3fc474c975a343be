"""A ledger in a SQLite file: what one instance or process writes, another reads; a missing file
is not created by a read-only open; a stale write from a second instance is refused whole."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from ledger.application import Ledger
from ledger.domain import events as ev
from ledger.domain.chain import Fingerprint
from ledger.domain.errors import ConcurrentChange, DuplicateRef, StoreError
from ledger.domain.records import Action, Milestone
from ledger.store import sqlite_path


def populate(app: Ledger) -> None:
    app.add_audit("ICO", title="ICO audit", kind="ico-audit", on="2015-10-30",
                  areas={"governance": "limited"}, actor="alice")
    app.add_recommendation("R1", audit="ICO", text="t", priority="high", area="governance",
                           on="2015-12-01", actor="alice")
    app.add_milestone("RM", text="Records Manager recruited", on="2016-01-01", actor="alice")
    app.add_action("A1", recommendations=["R1"], text="Records policy", owner="Bob", due="2016-09-01",
                   depends_on=["RM"], on="2016-01-10", actor="alice")
    app.achieve_milestone("RM", on="2016-01-15", actor="alice")
    app.start_action("A1", on="2016-01-20", actor="bob")
    app.reschedule_action("A1", due="2016-10-01", on="2016-01-25", reason="budget", actor="alice")


def test_state_survives_closing_and_reopening(sqlite_url: str, clock: Any) -> None:
    with Ledger(sqlite_url, clock=clock) as writer:
        populate(writer)
        written = writer.fingerprint()
        stream = list(writer.stream())
    assert written.position == 7

    with Ledger(sqlite_url, create=False) as reader:
        assert reader.fingerprint() == written
        assert reader.verify() == written
        assert list(reader.stream()) == stream
        a1 = reader.get("A1", Action)
        assert (a1.status, a1.owner, a1.due, a1.original_due) == (
            ev.Status.IN_PROGRESS, "Bob", date(2016, 10, 1), date(2016, 9, 1))
        assert reader.get("RM", Milestone).achieved_on == date(2016, 1, 15)


def test_reopened_ledger_continues_the_same_chain(sqlite_url: str, clock: Any) -> None:
    with Ledger(sqlite_url, clock=clock) as first:
        populate(first)
        published = first.fingerprint()
    with Ledger(sqlite_url, clock=clock, create=False) as second:
        second.complete_action("A1", on="2016-02-01", evidence="v1", actor="bob")
        assert [logged.position for logged in second.stream()] == list(range(1, 9))
        assert second.verify(expect=published).position == 8
    with Ledger(sqlite_url, create=False) as third:
        assert third.get("A1", Action).status is ev.Status.COMPLETED
        assert third.verify().position == 8


CHILD = textwrap.dedent(
    """
    import sys
    from ledger.application import Ledger

    url, step = sys.argv[1], sys.argv[2]
    if step == "write":
        with Ledger(url) as app:
            app.add_audit("ICO", title="ICO audit", kind="ico-audit", on="2015-10-30", actor="child")
            app.add_recommendation("R1", audit="ICO", text="t", priority="low", on="2015-12-01", actor="child")
            print(app.fingerprint())
    else:
        with Ledger(url, create=False) as app:
            print(app.verify(), app.find("R2").text)
    """
)


def run_child(url: str, step: str) -> str:
    done = subprocess.run([sys.executable, "-c", CHILD, url, step], capture_output=True, text=True,
                          check=False, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_state_survives_across_processes(sqlite_url: str, clock: Any) -> None:
    child_head = Fingerprint.parse(run_child(sqlite_url, "write"))
    assert child_head.position == 2
    with Ledger(sqlite_url, clock=clock, create=False) as app:
        assert app.verify() == child_head
        assert app.find("R1") is not None
        app.add_recommendation("R2", audit="ICO", text="from the parent", priority="medium",
                               on="2016-01-01", actor="parent")
        parent_head = app.fingerprint()
    head_text, text = run_child(sqlite_url, "read").split(" ", 1)
    assert Fingerprint.parse(head_text) == parent_head
    assert parent_head.position == 3
    assert text == "from the parent"


def test_opening_a_missing_file_without_create_raises_and_creates_nothing(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.db"
    with pytest.raises(StoreError, match="no ledger at") as info:
        Ledger(f"sqlite:///{missing}", create=False)
    assert str(missing) in str(info.value)
    assert "\n" not in str(info.value)
    assert not missing.exists()
    assert list(tmp_path.iterdir()) == []


def test_opening_a_missing_file_in_a_missing_folder_without_create(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder" / "ledger.db"
    with pytest.raises(StoreError):
        Ledger(f"sqlite:///{missing}", create=False)
    assert not missing.parent.exists()


def test_opening_a_database_without_a_ledger_without_create(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as con:
        con.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY)")
    con.close()
    with pytest.raises(StoreError, match="no ledger in"):
        Ledger(f"sqlite:///{other}", create=False)
    with sqlite3.connect(other) as con:
        tables = {name for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    con.close()
    assert tables == {"notes"}


def test_a_second_instance_reads_the_first_ones_writes_at_once(file_app: Ledger, sqlite_url: str, clock: Any) -> None:
    populate(file_app)
    with Ledger(sqlite_url, clock=clock, create=False) as other:
        assert other.get("A1", Action).status is ev.Status.IN_PROGRESS
        file_app.complete_action("A1", on="2016-02-01", actor="bob")
        assert other.get("A1", Action).status is ev.Status.COMPLETED
        assert other.fingerprint() == file_app.fingerprint()


@pytest.mark.parametrize("second_change", ["start", "note"])
def test_stale_write_from_a_second_instance_is_refused_with_nothing_written(
    file_app: Ledger, sqlite_url: str, clock: Any, second_change: str
) -> None:
    populate(file_app)
    file_app.add_action("A2", recommendations=["R1"], text="Retention schedule", on="2016-01-10", actor="alice")
    with Ledger(sqlite_url, clock=clock, create=False) as other:
        mine = file_app.get("A2", Action)
        theirs = other.get("A2", Action)
        assert mine.version == theirs.version == 1

        today = date(2016, 3, 1)
        mine.start(date(2016, 2, 1), today, actor="bob", timestamp=clock())
        file_app._save(mine)
        after_first = file_app.fingerprint()

        if second_change == "start":
            theirs.start(date(2016, 2, 2), today, actor="carol", timestamp=clock())
        else:
            theirs.note("stale view", date(2016, 2, 2), today, actor="carol", timestamp=clock())
        with pytest.raises(ConcurrentChange) as info:
            other._save(theirs)
        assert "A2" in str(info.value) and "\n" not in str(info.value)

        assert other.fingerprint() == after_first == file_app.fingerprint()
        history = other.history("A2")
        assert [type(logged.event) for logged in history] == [ev.ActionAdded, ev.ActionStarted]
        assert history[-1].event.actor == "bob"
        assert other.get("A2", Action).status_on == date(2016, 2, 1)
        assert other.verify() == after_first


def test_racing_creation_of_the_same_ref_is_refused_as_a_duplicate(
    file_app: Ledger, sqlite_url: str, clock: Any
) -> None:
    populate(file_app)
    before = file_app.fingerprint()
    with Ledger(sqlite_url, clock=clock, create=False) as other:
        mine = Milestone.create("M2", effective=date(2016, 2, 1), actor="alice", timestamp=clock(), text="mine")
        theirs = Milestone.create("M2", effective=date(2016, 2, 1), actor="carol", timestamp=clock(),
                                  text="theirs")
        file_app._save(mine)
        with pytest.raises(DuplicateRef, match="M2"):
            other._save(theirs)
        assert other.fingerprint().position == before.position + 1
        assert other.get("M2", Milestone).text == "mine"
        assert len(other.history("M2")) == 1


def test_sqlite_path_of_the_fixture_url_is_the_file(sqlite_url: str, file_app: Ledger) -> None:
    path = sqlite_path(sqlite_url)
    assert path is not None and Path(path).exists()
    assert sqlite_path("sqlite://") is None
