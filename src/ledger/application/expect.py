"""Whether a fingerprint published earlier is part of an intact chain (`ledger verify --expect`)."""

from __future__ import annotations

from typing import NamedTuple

from ledger.application.ledger import Ledger
from ledger.domain.chain import Fingerprint


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
