"""The as-at question: random (audit, D, K) questions, one audit's report as the answer, its
latency from the read model (`asat`), and the same answers by replaying the whole log (`replay`)."""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

from common import open_ledger, rss_mb

FULL_REPLAY_UP_TO = 1_000_000
"""Above this many events the full replay's memory (about 2.2 GB a million events) is not asked
for: the replay step answers by the scoped replay alone (`--replay auto`)."""


def make_questions(args: argparse.Namespace, app: Any, count: int) -> list[tuple[str, date, datetime]]:
    """Random (audit, as at D, as known on K) inside the ledger: an audit with actions, D within
    its plan's life (from its first action, up to two years on, not after the ledger's last day),
    K at the end of D (what a committee could have been told), some time later, or now."""
    from ledger.domain.values import from_micros
    from ledger.projections.replay import end_of_day

    rng = random.Random(args.seed + 1)
    with app.store.engine.connect() as conn:
        audits = conn.exec_driver_sql(
            "SELECT r.audit, min(a.added_on), min(a.added_at) FROM rm_recommendations r "
            "JOIN rm_action_recommendations ar ON ar.rec_ref = r.ref "
            "JOIN rm_actions a ON a.ref = ar.action_ref GROUP BY r.audit ORDER BY r.audit").all()
    last = app.store.last_recorded_at()
    assert last is not None and audits, "run the append and rebuild steps first"
    out = []
    for _ in range(count):
        ref, first_added, first_at = audits[rng.randrange(len(audits))]
        first = date.fromisoformat(str(first_added))
        as_at = min(first + timedelta(days=rng.randint(0, 700)), last.date())
        roll = rng.random()
        if roll < 0.4:
            known = end_of_day(as_at)
        elif roll < 0.8:
            known = end_of_day(min(as_at + timedelta(days=rng.randint(1, 365)), last.date()))
        else:
            known = datetime.now(UTC)
        known = max(known, from_micros(first_at))  # the audit and an action are known by then
        out.append((ref, as_at, known))
    return out


def answer(source: Any, question: tuple[str, date, datetime]) -> tuple[float, float, str, int]:
    """One audit's report: seconds to build it (the as-at question: every figure and action
    worked out), seconds to render it as JSON, the JSON, and its number of actions."""
    from ledger.projections.render import to_json
    from ledger.projections.report import build_report

    audit, as_at, known = question
    t = time.perf_counter()
    report = build_report(source, as_at, as_known_on=known, audit=audit)
    built = time.perf_counter()
    text = to_json(report)
    return built - t, time.perf_counter() - built, text, len(report.actions)


def step_asat(args: argparse.Namespace) -> dict[str, Any]:
    """Latency of one audit's report from the read model, at random D and K."""
    from ledger.projections.readmodel import ReadModel

    app = open_ledger(args)
    model = ReadModel(app)
    questions = make_questions(args, app, args.questions)
    result = latencies(model, questions)
    app.close()
    return result


def latencies(model: Any, questions: list[tuple[str, date, datetime]]) -> dict[str, Any]:
    """The `asat` step's measurement: p50/p99 of the reports' build times, after 3 warm-ups."""
    for q in questions[:3]:
        answer(model, q)
    times, renders, sizes = [], [], []
    for q in questions:
        seconds, render, _, actions = answer(model, q)
        times.append(seconds * 1000)
        renders.append(render * 1000)
        sizes.append(actions)
    times.sort()
    renders.sort()
    return {"questions": len(times), "p50_ms": _pct(times, 50), "p99_ms": _pct(times, 99),
            "max_ms": round(times[-1], 3), "render_p50_ms": _pct(renders, 50),
            "median_actions": statistics.median(sizes), "max_actions": max(sizes)}


def replay_kind(args: argparse.Namespace) -> str:
    """`--replay`, with `auto` resolved: both replays up to FULL_REPLAY_UP_TO events, else scoped."""
    if args.replay != "auto":
        return str(args.replay)
    return "both" if args.events <= FULL_REPLAY_UP_TO else "scoped"


def step_replay(args: argparse.Namespace) -> dict[str, Any]:
    """The first few questions answered by replaying the whole log, each answer checked against
    SQL's: by the scoped replay (bounded memory; its peak RSS noted before the full replay runs),
    then by the full replay. The headline `median_ms` is the full replay's when it ran."""
    from scoped_replay import ScopedReplay

    from ledger.projections.readmodel import ReadModel

    kind = replay_kind(args)
    app = open_ledger(args)
    model = ReadModel(app)
    questions = make_questions(args, app, args.questions)[:args.replays]
    expected = [answer(model, q)[2] for q in questions]
    out: dict[str, Any] = {"kind": kind, "questions": len(questions)}
    same = [True] * len(questions)
    for name, source in (("scoped", ScopedReplay(app)), ("full", app.stream)):
        if kind not in (name, "both"):
            continue
        times, folded = [], []
        for k, q in enumerate(questions):
            seconds, _, text, _ = answer(source, q)
            times.append(seconds * 1000)
            same[k] = same[k] and text == expected[k]
            folded.append(getattr(source, "folded", 0))
        out.update({f"{name}_median_ms": statistics.median(times), f"{name}_max_ms": max(times),
                    f"{name}_rss_mb": rss_mb()})
        if name == "scoped":
            out["scoped_folded_events"] = max(folded)
    app.close()
    head = "full" if kind in ("full", "both") else "scoped"
    out.update({"median_ms": out[f"{head}_median_ms"], "max_ms": out[f"{head}_max_ms"],
                "matches": sum(same)})
    if kind == "both":
        out["scoped_over_full"] = round(out["scoped_median_ms"] / out["full_median_ms"], 3)
    return out


def _pct(sorted_ms: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) of sorted values."""
    k = max(0, min(len(sorted_ms) - 1, round(p / 100 * len(sorted_ms) + 0.5) - 1))
    return round(sorted_ms[k], 3)
