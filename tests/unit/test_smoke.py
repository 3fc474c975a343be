from ledger.application import Ledger


def test_empty_ledger_has_genesis_fingerprint(app: Ledger) -> None:
    fp = app.fingerprint()
    assert fp.position == 0 and fp.hash == "0" * 64
