"""The vocabulary of status, delivered and priority words real plans use, and the officer's own.

Words are compared by their letters and digits only, in lower case (`On-going` = `ongoing`).
Status words (a Status, RAG or Delivered column):

* not started: not started, not yet started, yet to start, yet to begin, not begun
* in progress: in progress, started, ongoing / on-going, underway / under way, in hand, in part,
  partially complete, partially implemented, partly implemented, on track, amber
* completed: completed, complete, done, delivered, implemented, closed, fully implemented, green
  (in a RAG column only), yes (in a Delivered column), and a Delivered cell that begins with
  "Yes" and goes on ("Yes – fully implemented in 2010": the rest is kept as a note)

"No" in a Delivered column says only "not delivered": beside a Status it is checked against it;
alone it is not a status, and the officer says which (`--status-map "No=not_started"`). Red is
never guessed either. `--status-map WORD=STATUS` adds or overrides any word.
Priority words: urgent; high, h; medium, med, m; low, l; "not applicable" / n/a (no priority given
on that row).
"""

from __future__ import annotations

import re

from ledger.domain import events as ev

S = ev.Status
STATUS_WORDS: dict[str, ev.Status] = {
    **dict.fromkeys(("notstarted", "notyetstarted", "yettostart", "yettobegin", "notbegun"),
                    S.NOT_STARTED),
    **dict.fromkeys(("inprogress", "started", "ongoing", "underway", "inhand", "inpart",
                     "partiallycomplete", "partiallyimplemented", "partlyimplemented",
                     "ontrack", "amber"), S.IN_PROGRESS),
    **dict.fromkeys(("completed", "complete", "done", "delivered", "implemented", "closed",
                     "fullyimplemented"), S.COMPLETED),
}
RAG_WORDS: dict[str, ev.Status] = {"green": S.COMPLETED}
PRIORITY_WORDS: dict[str, ev.Priority | None] = {
    "urgent": ev.Priority.URGENT, "high": ev.Priority.HIGH, "h": ev.Priority.HIGH,
    "medium": ev.Priority.MEDIUM, "med": ev.Priority.MEDIUM, "m": ev.Priority.MEDIUM,
    "low": ev.Priority.LOW, "l": ev.Priority.LOW, "notapplicable": None, "na": None,
}
NOT_DELIVERED = "not delivered"
"""What a bare "No" in a Delivered column says: not completed, and nothing more."""


class UnmappedWord(ValueError):
    """A word the vocabulary does not know; `word` is the cell's text as written."""

    def __init__(self, word: str) -> None:
        super().__init__(f"{word!r} is not a word the importer knows")
        self.word = word


def word_key(text: str) -> str:
    """`On-going ` → `ongoing`: lower case, letters and digits only."""
    return re.sub(r"[^a-z0-9]", "", text.lower())


def parse_status_map(items: list[str] | tuple[str, ...]) -> dict[str, ev.Status]:
    """`["No=not_started"]` → {"no": Status.NOT_STARTED}; ValueError names a bad item."""
    mapped: dict[str, ev.Status] = {}
    statuses = {word_key(s.value): s for s in ev.Status}
    for item in items:
        word, sep, value = item.rpartition("=")
        if not sep or not word.strip():
            raise ValueError(f"--status-map {item!r}: write WORD=STATUS")
        status = statuses.get(word_key(value))
        if status is None:
            raise ValueError(f"--status-map {item!r}: {value!r} is not a status "
                             "(not_started, in_progress or completed)")
        mapped[word_key(word)] = status
    return mapped


def status_word(text: str, mapped: dict[str, ev.Status], *, rag: bool = False) -> ev.Status:
    """A Status (or RAG) cell's status; UnmappedWord when neither vocabulary knows it."""
    key = word_key(text)
    if key in mapped:
        return mapped[key]
    if key in STATUS_WORDS:
        return STATUS_WORDS[key]
    if rag and key in RAG_WORDS:
        return RAG_WORDS[key]
    raise UnmappedWord(" ".join(text.split()))


def delivered_word(text: str, mapped: dict[str, ev.Status]) -> ev.Status | str:
    """A Delivered cell: a status, or NOT_DELIVERED for a bare "No" nobody mapped."""
    key = word_key(text)
    if key in mapped:
        return mapped[key]
    if key in ("yes", "y", "true", "1"):
        return S.COMPLETED
    if key in ("no", "n", "false", "0"):
        return NOT_DELIVERED
    first = re.match(r"\s*yes\b", text, re.I)
    if first:
        return S.COMPLETED
    return status_word(text, mapped)


def priority_word(text: str) -> ev.Priority | None:
    """A Priority cell's priority (None for "not applicable"); UnmappedWord when unknown."""
    key = word_key(text)
    if key in PRIORITY_WORDS:
        return PRIORITY_WORDS[key]
    raise UnmappedWord(" ".join(text.split()))
