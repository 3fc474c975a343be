"""Presenting a report to a meeting, and reproducing a presented paper byte-identical later."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from ledger.application.ledger import Ledger
from ledger.domain import events as ev
from ledger.domain.chain import Fingerprint
from ledger.domain.errors import RuleViolation, UnknownRef
from ledger.domain.records import Meeting
from ledger.domain.values import Logged
from ledger.projections.papers import digest, presentation, read_paper, render_paper, reproduce
from ledger.projections.report import Report


@dataclass(frozen=True)
class Paper:
    """A report rendered for a meeting: its text and the event recording its presentation."""

    text: str
    recorded: list[Logged]


def present(app: Ledger, meeting: str, report: Report, fmt: str, *, actor: str,
            fulfils: str | None = None, text: str | None = None) -> Paper:
    """Render `report` (unless `text` is given) and record it as presented to `meeting`, with
    the fingerprint it was computed from and the SHA-256 of its bytes."""
    rendered = render_paper(app.stream, report, fmt) if text is None else text
    logged = app.present_report(meeting, parameters=presentation(report, fmt),
                                fingerprint=report.position.fingerprint, sha256=digest(rendered),
                                fulfils=fulfils, actor=actor)
    return Paper(rendered, logged)


def present_file(app: Ledger, meeting: str, text: str, name: str, *, actor: str,
                 fulfils: str | None = None) -> Paper:
    """Record an HTML paper made earlier (file `name`, as circulated) as presented to `meeting`:
    its embedded parameters and fingerprint are read, the fingerprint checked in the chain, and
    the paper re-rendered from the trail up to it; anything but the same bytes is refused."""
    parameters, fingerprint = read_paper(text, name)
    if parameters.get("kind") == "meeting" and parameters.get("meeting") != meeting:
        raise RuleViolation(f"{name} is the report for meeting {parameters.get('meeting')}, "
                            f"not {meeting}")
    app.verify(expect=fingerprint)

    def trail() -> Iterator[Logged]:
        return app.stream(upto=fingerprint.position)

    again = digest(reproduce(trail, parameters))
    if again != digest(text):
        raise RuleViolation(
            f"{name} does not reproduce from the trail up to {fingerprint.position}: sha256 "
            f"{digest(text)}, re-rendered {again}; it was changed after it was made")
    logged = app.present_report(meeting, parameters=parameters, fingerprint=fingerprint,
                                sha256=again, fulfils=fulfils, actor=actor)
    return Paper(text, logged)


@dataclass(frozen=True)
class Reproduced:
    """A presented paper rendered again: the text, and the event that recorded the original."""

    text: str
    paper: ev.ReportPresented
    sha256: str
    """The digest of the paper re-rendered in its own format."""

    @property
    def identical(self) -> bool:
        """True when the re-rendered bytes are those the committee received."""
        return self.sha256 == self.paper.sha256


def presented_paper(app: Ledger, meeting: str, number: int | None = None) -> ev.ReportPresented:
    """The report presented to `meeting` (its last, or report `number`)."""
    held = app.get(meeting, Meeting)
    if not held.presented:
        raise UnknownRef(f"no report was presented to {meeting}")
    chosen = held.presented[-1] if number is None else next(
        (p for p in held.presented if p.number == number), None)
    if chosen is None:
        raise UnknownRef(f"no report {number} was presented to {meeting} "
                         f"(there are {len(held.presented)})")
    return chosen


def rerender(app: Ledger, paper: ev.ReportPresented, fmt: str | None = None) -> Reproduced:
    """Render `paper` again from the trail up to the position it was computed from; `identical`
    says whether the bytes (in its own format) match the digest recorded then."""

    def trail() -> Iterator[Logged]:
        return app.stream(upto=paper.position)

    original = reproduce(trail, paper.parameters)
    text = original if fmt is None or fmt == paper.parameters["format"] else reproduce(
        trail, paper.parameters, fmt)
    return Reproduced(text, paper, digest(original))


def reproduce_presented(app: Ledger, meeting: str, number: int | None = None,
                        fmt: str | None = None) -> Reproduced:
    """Check the paper's fingerprint is still in the chain, re-render it and refuse unless it is
    byte-identical to what the committee received."""
    chosen = presented_paper(app, meeting, number)
    app.verify(expect=Fingerprint(chosen.position, chosen.chain_hash))
    again = rerender(app, chosen, fmt)
    if not again.identical:
        erased = app.store.vault.erased(chosen.position)
        if erased:
            count = sum(len(fields) for fields in erased.values())
            where = "; ".join(f"#{p} {', '.join(fields)}" for p, fields in erased.items())
            raise RuleViolation(
                f"report {chosen.number} presented to {meeting}: the trail is intact (fingerprint "
                f"{chosen.position}:{chosen.chain_hash} verified) but the paper cannot be "
                f"reproduced byte-identical because {count} values were erased ({where})")
        raise RuleViolation(
            f"report {chosen.number} presented to {meeting} does not reproduce: sha256 "
            f"{again.sha256} but {chosen.sha256} was recorded")
    return again
