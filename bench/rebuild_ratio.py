"""The rebuild against its baseline in one process: `python bench/rebuild_ratio.py LEDGER.db`.

Issue 17's target: a SQLite rebuild at ≥ 0.5 × the rate of reading the log and `json.loads` of
every event (bench/run.py's `parse_eps`). On a shared machine the rates swing with the load, so
this alternates, in one process, `--rounds` times: the baseline (`iter_pages` + `json.loads`), the
rebuild as it is (`ReadModel.rebuild`, the trusted decode) and, with `--validated`, the rebuild
decoding every event with validation as it did before (`PydanticMapper.from_row`). It prints
each round's rates and ratios with the load average; the best round of each is the figure least
disturbed by other processes. The ledger file is rebuilt in place (use a copy, e.g. the one
`bench/run.py --keep --dir DIR` leaves as DIR/ledger.db).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import time
from typing import Any


def main(argv: list[str] | None = None) -> int:
    """Alternate baseline and rebuilds; print rates, ratios and load averages."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("db", help="a SQLite ledger file (its read model is rebuilt)")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--validated", action="store_true",
                   help="also rebuild decoding with validation (the decode before the trusted one)")
    args = p.parse_args(argv)

    from ledger.application import Ledger
    from ledger.projections.readmodel import ReadModel, catchup

    app = Ledger(f"sqlite:///{args.db}", create=False)
    model = ReadModel(app)
    model.create()
    trusted = catchup.TrustedDecoder

    def parse() -> int:
        n = 0
        for page in app.store.iter_pages(batch=20_000):
            for row in page:
                json.loads(row[4])
            n += len(page)
        return n

    def validated(fallback: Any) -> Any:  # a "TrustedDecoder" that always validates
        return type("Validated", (), {"from_row": staticmethod(fallback)})()

    best: dict[str, float] = {}
    for _ in range(args.rounds):
        runs: list[tuple[str, Any]] = [("parse", parse), ("rebuild", model.rebuild)]
        if args.validated:
            runs.append(("rebuild_validated", model.rebuild))
        rates = {}
        for name, run in runs:
            catchup.TrustedDecoder = validated if name == "rebuild_validated" else trusted  # type: ignore[assignment]
            gc.collect()
            t = time.perf_counter()
            n = run()
            rates[name] = n / (time.perf_counter() - t)
            best[name] = max(best.get(name, 0.0), rates[name])
        catchup.TrustedDecoder = trusted  # type: ignore[misc]
        print("  ".join(f"{k} {v:,.0f}/s" for k, v in rates.items()), "| ratio to parse:",
              "  ".join(f"{k} {v / rates['parse']:.2f}" for k, v in rates.items() if k != "parse"),
              f"| load average {os.getloadavg()[0]:.2f}", flush=True)
    print("best of each:", "  ".join(f"{k} {v:,.0f}/s" for k, v in best.items()), "| ratio:",
          "  ".join(f"{k} {v / best['parse']:.2f}" for k, v in best.items() if k != "parse"))
    app.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
