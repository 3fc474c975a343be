"""Chain verification: recompute every hash from the stored rows, check every row's recorded time
against the one its hashed JSON holds (and that they never go back), check the head the store
remembers and any fingerprint published earlier, and say what most likely happened at the first
row that does not verify."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ledger.domain.chain import GENESIS_HASH, Fingerprint, chain_hash, link
from ledger.domain.errors import ChainBroken
from ledger.domain.values import from_micros
from ledger.store.codecs import STAMP_AT, STAMP_KEY, as_bytes, stamp_micros, stamp_text, uuid_text
from ledger.store.errors import one_line

if TYPE_CHECKING:
    from ledger.store.recorder import LedgerRecorder


def verify(recorder: LedgerRecorder, expect: Fingerprint | None = None,
           progress: Callable[[int], None] | None = None) -> Fingerprint:
    """Recompute the chain from the stored rows; return the head or raise `ChainBroken`.

    Also checks the head the store remembers (a truncated tail) and, with `expect`, a
    fingerprint published earlier (a rewrite whose author recomputed every later hash)."""
    before = recorder.first_position()
    if before is not None and before < 1:
        raise ChainBroken(
            f"chain broken: a row is stored at position {before}, before the chain's first "
            "(inserted behind the ledger's back)", before)
    head = _recompute(recorder, expect, progress)
    if expect is not None and expect.position > head.position:
        raise ChainBroken(
            f"chain ends at position {head.position} but fingerprint {expect} was published: "
            "the tail was truncated",
            head.position + 1,
        )
    _check_remembered(head, recorder.remembered_head())
    altered = recorder.vault.check()
    if altered is not None:
        raise ChainBroken(f"personal data altered at position {altered[0]}: {altered[1]} (the "
                          "side table of personal values was edited)", altered[0])
    return head


def _recompute(recorder: LedgerRecorder, expect: Fingerprint | None,
               progress: Callable[[int], None] | None) -> Fingerprint:
    """The head recomputed from every stored row (the fast page reads), `expect` checked on the
    way; the first row out of place, whose hash differs, whose values are not of their column's
    type or whose recorded time is not its event's raises `ChainBroken`."""
    # Over 60 lines: the per-row loop is verify's hot path (one iteration per stored event), so
    # the checks are inline rather than a call each; each raises with its own diagnosis.
    digest, expected_position = GENESIS_HASH, 1
    previous = bytes.fromhex(digest)
    topics = recorder.topics
    latest: int | None = None  # the last recorded time seen
    text: bytes | None = b""  # the last recorded time's text, and its micros (a cache:
    stamp: int | None = None  # the events of one command share their recorded time)
    for page in recorder.iter_pages(personal=False):
        for position, oid, version, topic, state, stored, recorded_at in page:
            if position != expected_position:
                raise ChainBroken(
                    f"chain broken at position {expected_position}: event missing (deleted); "
                    f"the next stored position is {position}",
                    expected_position,
                )
            if type(state) is not bytes:
                state = _binary(position, state)
            try:  # the id and state as the typed row would give them
                link_digest = link(previous, position, uuid_text(oid).encode(), version,
                                   topic.encode(), state)
            except (TypeError, ValueError, AttributeError, OverflowError) as e:
                raise ChainBroken(
                    f"chain broken at position {position}: a stored value is not of its "
                    f"column's type ({one_line(e)}): the row was rewritten", position,
                ) from None
            recomputed = link_digest.hex()
            if topics is not None and topic not in topics:
                raise ChainBroken(
                    f"chain broken at position {position}: its event type {topic!r} is not one "
                    "the ledger defines (it was not written by the ledger)", position)
            if recomputed != stored:
                row = recorder.row_at(position)
                raise ChainBroken(
                    f"chain broken at position {position}: {diagnose(recorder, row, digest)}",
                    position,
                )
            digest, previous = recomputed, link_digest
            if expect is not None and position == expect.position and digest != expect.hash:
                raise ChainBroken(
                    f"chain does not contain the published fingerprint {expect}: the history "
                    f"up to position {expect.position} was rewritten and its hashes recomputed",
                    expect.position,
                )
            # The recorded time's text, sliced where the JSON begins as the mapper writes it.
            event_text = (state[STAMP_AT:state.find(b'"', STAMP_AT)] if state.startswith(STAMP_KEY)
                          else stamp_text(state))
            if event_text != text:
                text, stamp = event_text, stamp_micros(event_text)
            if stamp is not None and recorded_at != stamp:
                raise ChainBroken(_altered_time(position, recorded_at, stamp), position)
            if recorded_at is not None:
                if latest is not None and recorded_at < latest:
                    raise ChainBroken(
                        f"chain broken at position {position}: the recorded time was altered "
                        f"(it goes back, to {_shown(recorded_at)} after {_shown(latest)})",
                        position,
                    )
                latest = recorded_at
            if progress is not None:
                progress(position)
            expected_position += 1
    return Fingerprint(expected_position - 1, digest)


def _binary(position: int, state: Any) -> bytes:
    """A stored state read as bytes, or `ChainBroken` if the column holds another type (text
    written over the payload on SQLite, the column's type changed on PostgreSQL)."""
    if isinstance(state, bytearray | memoryview):
        return bytes(state)
    kind = "text" if isinstance(state, str) else type(state).__name__
    raise ChainBroken(
        f"chain broken at position {position}: the event's stored payload is {kind}, not "
        "bytes: it was rewritten", position)


def _shown(stamp: Any) -> str:
    """A recorded-time column's value in words (ISO if it is microseconds since the epoch)."""
    try:
        return from_micros(stamp).isoformat()
    except (TypeError, OverflowError):
        return repr(stamp)


def _altered_time(position: int, recorded_at: Any, stamp: int) -> str:
    """Why a row whose `recorded_at` column differs from its event's own recorded time fails."""
    column = "empty" if recorded_at is None else _shown(recorded_at)
    return (f"chain broken at position {position}: the recorded time was altered (the column "
            f"says {column}, the event itself {_shown(stamp)})")


def _check_remembered(head: Fingerprint, remembered: Fingerprint | None) -> None:
    """Raise `ChainBroken` unless the chain ends where the store remembers appending."""
    if remembered is None:
        if head.position:
            raise ChainBroken(
                f"the chain has {head.position} events but the ledger's remembered head is "
                "missing: it was deleted (the tail may have been cut with it)", head.position)
        return
    if remembered.position > head.position:
        raise ChainBroken(
            f"chain ends at position {head.position} but the ledger remembers writing up to "
            f"{remembered.position}: the tail was truncated",
            head.position + 1,
        )
    if remembered.position == head.position and remembered.hash != head.hash:
        raise ChainBroken(
            f"the chain's head hash differs from the one the ledger remembers at position "
            f"{head.position}: the history was rewritten and its hashes recomputed",
            head.position,
        )
    if remembered.position < head.position:
        raise ChainBroken(
            f"events after position {remembered.position} were not appended by the ledger "
            "(inserted behind its back)",
            remembered.position + 1,
        )


def _fits(candidate: Any, position: int, previous: str) -> bool:
    """True if the stored row `candidate` chains at `position` after the hash `previous`."""
    return bool(chain_hash(previous, position, candidate.originator_id,
                           candidate.originator_version, candidate.topic,
                           as_bytes(candidate.state)) == candidate.hash)


def diagnose(recorder: LedgerRecorder, row: Any, previous: str, window: int = 10_000) -> str:
    """Say what most likely happened at the first row whose hash does not verify."""
    p = row.position
    following = recorder.row_at(p + 1)
    if following is not None and _fits(following, p + 1, row.hash):
        return ("the event's stored bytes were modified (its stored hash, and the next "
                "event's link to it, are unchanged)")
    for later in recorder.iter_rows(start=p + 1, stop=p + window, batch=1000):
        if not _fits(later, p, previous):
            continue
        # `later` is the event that belongs at p; is the event at p the one that belongs there?
        q = later.position
        before_q = later if q == p + 1 else recorder.row_at(q - 1)
        if before_q is not None and _fits(row, q, before_q.hash):
            return f"events {p} and {q} were swapped"
        if q == p + 1:
            return "an event was inserted here (the events after it moved up one position)"
        return (f"the event that belongs here is stored at position {q}: events were "
                "inserted or reordered")
    if following is None and not _fits(row, p, previous):
        return "the last event's stored bytes were modified or it was replaced"
    return ("the event does not follow the one before it: an event was deleted and the rest "
            "moved down, or this one was replaced")
