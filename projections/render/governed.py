"""Target dates and recommendations in the as-at and meeting papers (edition 2 on): every action
in scope with its RAG status (rule: `ledger.projections.governance`), counts by RAG and by age,
the policy in force, reschedules awaiting approval, and each recommendation with its management
response and its state derived from its actions (`ledger.projections.recommendations`).

Pure: the tables are plain rows (`text.sections` makes them `Section`s) and the JSON plain dicts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ledger.domain import events as ev
from ledger.projections.governance import Governed, Pending, Policy, ageing_counts, rag_counts
from ledger.projections.recommendations import (
    RecommendationState,
    recommendation_states,
    state_counts,
)
from ledger.projections.report import STATUS_WORDS, Report

Table = tuple[str, list[str], list[list[str]], str]
"""One table of a paper: heading, columns, rows, what to say when it has none."""

RAG_WORDS = {"complete": "completed", "green": "on track", "amber": "not started and due within 30 days, "
             "or moved too often",
             "red": "overdue", "closed": "withdrawn or superseded"}
RESPONSE_WORDS = {ev.Response.ACCEPTED: "accepted",
                  ev.Response.PARTIALLY_ACCEPTED: "partially accepted",
                  ev.Response.NOT_ACCEPTED: "not accepted"}
STATE_WORDS = {RecommendationState.DELIVERED: "delivered",
               RecommendationState.IN_PROGRESS: "in progress",
               RecommendationState.NOT_STARTED: "not started",
               RecommendationState.CLOSED: "closed (actions withdrawn or superseded)",
               RecommendationState.NO_ACTIONS: "no actions"}
NOT_RECORDED = "not recorded"


@dataclass(frozen=True)
class RecommendationLine:
    """One recommendation in scope: as made (with management's response), its derived state,
    and the actions in scope that serve it."""

    made: ev.RecommendationMade
    state: RecommendationState
    actions: tuple[str, ...]

    @property
    def risk_accepted_by(self) -> str | None:
        """Who accepted the risk: a name, `not recorded`, or None for an accepted one."""
        if self.made.response is ev.Response.ACCEPTED:
            return None
        return self.made.risk_accepted_by or NOT_RECORDED

    @property
    def response_words(self) -> str:
        """`accepted`, or e.g. `not accepted; risk accepted by: not recorded`."""
        words = RESPONSE_WORDS[self.made.response]
        who = self.risk_accepted_by
        return words if who is None else f"{words}; risk accepted by: {who}"


def recommendation_lines(report: Report) -> list[RecommendationLine]:
    """The recommendations in scope made by the date, in ref order, with their states."""
    made = report.position.recommendations_for(report.audit)
    states = recommendation_states(made, report.actions)
    serving: dict[str, list[str]] = {}
    for a in report.actions:
        for rec in a.recommendations:
            serving.setdefault(rec, []).append(a.ref)
    return [RecommendationLine(m, states[ref], tuple(serving.get(ref, ())))
            for ref, m in made.items()]


# -- JSON ---------------------------------------------------------------------------------
def _pending_json(p: Pending) -> dict[str, Any]:
    return {"ref": p.ref, "due": p.due.isoformat(), "reason": p.reason,
            "requested_on": p.requested_on.isoformat()}


def recommendation_json(line: RecommendationLine) -> dict[str, Any]:
    """One recommendation: ref, audit, text, priority, area, response, who accepted the risk
    (null when accepted), its state and its actions in scope."""
    m = line.made
    return {"ref": m.ref, "audit": m.audit, "text": m.text, "priority": m.priority.value,
            "area": m.area, "response": m.response.value,
            "risk_accepted_by": line.risk_accepted_by, "state": line.state.value,
            "actions": list(line.actions)}


def governance_json(report: Report) -> dict[str, Any]:
    """The report's keys for governance: policy, counts by RAG and age, requests awaiting
    approval, recommendations and their counts by state."""
    governed = report.governed()
    lines = recommendation_lines(report)
    return {"policy": report.position.policy.as_dict(), "rag": rag_counts(governed),
            "ageing": ageing_counts(governed),
            "pending": [_pending_json(g.pending) for g in governed if g.pending],
            "by_recommendation": state_counts(line.state for line in lines),
            "recommendations": [recommendation_json(line) for line in lines]}


# -- tables -------------------------------------------------------------------------------
def _policy_words(p: Policy) -> list[str]:
    return ["yes" if p.revised_counts_overdue else "no",
            "no limit" if p.max_revisions is None else str(p.max_revisions),
            "yes" if p.approval_required else "no", str(p.since or "(default)")]


def _due_words(g: Governed) -> str:
    """`2016-06-30`, or `2016-06-30 (moved 2 times, first 2016-03-31; too many)`."""
    a = g.action
    if not g.revisions:
        return str(a.due or "")
    times = "once" if g.revisions == 1 else f"{g.revisions} times"
    first = f", first {a.original_due}" if a.original_due and a.original_due != a.due else ""
    return f"{a.due or 'none'} (moved {times}{first}{'; too many' if g.flagged else ''})"


def _rag_words(g: Governed) -> str:
    """`red, 116 days overdue`, or the RAG status alone."""
    if g.days_overdue is None:
        return g.rag
    return f"{g.rag}, {g.days_overdue} day{'' if g.days_overdue == 1 else 's'} overdue"


def _action_row(g: Governed, recs: Iterable[str]) -> list[str]:
    a = g.action
    return [", ".join(recs), a.ref, a.owner or "", STATUS_WORDS[a.status], _due_words(g),
            _rag_words(g), a.text]


ACTION_COLUMNS = ["Rec.", "Action", "Owner", "Status", "Due", "RAG", "Action text"]
"""The full list's columns (`Due` says how often the date moved, and the first one)."""


def action_tables(report: Report) -> list[Table]:
    """The full list of actions, one table per audit in scope (an action serving two audits
    is listed under each), ordered by recommendation then action."""
    governed = report.governed()
    made = report.position.recommendations
    order = {ref: i for i, ref in enumerate(made)}
    tables: list[Table] = []
    for audit in report.audits():
        rows = []
        for i, g in enumerate(governed):
            if audit not in g.action.audits:
                continue
            recs = [r for r in g.action.recommendations if r not in made or made[r].audit == audit]
            first = min((order.get(r, len(order)) for r in recs), default=len(order))
            rows.append((first, i, _action_row(g, recs)))
        title = report.position.audits[audit].title if audit in report.position.audits else ""
        tables.append((f"All actions: {title} ({audit})" if title else f"All actions: {audit}",
                       ACTION_COLUMNS, [row for *_, row in sorted(rows)],
                       "No actions for this audit."))
    strays = [g for g in governed if not g.action.audits]
    if strays:
        tables.append(("All actions: no audit", ACTION_COLUMNS,
                       [_action_row(g, g.action.recommendations) for g in strays], ""))
    return tables


def governance_tables(report: Report) -> list[Table]:
    """The paper's tables for target dates and recommendations (none before edition 2)."""
    if report.edition < 2:
        return []
    governed = report.governed()
    lines = recommendation_lines(report)
    pending = [g.pending for g in governed if g.pending]
    return [
        ("RAG status of the actions", ["RAG", "Meaning", "Actions"],
         [[k, RAG_WORDS[k], str(v)] for k, v in rag_counts(governed).items()], ""),
        ("Overdue actions by age", ["Days overdue", "Actions"],
         [[k, str(v)] for k, v in ageing_counts(governed).items()], ""),
        ("Target-date policy", ["Revised date counts overdue against the original",
                                "Most revisions", "Approval required", "In force since"],
         [_policy_words(report.position.policy)], ""),
        ("Reschedules awaiting approval",
         ["Action", "Requested new date", "Requested on", "Reason"],
         [[p.ref, str(p.due), str(p.requested_on), p.reason] for p in pending],
         "No reschedule was awaiting approval."),
        ("Recommendations by state", ["State", "Recommendations"],
         [[STATE_WORDS[RecommendationState(k)], str(v)]
          for k, v in state_counts(line.state for line in lines).items()], ""),
        ("Recommendations", ["Recommendation", "Audit", "Priority", "Management response",
                             "State", "Actions", "Recommendation text"],
         [[line.made.ref, line.made.audit, line.made.priority.value, line.response_words,
           STATE_WORDS[line.state], ", ".join(line.actions), line.made.text] for line in lines],
         "No recommendations had been made."),
        *action_tables(report),
    ]
