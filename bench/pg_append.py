"""PostgreSQL's batched append against binary `COPY` of the same rows, in one run (issue 17):
`python bench/pg_append.py --events 200000 --pg-url postgresql+psycopg://… [--before DIR]`.

Runs only `run.py`'s `pg_raw` and `pg_append` steps (each in a fresh process, in a schema made
for it and dropped after), `--rounds` times, and prints each round's rates, the ratio
append ÷ COPY (encoding included, and the store alone) and the load average. With `--before`
(a directory holding an importable `ledger` package, e.g. an older commit's), each round also
appends with that code, right after this code's append: an A/B within the same run, which a
shared machine's load moves far less than two runs apart (the two take turns to go first).
Writes `bench/pg_append.json`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from common import BATCH  # noqa: E402  (bench/common.py and so on, beside this script)
from run import PG_ENV  # noqa: E402
from steps_pg import pg_admin_url, pg_drop, pg_prepare, pg_schema_url  # noqa: E402


def step(name: str, args: argparse.Namespace, schema: str, code: str | None) -> dict[str, Any]:
    """`run.py --step name` in a fresh process, in its own schema, with `code` first on the
    import path (None: this checkout's)."""
    pg_prepare(argparse.Namespace(**{**vars(args), "pg_schema": schema}))
    url = pg_schema_url(args.pg_admin_url, schema)
    cmd = [sys.executable, str(HERE / "run.py"), "--step", name, "--dir", args.dir,
           "--events", str(args.events), "--seed", str(args.seed), "--batch", str(args.batch),
           "--per-txn", str(args.per_txn), "--pg-url", url, "--pg-admin-url", args.pg_admin_url,
           "--pg-schema", schema]
    env = dict(os.environ)
    if code is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [code, env.get("PYTHONPATH")]))
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env)
    finally:
        pg_drop(argparse.Namespace(**{**vars(args), "pg_schema": schema}))
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"bench step {name} failed (exit {done.returncode})")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    """Run the steps `--rounds` times and print the ratios."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--events", type=int, default=200_000)
    p.add_argument("--rounds", type=int, default=1)
    p.add_argument("--seed", type=int, default=20160725)
    p.add_argument("--batch", type=int, default=BATCH)
    p.add_argument("--per-txn", type=int, default=10)
    p.add_argument("--before", help="a directory with an older `ledger` package to compare")
    p.add_argument("--pg-url", default=os.environ.get(PG_ENV, ""))
    p.add_argument("--out", default=str(HERE / "pg_append.json"))
    args = p.parse_args(argv)
    if not args.pg_url:
        raise SystemExit(f"bench: give --pg-url (or {PG_ENV})")
    args.pg_admin_url = pg_admin_url(args.pg_url)
    args.writers, args.writer_commands = "1", 0  # read by `steps_pg.pg_schemas`
    codes = {"after": None, **({"before": args.before} if args.before else {})}
    rounds: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix=".work-", dir=HERE) as work:
        args.dir = work
        for i in range(args.rounds):
            schema = f"ledger_bench_{uuid.uuid4().hex[:12]}"
            copy = step("pg_raw", args, schema, None)["copy_eps"]
            r: dict[str, Any] = {"copy_eps": round(copy)}
            # The order alternates: the step right after `COPY` may meet its checkpoint.
            for label, code in list(codes.items())[::1 if i % 2 else -1]:
                a = step("pg_append", args, f"{schema}_{label}", code)
                r[label] = {"append_eps": round(a["eps"]), "store_eps": round(a["store_eps"]),
                            "encode_seconds": round(a["encode_seconds"], 3),
                            "ratio": round(a["eps"] / copy, 3),
                            "store_ratio": round(a["store_eps"] / copy, 3), "head": a["head"]}
            r["loadavg"] = [round(x, 2) for x in os.getloadavg()]
            rounds.append(r)
            print(f"round {i + 1}: COPY {r['copy_eps']:,}/s, load {r['loadavg']}", flush=True)
            for label in codes:
                x = r[label]
                print(f"  {label:6s} append {x['append_eps']:,}/s = {x['ratio']} × COPY "
                      f"(store alone {x['store_eps']:,}/s = {x['store_ratio']} ×; encoding "
                      f"{x['encode_seconds']} s)", flush=True)
    summary = {label: {key: statistics.median(r[label][key] for r in rounds)
                       for key in ("ratio", "store_ratio")} for label in codes}
    heads = {r[label]["head"] for r in rounds for label in codes}
    print(f"median over {len(rounds)} rounds: {summary}; one head for all: {len(heads) == 1}")
    Path(args.out).write_text(json.dumps({"events": args.events, "rounds": rounds,
                                          "median": summary}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
