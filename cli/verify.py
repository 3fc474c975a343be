"""`ledger verify`: recompute the hash chain from the stored rows."""

from __future__ import annotations

import json
import sys

import click

from ledger.application import auditing
from ledger.application.expect import check_expected
from ledger.cli.common import BadValueError, Session, format_option, pass_session, progress_bar
from ledger.domain.chain import Fingerprint
from ledger.domain.errors import ChainBroken, Inconsistent


@click.command("verify")
@click.option("--expect", metavar="POSITION:HASH",
              help="A fingerprint published earlier that must still be part of the chain.")
@click.option("--deep", is_flag=True,
              help="Also check every event under the rules and compare the replay of the log "
                   "with every answer the read model gives.")
@format_option("text", "json")
@pass_session
def command(session: Session, expect: str | None, deep: bool, fmt: str) -> None:
    """Check that no stored event was changed, removed, inserted or reordered.

    Prints OK and the fingerprint (last position and head hash), or the first bad position
    and exits 1. With --deep, an illegal event or a read-model answer that the replay of the
    log does not give is named (position, ref, what differs) and exits 1.

    With --expect, a fingerprint published earlier is looked up in the intact chain: a
    position the ledger does not reach, or a hash that is the ledger's at another position,
    is named as such; a hash that differs at its position is the sign of a rewritten history
    (or of a mistyped hash, which the chain cannot tell apart).

    \b
    Examples:
      ledger verify
      ledger verify --expect 137:3f5a...e9 --format json
      ledger verify --deep
    """
    try:
        expected = Fingerprint.parse(expect) if expect else None
    except ValueError as e:
        raise BadValueError(f"--expect: {e}: not a fingerprint of any ledger (mistyped?); "
                            "nothing was checked") from None
    app = session.ledger(write=False)
    run = (lambda **kw: auditing.verify_deep(app, **kw)) if deep else app.verify
    try:
        if sys.stderr.isatty():
            with progress_bar("verifying", app.fingerprint().position) as advance:
                result = run(progress=lambda n: advance(n) if n % 1000 == 0 else None)
        else:
            result = run()
    except (ChainBroken, Inconsistent) as e:
        _fail(fmt, e.position, getattr(e, "ref", None), str(e), None)
        raise
    head = result.head if isinstance(result, auditing.DeepCheck) else result
    mismatch = check_expected(app, expected, head) if expected is not None else None
    if mismatch is not None:
        _fail(fmt, mismatch.position, None, mismatch.message, mismatch.kind)
        raise ChainBroken(mismatch.message, mismatch.position)
    _print_ok(result, head, fmt)


def _fail(fmt: str, position: int, ref: str | None, message: str, kind: str | None) -> None:
    """In JSON, the failure as a document on stdout and one line on stderr, exit 1."""
    if fmt != "json":
        return
    doc: dict[str, object] = {"ok": False, "position": position, "ref": ref, "error": message}
    if kind is not None:
        doc["expect"] = kind
    click.echo(json.dumps(doc))
    click.echo(f"Error: {message}", err=True)
    click.get_current_context().exit(1)


def _print_ok(result: object, head: Fingerprint, fmt: str) -> None:
    deep_words = ""
    if isinstance(result, auditing.DeepCheck):
        deep_words = (f"; every event legal; the read model agrees up to position "
                      f"{result.compared_to} at {result.meeting_dates} meeting dates on both clocks")
    if fmt == "json":
        out: dict[str, object] = {"ok": True, "fingerprint": head.as_dict(),
                                  "events": head.position}
        if isinstance(result, auditing.DeepCheck):
            out.update(deep=True, read_model_position=result.compared_to,
                       meeting_dates=result.meeting_dates)
        click.echo(json.dumps(out))
    else:
        click.echo(f"OK: {head.position} events, chain intact{deep_words}; fingerprint {head}")
