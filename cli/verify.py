"""`ledger verify`: recompute the hash chain from the stored rows."""

from __future__ import annotations

import json
import sys
from typing import NamedTuple

import click

from ledger.application import Ledger, auditing
from ledger.cli.common import BadValueError, Session, format_option, pass_session, progress_bar
from ledger.domain.chain import Fingerprint
from ledger.domain.errors import ChainBroken, Inconsistent


class Mismatch(NamedTuple):
    """Why a fingerprint given with --expect is not this chain's: `kind` is `no-such-position`,
    `wrong-position` (its hash is this chain's elsewhere) or `hash-differs` (the tampering
    signal, which a mistyped hash also gives)."""

    kind: str
    position: int
    message: str


def _short(digest: str) -> str:
    return f"{digest[:12]}…"


def check_expected(app: Ledger, expected: Fingerprint, head: Fingerprint) -> Mismatch | None:
    """Compare a fingerprint given with --expect with an intact chain ending at `head`: None
    when it is part of it, else what can be told about it from the chain alone."""
    given = str(expected)
    if expected.position > head.position:
        return Mismatch("no-such-position", expected.position, (
            f"--expect {given}: this ledger has no position {expected.position}; it ends at "
            f"{head.position}, and the head it remembers agrees. Either the fingerprint is "
            f"mistyped or another ledger's, or the ledger was truncated after {head.position} "
            "by someone who could also rewrite the remembered head (the database's owner): "
            "compare it with where it was published"))
    actual = app.store.fingerprint_at(expected.position)
    if actual.hash == expected.hash:
        return None
    if expected.position == 0:
        return Mismatch("no-such-position", 0, (
            f"--expect {given}: no ledger has this fingerprint: position 0 is the empty chain, "
            f"whose hash is always {actual.hash[:8]}… (64 zeros); mistyped?"))
    for page in app.store.iter_pages():
        for position, *_, digest, _recorded in page:
            if digest == expected.hash:
                return Mismatch("wrong-position", expected.position, (
                    f"--expect {given}: that hash is this ledger's at position {position}, not "
                    f"at {expected.position}: a mistyped position? (verify --expect "
                    f"{position}:{expected.hash})"))
    return Mismatch("hash-differs", expected.position, (
        f"chain does not contain the fingerprint {given}: its hash at position "
        f"{expected.position} is {_short(actual.hash)}. If the fingerprint was copied exactly "
        f"from this ledger's papers, the history up to position {expected.position} was "
        "rewritten and its hashes recomputed; a mistyped hash or another ledger's fingerprint "
        "looks the same to the chain: check it against where it was published"))


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
