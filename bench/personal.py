"""The cost of keeping personal data apart from the chain: the same synthetic events appended
and rebuilt into the read model twice, once as stored now (commitments in the hashed payload,
values in the side table) and once as before (values inside the payload, no side table).

    .venv/bin/python bench/personal.py --events 20000
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from generate import batches  # type: ignore[import-not-found]

from ledger.application import Ledger
from ledger.projections.readmodel import ReadModel
from ledger.store.mapper import EncodedBatch

_IDENTITY = {"originator_id": True, "originator_version": True}


def plain(batch: EncodedBatch, events: list) -> EncodedBatch:  # type: ignore[type-arg]
    """The batch as stored before: every value inside the hashed payload, no side rows."""
    return EncodedBatch(batch.originator_ids, batch.originator_versions, batch.topics,
                        [e.__pydantic_serializer__.to_json(e, exclude=_IDENTITY) for e in events],
                        batch.recorded_at, None)


def run(url: str, n: int, personal: bool) -> tuple[float, float]:
    """Seconds to append `n` events (encoding included) and to rebuild the read model."""
    with Ledger(url) as app:
        encode: Callable[[list], EncodedBatch] = app.mapper.encode_batch  # type: ignore[type-arg]
        spent = 0.0
        for events in batches(n, size=2000):
            start = time.perf_counter()
            batch = encode(events) if personal else plain(encode(events), events)
            app.store.insert_batch(batch)
            spent += time.perf_counter() - start
        start = time.perf_counter()
        ReadModel(app).rebuild()
        return spent, time.perf_counter() - start


def main() -> None:
    """Run both ways in fresh SQLite files, alternately, and print the ratios."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=Path(__file__).parent) as folder:
        before = run(f"sqlite:///{folder}/plain.db", args.events, personal=False)
        now = run(f"sqlite:///{folder}/personal.db", args.events, personal=True)
    for step, was, is_ in (("append", before[0], now[0]), ("rebuild", before[1], now[1])):
        print(f"{step}: {args.events / was:,.0f} events/s without, {args.events / is_:,.0f} "
              f"with personal data apart: {is_ / was:.2f} x the time")


if __name__ == "__main__":
    main()
