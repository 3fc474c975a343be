"""`ledger erase`: put a data subject's personal data beyond use, the chain intact."""

from __future__ import annotations

import click

from ledger.application.erasing import erase
from ledger.cli.common import Session, pass_session


@click.command("erase")
@click.argument("subject")
@click.option("--reason", required=True, help="Why (e.g. the erasure request's reference).")
@pass_session
def command(session: Session, subject: str, reason: str) -> None:
    """Put every personal value about SUBJECT beyond use: where SUBJECT is the actor, an owner
    or who accepted a risk, and every note, evidence, reason or resolution wording (kept apart
    from the chain) that names SUBJECT. Records who erased, when, why and how many values (never the values);
    the chain still verifies, and reports and history show "[erased]" in their place.

    \b
    Example:
      ledger --actor "DPO" erase "Ann Other" --reason "erasure request ER-2026-14"
    """
    actor = session.who()
    app = session.ledger(write=True)
    done = erase(app, subject, reason=reason, actor=actor)
    by_field = ", ".join(f"{field} {n}" for field, n in sorted(done.fields.items()))
    click.echo(f"erased {done.count} values ({by_field}); recorded at #{done.recorded.position}; "
               f"fingerprint {done.recorded.position}:{done.recorded.hash}"
               + (f"; {done.inside_the_chain} more are inside events stored by an earlier version "
                  "and cannot be erased without breaking the chain" if done.inside_the_chain
                  else ""))
