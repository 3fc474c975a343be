"""Recommendations and refs as real plans lay them out, made explicit on every row.

* A leading ref is split out of a text cell: "1A Review…", "Action 1.1: Review…", "R1 DCLG
  must…", "1. The Management Committee…" (a bare number only before `.`, `:` or `)`).
* A banner (a row with only a ref and words, above the header or between rows) is a
  recommendation; the rows below belong to it. So does a row whose recommendation cells are
  empty (merged down over its actions).
* A recommendation's row without an action is the recommendation's own row: with a status,
  owner or date it is recorded as one action `REF.0` in the recommendation's words, else the
  recommendation alone.
* Refs the plan does not give are generated from the order of the file: recommendations R1,
  R2 …, actions REC.1, REC.2 … within their recommendation (the same file gives the same refs);
  a plan without recommendations gets one, R1, in the words of its title.
* `prefix` goes before every ref, given or generated, so several plans share one ledger.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from ledger.application.plan_file import BY_KEY, Cell, Plan, PlanRow, parse_refs

_LEAD = re.compile(
    r"(?:action|rec(?:ommendation)?)?\s*(?P<ref>[A-Za-z]{1,3}[0-9]+(?:\.[0-9]+)*[A-Za-z]?"
    r"|[0-9]+(?:\.[0-9]+)+[A-Za-z]?|[0-9]+[A-Za-z](?![A-Za-z])|[0-9]+(?=[.:)]))"
    r"\s*[.:)\-–]?\s+(?P<text>\S.*)", re.S | re.I)
_REF_ONLY = re.compile(r"(?:rec(?:ommendation)?\s*)?(?P<ref>[A-Za-z]{0,3}[0-9]+(?:\.[0-9]+)*"
                       r"[A-Za-z]?)\.?", re.I)
STATE = ("owner", "target_date", "status", "delivered", "start_date", "status_date", "notes",
         "depends_on")


def split_ref(text: str) -> tuple[str, str] | None:
    """`Action 1.1: Review the policy` → ('1.1', 'Review the policy'); None without a ref."""
    m = _LEAD.fullmatch(text.strip())
    if m is None or m.group("ref").lower() in ("q1", "q2", "q3", "q4"):
        return None
    return m.group("ref"), m.group("text").strip()


def banner_ref(row: PlanRow) -> tuple[str, str] | None:
    """(ref, words) when the row holds only a ref and words (or words led by a ref)."""
    if len(row.filled) == 2:
        ref = _REF_ONLY.fullmatch(row.filled[0][1])
        return (ref.group("ref"), row.filled[1][1]) if ref else None
    if len(row.filled) == 1:
        return split_ref(row.filled[0][1])
    return None


@dataclass
class _Rec:
    ref: str
    cell: Cell
    text: str | None
    actions: int = 0


@dataclass
class Shaper:
    """Walks a plan's rows once, in order, giving each its recommendation and action."""

    plan: Plan
    prefix: str = ""
    current: _Rec | None = None
    count: int = 0

    def note(self, row: PlanRow, text: str, cell: Cell | None = None) -> None:
        """An interpretation made on this row (at `cell`, when it is about one)."""
        where = cell.where if cell is not None else f"{row.sheet}!{row.number}:{row.number}"
        self.plan.interpretations.append(f"{where}: {text}")

    def shape(self) -> Plan:
        """The plan with every row's recommendation and action ref (and words) explicit."""
        has_recs = bool({"recommendation", "recommendation_ref"} & set(self.plan.columns))
        rows = []
        for i, row in enumerate(self.plan.rows):
            following = self.plan.rows[i + 1] if i + 1 < len(self.plan.rows) else None
            banner = self._banner(row, has_recs, following)
            if banner is not None:
                rows.append(banner)
                continue
            rows.append(self._row(row, has_recs))
        self.plan.rows[:] = self._prefix_dependencies(rows) if self.prefix else rows
        return self.plan

    def _prefix_dependencies(self, rows: list[PlanRow]) -> list[PlanRow]:
        """Depends-on refs naming an action of this file get the prefix too (others, such as
        the ledger's milestones, are left as written)."""
        ours = {r.cells["action_ref"].text.removeprefix(self.prefix)
                for r in rows if "action_ref" in r.cells}
        out = []
        for row in rows:
            deps = row.cell("depends_on")
            if deps.empty:
                out.append(row)
                continue
            refs = [self.prefix + d if d in ours else d for d in parse_refs(deps.value)]
            cells = {**row.cells, "depends_on": replace(deps, value="; ".join(refs))}
            out.append(replace(row, cells=cells))
        return out

    def _cell(self, row: PlanRow, key: str, value: str, source: Cell | None = None) -> Cell:
        at = source or row.cell(key)
        letter = at.letter or (row.filled[0][0] if row.filled else "")
        return Cell(row.sheet, row.number, letter, BY_KEY[key], value)

    def _banner(self, row: PlanRow, has_recs: bool, following: PlanRow | None
                ) -> PlanRow | None:
        found = banner_ref(row)
        if found is None or (row.number > self.plan.header_row and not self._banner_below(
                row, found[0], has_recs, following)):
            return None
        ref = self.prefix + found[0]
        source = self._cell(row, "recommendation_ref", ref)
        self.current = _Rec(ref, source, found[1])
        self.count += 1
        self.note(row, f"a banner: recommendation {ref}")
        cells = {"recommendation_ref": source,
                 "recommendation": self._cell(row, "recommendation", found[1], source)}
        return replace(row, cells=cells, rec_only=True)

    def _banner_below(self, row: PlanRow, ref: str, has_recs: bool,
                      following: PlanRow | None) -> bool:
        """Below the header, a ref and words are a banner when the words sit outside the action
        column (a row spanning the table); in the action column only in a plan without
        recommendation columns, for a ref without a dot, above a row that is one of its actions
        (its ref begins `REF.`, or it has none)."""
        action_letter = row.letters.get("action")
        if not any(letter == action_letter for letter, _ in row.filled):
            return True
        if has_recs or "." in ref or following is None:
            return False
        given = following.cell("action_ref").text or None
        if given is None and (split := split_ref(following.cell("action").text)) is not None:
            given = split[0]
        return given is None or given.startswith(ref + ".")

    def _recommendation(self, row: PlanRow, has_recs: bool) -> _Rec:
        ref_cell, text_cell = row.cell("recommendation_ref"), row.cell("recommendation")
        ref, text = ref_cell.text or None, text_cell.text or None
        if ref is None and text is not None and (found := split_ref(text)):
            ref, text = found
            self.note(row, f"recommendation ref {self.prefix}{ref} split from its words",
                      text_cell)
        current = self.current
        if ref is None and current is not None and (text is None or text == current.text):
            return current
        if ref is None:
            self.count += 1
            ref = f"R{self.count}"
            why = "the plan gives none" if has_recs or text else "the plan has no recommendations"
            self.note(row, f"recommendation ref {self.prefix}{ref} generated ({why})")
            if not has_recs:
                text = self.plan.title or f"The actions of {self.plan.name}"
        elif current is not None and self.prefix + ref == current.ref:
            return current
        else:
            self.count += 1
        source = ref_cell if not ref_cell.empty else text_cell
        self.current = _Rec(self.prefix + ref, source, text)
        return self.current

    def _row(self, row: PlanRow, has_recs: bool) -> PlanRow:
        rec = self._recommendation(row, has_recs)
        cells = dict(row.cells)
        cells["recommendation_ref"] = self._cell(row, "recommendation_ref", rec.ref,
                                                 rec.cell if rec.cell.row == row.number else None)
        if rec.text is not None and rec.cell.row == row.number:
            cells["recommendation"] = self._cell(row, "recommendation", rec.text)
        ref_cell, text_cell = row.cell("action_ref"), row.cell("action")
        ref, text = ref_cell.text or None, text_cell.text or None
        if ref is None and text is not None and (found := split_ref(text)):
            ref, text = found
            self.note(row, f"action ref {self.prefix}{ref} split from its words", text_cell)
        if ref is None and text is None:
            has_state = any(not row.cell(k).empty for k in STATE) or bool(row.kept)
            if not has_state:
                return replace(row, cells=cells, rec_only=True)
            ref, text = "0", rec.text
            self.note(row, f"{rec.ref} has no action on its row: its state is recorded on "
                           f"action {rec.ref}.0, in the recommendation's words")
            ref = f"{rec.ref.removeprefix(self.prefix)}.0"
        elif ref is None:
            rec.actions += 1
            ref = f"{rec.ref.removeprefix(self.prefix)}.{rec.actions}"
            self.note(row, f"action ref {self.prefix}{ref} generated (the {rec.actions}"
                           f"{_th(rec.actions)} action of {rec.ref})")
        else:
            rec.actions += 1
        cells["action_ref"] = self._cell(row, "action_ref", self.prefix + ref,
                                         ref_cell if not ref_cell.empty else text_cell)
        if text is not None:
            cells["action"] = self._cell(row, "action", text, text_cell)
        return replace(row, cells=cells)


def _th(n: int) -> str:
    return "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")


def shape(plan: Plan, prefix: str = "") -> Plan:
    """Every row of `plan` with its recommendation and action made explicit (see the module)."""
    return Shaper(plan, prefix).shape()
