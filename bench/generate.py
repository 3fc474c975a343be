"""Synthetic ledger events for the benchmark: many organisations, streamed in recorded order.

Each organisation has one to three audits; each audit makes 8–20 recommendations and yields a few
hundred actions; each action moves not_started → in_progress → completed (some are reopened and
completed again), and some are reassigned, rescheduled or noted. Every organisation also has two
milestones some actions wait on, and a committee that meets every quarter, passes resolutions,
requests reports at the next meeting and records them received there.

Every event has an effective date (when it happened) and a recorded time (when the ledger learned
it). Most are recorded within a few days of their effective date; about 5 % of the changes to
actions are back-dated: recorded one to eight months after they took effect. Recorded times rise
with the position in the log (the store refuses a recorded time earlier than the chain's last),
across all organisations: their stories are staggered in time and merged by recorded time.

Refs carry the organisation's number (`O17-A2-R5.143`), so they are unique across the ledger.
The generator is deterministic for a seed, keeps only the organisations currently active in memory
(a compact plan of each), and builds the pydantic events one at a time as they are yielded.

    from bench.generate import batches
    for batch in batches(100_000, size=10_000):
        app.save(*batch)
"""

from __future__ import annotations

import heapq
import random
from array import array
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

from ledger.domain import events as ev

DEFAULT_SEED = 20160725
START = date(2000, 1, 1)
SPAN_DAYS = 6500
"""Organisations start over about eighteen years: at 1,000,000 events the log spans 2000 to about
2020 (one starts every nine days or so, and about sixty are active at a time)."""
LIFE_DAYS = 540
"""How long an organisation's story runs: audits, plans, work, a year and a half of meetings."""
MIN_STAGGER = 9.0
"""Above 1,000,000 events the log grows longer (to about 2180 at 10,000,000), not denser: every
report lists every committee's outstanding requests, so more committees at once would ask each
report a bigger question. Past about 11,000,000 events they crowd, to stay before 2200."""
LAST_START = (date(2199, 1, 1) - START).days - LIFE_DAYS
"""The latest day after START an organisation may start (the ledger takes dates up to 2200)."""
MEAN_EVENTS_PER_ORG = 1400
BACKDATED = 0.05
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
DAY = 86_400_000_000
HOUR = 3_600_000_000
SECOND = 1_000_000

# Event kinds in a plan (small ints keep the plan compact).
AUDIT, REC, ADD, START_, COMPLETE, REOPEN, ASSIGN, RESCHED, NOTE, MSET, MACH, MEET, RES, RECV = \
    range(14)

WORDS = ("records", "retention", "schedule", "training", "asset", "owners", "privacy", "notices",
         "information", "sharing", "agreements", "subject", "access", "requests", "breach",
         "reporting", "policy", "review", "governance", "board", "register", "processing",
         "contracts", "suppliers", "security", "awareness", "e-learning", "managers", "audit",
         "council", "service", "data", "protection", "impact", "assessment", "archive", "email",
         "storage", "disposal", "paper", "files", "systems", "consent", "children", "social",
         "care", "housing", "complaints", "CCTV", "logs", "monitoring", "quarterly", "annual")
VERBS = ("Write", "Review", "Publish", "Agree", "Train", "Appoint", "Update", "Roll out",
         "Complete", "Test", "Document", "Approve", "Embed", "Monitor", "Audit", "Map")
FIRST = ("Ann", "Bob", "Carol", "Dev", "Eve", "Farah", "Gita", "Hugh", "Ivan", "Jo", "Kemi",
         "Liam", "Mo", "Nia", "Olu", "Pat", "Raj", "Sam", "Tess", "Uma")
LAST = ("Smith", "Jones", "Patel", "Khan", "Brown", "Taylor", "Wilson", "Evans", "Hughes",
        "Ahmed", "Clarke", "Walker")
ROLES = ("IG Manager", "Records Manager", "Head of ICT", "Data Protection Officer",
         "Head of Legal", "Training Lead", "Information Security Officer", "Service Manager")
AREAS = ("governance", "training and awareness", "data sharing", "records management",
         "subject access", "security of personal data")


def micros(t: datetime) -> int:
    """Microseconds since 1970, UTC."""
    return (t - EPOCH) // timedelta(microseconds=1)


def _day_us(d: date) -> int:
    return (d.toordinal() - 719163) * DAY  # 719163 = date(1970, 1, 1).toordinal()


def _sentence(rng: random.Random, lo: int, hi: int) -> str:
    """A plan-like sentence of lo..hi characters."""
    target = rng.randint(lo, hi)
    words = [rng.choice(VERBS), "the"]
    length = len(words[0]) + 4
    while length < target:
        w = rng.choice(WORDS)
        words.append(w)
        length += len(w) + 1
    return " ".join(words) + "."


class _Org:
    """One organisation's story as a compact plan sorted by recorded time.

    A plan item is (recorded µs, sequence, kind, ref, effective ordinal, a, b): `a` and `b` are
    small kind-specific values; texts, owners and the pydantic event are made only when yielded.
    """

    def __init__(self, index: int, start: date, seed: int, prefix: str = "") -> None:
        self.index = index
        self.start = start
        self.rng = random.Random(seed * 1_000_003 + index)
        self.prefix = f"{prefix}O{index}"
        self.owners = [f"{self.rng.choice(ROLES)} {self.rng.choice(FIRST)} {self.rng.choice(LAST)}"
                       for _ in range(10)]
        self.actors = [f"{self.rng.choice(FIRST)} {self.rng.choice(LAST)}" for _ in range(4)]
        self.committee = f"Audit and Governance Committee of organisation {index}"
        self.plan: list[tuple[Any, ...]] = []
        self._seq = 0
        self._build()
        self.plan.sort(reverse=True)  # the next item is the last: popped (and freed) when yielded
        self._pack()
        self.versions: dict[str, int] = {}
        self.owner: dict[str, str | None] = {}
        self.due: dict[str, date | None] = {}
        self.areas: dict[str, tuple[str, ...]] = {}

    # -- planning -----------------------------------------------------------------------------
    def _at(self, day: int, lag_us: int, after_us: int = 0) -> int:
        """Recorded µs for an event effective on `day` (an ordinal), at least `after_us` + 1 s."""
        natural = (day - 719163) * DAY + 9 * HOUR + lag_us
        return max(natural, after_us + SECOND)

    def _lag(self, backdate: bool = False) -> int:
        rng = self.rng
        if backdate and rng.random() < BACKDATED:
            return rng.randint(30, 240) * DAY + rng.randint(0, 8 * HOUR // SECOND) * SECOND
        return rng.randint(0, 3 * DAY // SECOND) * SECOND

    def _add(self, rec_us: int, kind: int, ref: str, day: int, a: Any = None, b: Any = None) -> int:
        self._seq += 1
        self.plan.append((rec_us, self._seq, kind, ref, day, a, b))
        return rec_us

    def _pack(self) -> None:
        """Keep the sorted plan as columns (about a sixth of the tuples' memory: some sixty
        organisations are active at once, 540 at 10,000,000 events before MIN_STAGGER), with a flag
        on each record's last item, when its remembered version, owner and date are let go."""
        plan, seen = self.plan, set()
        last = bytearray(len(plan))
        for i, item in enumerate(plan):  # the plan runs backwards: a record's first is its last
            if item[3] not in seen:
                seen.add(item[3])
                last[i] = 1
        self._last = last
        self._rec_us = array("q", [item[0] for item in plan])
        self._seqs = array("q", [item[1] for item in plan])
        self._kinds = bytearray(item[2] for item in plan)
        self._refs = [item[3] for item in plan]
        self._days = array("l", [item[4] for item in plan])
        self._a = [item[5] for item in plan]
        self._b = [item[6] for item in plan]
        self.plan = []

    def left(self) -> int:
        """How many events of the plan are still to come."""
        return len(self._kinds)

    def next_key(self) -> tuple[int, int]:
        """(recorded µs, sequence) of the next event."""
        return self._rec_us[-1], self._seqs[-1]

    def next_event(self) -> ev.LedgerEvent:
        """The next event of the plan, made now; the plan's item is freed."""
        item = (self._rec_us.pop(), self._seqs.pop(), self._kinds.pop(), self._refs.pop(),
                self._days.pop(), self._a.pop(), self._b.pop())
        event = self.event(item)
        if self._last.pop():  # the record's last event: nothing more is asked of its state
            ref = item[3]
            self.versions.pop(ref, None)
            self.owner.pop(ref, None)
            self.due.pop(ref, None)
        return event

    def _build(self) -> None:
        rng = self.rng
        s = self.start.toordinal()
        p = self.prefix
        milestones = [f"{p}-M{k}" for k in (1, 2)]
        for m in milestones:
            day = s + rng.randint(10, 40)
            r = self._add(self._at(day, self._lag()), MSET, m, day)
            if rng.random() < 0.7:
                done = day + rng.randint(60, 400)
                self._add(self._at(done, self._lag(True), r), MACH, m, done)
        n_audits = rng.choices((1, 2, 3), weights=(3, 5, 2))[0]
        for k in range(1, n_audits + 1):
            audit = f"{p}-A{k}"
            audit_day = s + (k - 1) * rng.randint(15, 45)
            audit_at = self._add(self._at(audit_day, self._lag()), AUDIT, audit, audit_day,
                                 rng.randint(1, 3))
            recs = []
            for j in range(1, rng.randint(8, 20) + 1):
                rec = f"{audit}-R{j}"
                day = audit_day + rng.randint(14, 45)
                recs.append((rec, self._add(self._at(day, self._lag(), audit_at), REC, rec, day,
                                            audit)))
            n_actions = rng.randint(150, 350)
            add_days = sorted(rng.randint(50, 110) for _ in range(n_actions))
            added: list[tuple[str, int]] = []
            for i, offset in enumerate(add_days, start=1):
                rec, rec_at = recs[rng.randrange(len(recs))]
                ref = f"{rec}.{i}"
                day = audit_day + offset
                linked: tuple[str, ...] = (rec,)
                if rng.random() < 0.05:
                    other = recs[rng.randrange(len(recs))]
                    if other[0] != rec:
                        linked = (rec, other[0])
                        rec_at = max(rec_at, other[1])
                deps: tuple[str, ...] = ()
                roll = rng.random()
                if roll < 0.10 and added:
                    deps = (added[rng.randrange(len(added))][0],)
                elif roll < 0.13:
                    deps = (milestones[rng.randrange(2)],)
                after = max([rec_at] + [a for d, a in added if d in deps])
                at = self._add(self._at(day, self._lag(), after), ADD, ref, day, linked, deps)
                added.append((ref, at))
                self._life(ref, day, at)
        self._meetings(s)

    def _life(self, ref: str, day: int, at: int) -> None:
        """Status changes and other changes of one action."""
        rng = self.rng
        last_day, last_at = day, at
        if rng.random() < 0.85:
            last_day += rng.randint(5, 200)
            last_at = self._add(self._at(last_day, self._lag(True), last_at), START_, ref,
                                last_day)
            if rng.random() < 0.65:
                last_day += rng.randint(10, 300)
                last_at = self._add(self._at(last_day, self._lag(True), last_at), COMPLETE, ref,
                                    last_day)
                if rng.random() < 0.05:
                    last_day += rng.randint(5, 60)
                    last_at = self._add(self._at(last_day, self._lag(True), last_at), REOPEN, ref,
                                        last_day)
                    if rng.random() < 0.8:
                        last_day += rng.randint(10, 90)
                        self._add(self._at(last_day, self._lag(True), last_at), COMPLETE, ref,
                                  last_day)
        for kind, p in ((ASSIGN, 0.10), (RESCHED, 0.15), (NOTE, 0.10)):
            if rng.random() < p:
                d = day + rng.randint(0, 400)
                self._add(self._at(d, self._lag(True), at), kind, ref, d, rng.randint(0, 9))

    def _meetings(self, s: int) -> None:
        rng = self.rng
        held = [s + 75 + 91 * k + rng.randint(-7, 7) for k in range((LIFE_DAYS + 90) // 91)]
        refs = [f"{self.prefix}-MT{k}" for k in range(1, len(held) + 1)]
        scheduled = s + 20
        sched_at = 0
        requested: int | None = None  # number of the report requested at the previous meeting
        for k, (ref, day) in enumerate(zip(refs, held, strict=True)):
            sched_at = self._add(self._at(scheduled, rng.randint(0, 2 * HOUR // SECOND) * SECOND,
                                          sched_at), MEET, ref, scheduled, day)
            # the next meeting is scheduled on this meeting's day, before its resolutions
            scheduled = day
            nxt = refs[k + 1] if k + 1 < len(refs) else None
            at = (day - 719163) * DAY + 9 * HOUR + rng.randint(1, 5) * DAY
            if nxt is not None:
                sched_next = (day - 719163) * DAY + 9 * HOUR
                at = max(at, sched_next + 3 * HOUR)
            minute = f"{10 + k}/{(date.fromordinal(day).year % 100):02d}"
            fulfils = f"{refs[k - 1]}/{requested}" if requested is not None else None
            at = self._add(at, RES, ref, day, (1, "noted", minute, None, fulfils), None)
            if fulfils is not None:
                self._add(at + SECOND, RECV, refs[k - 1], day, requested, f"{ref}/1")
                at += SECOND
            requested = None
            if nxt is not None and rng.random() < 0.6:
                at = self._add(at + SECOND, RES, ref, day,
                               (2, "report-requested", minute, nxt, None), None)
                requested = 2
            if rng.random() < 0.2:
                self._add(at + SECOND, RES, ref, day, (3, "decision", minute, None, None), None)
            sched_at = max(sched_at, (scheduled - 719163) * DAY + 9 * HOUR)

    # -- materialising ------------------------------------------------------------------------
    def event(self, item: tuple[Any, ...]) -> ev.LedgerEvent:
        """Build the pydantic event for one plan item (its version is the stream's next)."""
        rec_us, _, kind, ref, day, a, b = item
        rng = self.rng
        version = self.versions.get(ref, 0) + 1
        self.versions[ref] = version
        common: dict[str, Any] = {
            # The id again for each event (uuid5: a few µs), rather than one more dict per
            # record of every active organisation.
            "originator_id": ev.record_id(ref), "originator_version": version, "ref": ref,
            "timestamp": EPOCH + timedelta(microseconds=rec_us),
            "actor": self.actors[rng.randrange(4)], "effective": date.fromordinal(day),
        }
        if kind == START_:
            return ev.ActionStarted(**common, note=_sentence(rng, 60, 160))
        if kind == COMPLETE:
            return ev.ActionCompleted(**common, evidence=_sentence(rng, 80, 200))
        if kind == ADD:
            owner = self.owners[rng.randrange(10)] if rng.random() < 0.9 else None
            due = date.fromordinal(day + rng.randint(60, 360)) if rng.random() < 0.9 else None
            self.owner[ref], self.due[ref] = owner, due
            return ev.ActionAdded(**common, recommendations=a, text=_sentence(rng, 60, 180),
                                  owner=owner, due=due, depends_on=b)
        if kind == REC:
            areas = self.areas.get(a, ())
            return ev.RecommendationMade(
                **common, audit=a, text=_sentence(rng, 80, 220),
                priority=rng.choice(list(ev.Priority)),
                area=rng.choice(areas) if areas and rng.random() < 0.7 else None,
                response=ev.Response.ACCEPTED if rng.random() < 0.9
                else ev.Response.PARTIALLY_ACCEPTED)
        if kind == ASSIGN:
            owner = self.owners[a]
            if owner == self.owner.get(ref):
                owner = self.owners[(a + 1) % 10]
            previous, self.owner[ref] = self.owner.get(ref), owner
            return ev.ActionAssigned(**common, owner=owner, previous=previous,
                                     reason=_sentence(rng, 30, 90) if rng.random() < 0.5 else None)
        if kind == RESCHED:
            previous = self.due.get(ref)
            due = (previous or date.fromordinal(day)) + timedelta(days=30 + 10 * a)
            self.due[ref] = due
            return ev.ActionRescheduled(**common, due=due, previous=previous,
                                        reason=_sentence(rng, 40, 120))
        if kind == NOTE:
            return ev.ActionNoted(**common, text=_sentence(rng, 80, 240))
        if kind == REOPEN:
            return ev.ActionReopened(**common, reason=_sentence(rng, 40, 120))
        if kind == AUDIT:
            areas = tuple(rng.sample(AREAS, a))
            self.areas[ref] = areas
            return ev.AuditRecorded(
                **common, title=f"Data protection audit {ref} of organisation {self.index}",
                kind=rng.choice(list(ev.AuditKind)),
                areas={x: rng.choice(list(ev.Assurance)) for x in areas})
        if kind == MSET:
            return ev.MilestoneSet(**common, text=_sentence(rng, 30, 80))
        if kind == MACH:
            return ev.MilestoneAchieved(**common, note=_sentence(rng, 30, 80))
        if kind == MEET:
            return ev.MeetingScheduled(**common, committee=self.committee,
                                       held_on=date.fromordinal(a))
        if kind == RES:
            number, rkind, minute, due_at, fulfils = a
            return ev.ResolutionPassed(**common, number=number, kind=rkind, minute=minute,
                                       text=_sentence(rng, 60, 200), report_due_at=due_at,
                                       fulfils=fulfils)
        if kind == RECV:
            return ev.ReportReceived(**common, number=a, by=b)
        raise AssertionError(kind)


def events(n: int, seed: int = DEFAULT_SEED, prefix: str = "") -> Iterator[ev.LedgerEvent]:
    """Exactly `n` events in recorded order (organisations are added until there are enough).

    `prefix` goes in front of every ref (`W3-O17-A2-R5.143`), so ledgers made with different
    prefixes have no stream in common (the benchmark's concurrent writers use it)."""
    expected_orgs = max(1.0, n / MEAN_EVENTS_PER_ORG)
    # 1.1: organisations average a little under MEAN_EVENTS_PER_ORG, so a few more are needed
    stagger = min(14.0, max(SPAN_DAYS / expected_orgs,
                             min(MIN_STAGGER, LAST_START / (1.1 * expected_orgs))))
    heap: list[tuple[int, int, int]] = []  # (recorded µs, organisation, sequence) of each next item
    orgs: dict[int, _Org] = {}
    next_org, produced = 0, 0

    def start_of(i: int) -> date:
        return START + timedelta(days=int(i * stagger))

    while produced < n:
        while not heap or _day_us(start_of(next_org)) <= heap[0][0]:
            org = _Org(next_org, start_of(next_org), seed, prefix)
            if org.left():
                orgs[next_org] = org
                at, seq = org.next_key()
                heapq.heappush(heap, (at, next_org, seq))
            next_org += 1
        _, i, _ = heapq.heappop(heap)
        org = orgs[i]
        yield org.next_event()
        produced += 1
        if org.left():
            at, seq = org.next_key()
            heapq.heappush(heap, (at, i, seq))
        else:
            del orgs[i]  # the organisation's story is over


def batches(n: int, size: int = 10_000, seed: int = DEFAULT_SEED,
            prefix: str = "") -> Iterator[list[ev.LedgerEvent]]:
    """The same events in lists of at most `size` (never more than one list in memory)."""
    batch: list[ev.LedgerEvent] = []
    for e in events(n, seed, prefix):
        batch.append(e)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
