"""The paragraph a clerk pastes into the minutes, written from the numbers in the seed's voice."""

from __future__ import annotations

from datetime import date

from ledger.projections.replay import Totals


def long_date(d: date) -> str:
    """25 July 2016."""
    return f"{d.day} {d:%B %Y}"


def plural(n: int, word: str, words: str | None = None) -> str:
    """`1 action`, `2 actions`."""
    return f"{n} {word if n == 1 else (words or word + 's')}"


def join_words(parts: list[str]) -> str:
    """a, b and c."""
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def source_label(title: str) -> str:
    """`the ICO data protection audit` from its title."""
    return title if title.lower().startswith("the ") else f"the {title}"


def closed_clause(t: Totals) -> str:
    """`2 were withdrawn and 1 was superseded` (empty when none were)."""
    parts = [f"{n} {'was' if n == 1 else 'were'} {word}"
             for n, word in ((t.withdrawn, "withdrawn"), (t.superseded, "superseded")) if n]
    return join_words(parts)


def _further(t: Totals) -> str:
    """`2 further actions were withdrawn and 1 was superseded`."""
    first, *rest = [(n, word) for n, word in ((t.withdrawn, "withdrawn"),
                                             (t.superseded, "superseded")) if n]
    n, word = first
    lead = f"{n} further {'action was' if n == 1 else 'actions were'} {word}"
    return join_words([lead, *(f"{m} {'was' if m == 1 else 'were'} {w}" for m, w in rest)])


def position_sentence(source: str, t: Totals) -> str:
    """Out of 77 actions from X, 8 had been completed, 49 were in progress and 20 were yet to
    begin; 2 further actions were withdrawn and 1 was superseded (closed undone, never counted
    as outstanding)."""
    live = _live_sentence(source, t)
    closed = closed_clause(t)
    if not closed:
        return live
    if t.actions == 0:
        n = t.withdrawn + t.superseded
        if t.withdrawn and t.superseded:
            return f"Of the {n} actions from {source}, {closed}; none remained."
        word = "withdrawn" if t.withdrawn else "superseded"
        which = ("The one action" if n == 1 else "Both actions" if n == 2
                 else f"All {n} actions")
        return f"{which} from {source} {'was' if n == 1 else 'were'} {word}."
    return f"{live[:-1]}; {_further(t)}."


def _live_sentence(source: str, t: Totals) -> str:
    if t.actions == 0:
        return f"There were no actions from {source}."
    phrases = {
        "completed": ("had been completed", "had been completed"),
        "in_progress": ("was in progress", "were in progress"),
        "not_started": ("was yet to begin", "were yet to begin"),
    }
    counts = {"completed": t.completed, "in_progress": t.in_progress,
              "not_started": t.not_started}
    for key, n in counts.items():
        if n == t.actions:
            verb = phrases[key][0 if n == 1 else 1]
            if n == 1:
                return f"The one action from {source} {verb}."
            if n == 2:
                return f"Both actions from {source} {verb}."
            return f"All {n} actions from {source} {verb}."
    parts = [f"{n} {phrases[key][0 if n == 1 else 1]}" for key, n in counts.items() if n]
    return f"Out of {plural(t.actions, 'action')} from {source}, {join_words(parts)}."


def since_sentence(since: date, then: Totals, now: Totals) -> str:
    """Since 25 July 2016 a further 38 actions had been completed[, 2 had been withdrawn] and
    work was underway with ..."""
    done = now.completed - then.completed
    if done > 1:
        first = f"a further {done} actions had been completed"
    elif done == 1:
        first = "a further action had been completed"
    elif done == 0:
        first = "no further actions had been completed"
    else:
        first = f"the number of completed actions had fallen by {-done}"
    remaining = now.actions - now.completed
    working = now.in_progress
    if remaining == 0:
        second = "no actions remained"
    elif working == remaining:
        second = ("work was underway with the one remaining action" if remaining == 1
                  else "work was underway with both remaining actions" if remaining == 2
                  else f"work was underway with all {remaining} remaining actions")
    elif working == 0:
        second = ("work had yet to begin on the one remaining action" if remaining == 1
                  else f"work had yet to begin on any of the remaining {remaining} actions")
    else:
        second = f"work was underway with {working} of the remaining {remaining} actions"
    closed = [f"{n} had been {word}" for n, word in (
        (now.withdrawn - then.withdrawn, "withdrawn"),
        (now.superseded - then.superseded, "superseded")) if n > 0]
    return f"Since {long_date(since)} {join_words([first, *closed, second])}."


def to_begin_sentence(not_started: int, blocked: int, waiting_on: list[str]) -> str:
    """There were still 4 actions to begin, dependent on ... (empty when none are waiting)."""
    if not_started == 0:
        return ""
    head = ("There was still 1 action to begin" if not_started == 1
            else f"There were still {not_started} actions to begin")
    if not waiting_on or blocked == 0:
        return head + "."
    what = join_words(waiting_on)
    if blocked == not_started:
        return f"{head}, dependent on {what}."
    verb = "was" if blocked == 1 else "were"
    return f"{head}; {blocked} of them {verb} dependent on {what}."
