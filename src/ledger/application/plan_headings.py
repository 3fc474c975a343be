"""Which column of a plan holds which field: headings in the plan's own words.

A heading is split into words (letters and digits; `#` is a word); it means a field when its
words are one of the known headings below, or begin with one ("Priority: High / Medium / Low",
"Actions to address recommendations and reduce risk", "Delivered? Yes/No"), the longest match
first. A leading ref is ignored ("R1 Actions" = "Actions"). `--map "HEADING=FIELD"` decides any
heading, `--ignore "HEADING"` leaves a column out; every other column with a value is kept as a
note on its row's action, with its heading, so nothing in the file is dropped without a word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

NOTE = "note"
"""The field of a column kept as a note (its heading before each value)."""
REF = "ref"
"""A bare `#`, `No.` or `Ref` column: the recommendation's ref when the plan has recommendation
words and no recommendation ref column, else the action's ref."""

KNOWN: dict[str, tuple[str, ...]] = {
    "audit": ("audit", "audit ref"),
    "recommendation_ref": ("rec ref", "recommendation ref", "recommendation no",
                           "recommendation number", "rec no", "rec"),
    "recommendation": ("recommendation", "recommendations", "recommendation text",
                       "priority recommendations"),
    "priority": ("priority", "risk rating"),
    "action_ref": ("action ref", "action no", "action number"),
    "action": ("action", "actions", "action text", "agreed action", "agreed actions",
               "proposed action", "proposed actions"),
    "owner": ("owner", "owners", "action owner", "responsible", "responsible officer",
              "responsibility", "lead officer", "lead", "officer"),
    "target_date": ("target date", "due date", "due", "target", "target completion date",
                    "timescale", "timescales", "due for completion", "end date", "deadline",
                    "completion date", "implementation date"),
    "start_date": ("start date", "start"),
    "status": ("status", "current status", "rag", "rag status", "progress status"),
    "status_date": ("status date", "status as at", "date of status", "updated", "last updated"),
    "depends_on": ("depends on", "dependencies", "dependency"),
    "version": ("ledger version",),
    "notes": ("notes", "note", "observations", "notes observations", "comments", "progress notes"),
    "delivered": ("delivered", "delivered yes no", "delivered y n"),
    NOTE: ("progress on implementation", "progress", "update", "updates",
           "additional commentary", "commentary", "management response", "interim milestones",
           "milestones"),
    REF: ("#", "no", "ref", "number", "item"),
}
FIELD_NAMES = [*sorted(k for k in KNOWN if k != REF), "ignore"]
_BY_WORDS = sorted(((tuple(h.split()), key) for key, hs in KNOWN.items() for h in hs),
                   key=lambda item: -len(item[0]))
_LEADING_REF = re.compile(r"^(?:r|rec)?[0-9]+(?:\.[0-9]+)*[a-z]?$")


def heading_words(text: str) -> tuple[str, ...]:
    """`Priority: High / Medium / Low` → ('priority', 'high', 'medium', 'low')."""
    return tuple(re.findall(r"[a-z0-9]+|#", text.lower()))


def heading_key(text: str) -> str:
    """The key `--map` and `--ignore` match headings by: their words, joined by spaces."""
    return " ".join(heading_words(text))


def known_field(text: str) -> str | None:
    """The field a heading names by itself (or by its leading words), or None."""
    words = heading_words(text)
    if len(words) > 1 and _LEADING_REF.match(words[0]) and words[0] not in ("no", "rec"):
        words = words[1:]
    for known, key in _BY_WORDS:
        if words[:len(known)] == known:
            return key
    return None


@dataclass(frozen=True)
class HeadingRules:
    """The officer's decisions: `--map "HEADING=FIELD"` and `--ignore "HEADING"`."""

    maps: dict[str, str] = field(default_factory=dict)
    ignore: frozenset[str] = frozenset()

    @classmethod
    def parse(cls, maps: tuple[str, ...] | list[str], ignore: tuple[str, ...] | list[str]
              ) -> HeadingRules:
        """From the command line; ValueError names an option it cannot read."""
        parsed: dict[str, str] = {}
        for item in maps:
            heading, sep, name = item.rpartition("=")
            key = name.strip().lower().replace(" ", "_")
            if not sep or not heading.strip():
                raise ValueError(f"--map {item!r}: write \"HEADING=FIELD\"")
            if key not in FIELD_NAMES:
                raise ValueError(f"--map {item!r}: {name!r} is not a field (the fields are: "
                                 f"{', '.join(FIELD_NAMES)})")
            parsed[heading_key(heading)] = key
        return cls(parsed, frozenset(heading_key(h) for h in ignore))

    def field_for(self, text: str) -> str | None:
        """The field for a heading: the officer's map, 'ignore', a known field, or None."""
        key = heading_key(text)
        if key in self.ignore:
            return "ignore"
        if key in self.maps:
            return self.maps[key]
        return known_field(text)
