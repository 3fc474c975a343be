"""The end of a run: the results document (`summarise`, `summarise_pg`: the issue's keys, the
targets met, the detail of every step) and the tables printed from it."""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

OWN_STEPS = ("append", "save", "rebuild", "verify", "asat")
TARGETS = {
    "append_ratio_vs_raw": 0.40,
    "asat_p50_ms": 20.0,
    "asat_speedup_vs_replay": 500.0,
    "rebuild_eps": 100_000.0,
    "verify_eps": 100_000.0,
    "peak_rss_mb": 200.0,
}



def machine(pg_version: str | None = None) -> dict[str, Any]:
    """What the numbers were measured on."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu": cpu, "python": platform.python_version(),
            "sqlite": sqlite3.sqlite_version, "platform": platform.platform(),
            "postgresql": pg_version,
            "loadavg_at_end": [round(x, 2) for x in os.getloadavg()]}


def summarise(args: argparse.Namespace, steps: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The results document: the issue's keys first, then the detail of every step."""
    raw = steps["raw"]["eps"]
    replay_ms = steps["replay"]["median_ms"]
    p50 = steps["asat"]["p50_ms"]
    results: dict[str, Any] = {
        "events": args.events,
        "raw_eps": round(raw),
        "append_eps": round(steps["append"]["eps"]),
        "append_ratio_vs_raw": round(steps["append"]["eps"] / raw, 3),
        "save_eps": round(steps["save"]["eps"]),
        "save_ratio_vs_raw": round(steps["save"]["eps"] / raw, 3),
        "rebuild_eps": round(steps["rebuild"]["eps"]),
        "verify_eps": round(steps["verify"]["eps"]),
        # Ceilings for the rebuild: the log read, parsed, and decoded with validation.
        "read_eps": round(steps["decode"]["read_eps"]),
        "parse_eps": round(steps["decode"]["json_eps"]),
        "decode_eps": round(steps["decode"]["validated_eps"]),
        "trusted_eps": round(steps["decode"].get("trusted_eps", 0)),
        # Issue 17: the rebuild against the log read + json.loads of the same run (≥ 0.5).
        "rebuild_ratio_vs_parse": round(steps["rebuild"]["eps"] / steps["decode"]["json_eps"], 3),
        "asat_p50_ms": p50,
        "asat_p99_ms": steps["asat"]["p99_ms"],
        "asat_render_p50_ms": steps["asat"]["render_p50_ms"],
        "replay_ms": round(replay_ms, 1),
        "replay_kind": "full" if steps["replay"]["kind"] in ("full", "both") else "scoped",
        "asat_speedup_vs_replay": round(replay_ms / p50, 1),
        "asat_matches_replay": steps["replay"]["matches"] == steps["replay"]["questions"],
        # The ledger's own steps; the baselines and the naive replay (which holds the whole log
        # in memory, by design) are shown apart.
        "peak_rss_mb": max(steps[name]["rss_mb"] for name in OWN_STEPS),
        "rss_mb": {name: s["rss_mb"] for name, s in steps.items()},
        "machine": machine(steps.get("pg_append", {}).get("server_version")),
        "parameters": {"seed": args.seed, "batch": args.batch, "questions": args.questions,
                       "replays": args.replays, "replay": steps["replay"]["kind"]},
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "steps": steps,
    }
    results["pg"] = summarise_pg(args, steps) if "pg_append" in steps else None
    if results["pg"] is None:
        results["pg_skipped"] = getattr(args, "pg_skipped", None)
    results["targets_met"] = {
        "append_ratio_vs_raw": results["append_ratio_vs_raw"] >= TARGETS["append_ratio_vs_raw"],
        "asat_p50_ms": p50 <= TARGETS["asat_p50_ms"],
        "asat_speedup_vs_replay":
            results["asat_speedup_vs_replay"] >= TARGETS["asat_speedup_vs_replay"],
        "rebuild_eps": results["rebuild_eps"] >= TARGETS["rebuild_eps"],
        "verify_eps": results["verify_eps"] >= TARGETS["verify_eps"],
        "peak_rss_mb": results["peak_rss_mb"] <= TARGETS["peak_rss_mb"],
    }
    return results


def summarise_pg(args: argparse.Namespace, steps: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The PostgreSQL results: the same keys as SQLite's where they mean the same thing. The
    `append_ratio_vs_raw` is to the SQLite raw baseline of the same run (`raw_eps`), as SQLite's
    is; `append_ratio_vs_pg_raw` is to plain psycopg executemany on the same server."""
    raw = steps["raw"]["eps"]
    append = steps["pg_append"]["eps"]
    writers: dict[str, Any] = {}
    for n, rounds in steps["pg_writers"]["rounds"].items():
        e = rounds["events"]
        w: dict[str, Any] = {"eps": round(e["per_second"]), "events": e["events"],
                             "seconds": e["seconds"], "verified": e["verified"],
                             "head": e["head"], "problem": e["problem"],
                             "lock_wait_seconds": e["lock_wait_seconds"],
                             "max_rss_mb": e["max_rss_mb"]}
        c = rounds.get("commands")
        if c is not None:
            w.update({"commands_per_s": round(c["per_second"], 1), "commands": c["done"],
                      "commands_seconds": c["seconds"], "commands_verified": c["verified"],
                      "commands_head": c["head"], "commands_problem": c["problem"]})
        writers[n] = w
    asat = steps["pg_asat"]
    return {
        "server_version": steps["pg_append"]["server_version"],
        "raw_eps": round(steps["pg_raw"]["eps"]),
        "raw_copy_eps": round(steps["pg_raw"]["copy_eps"]),
        "append_eps": round(append),
        "append_ratio_vs_raw": round(append / raw, 3),
        "append_ratio_vs_pg_raw": round(append / steps["pg_raw"]["eps"], 3),
        "append_vs_sqlite_append": round(append / steps["append"]["eps"], 3),
        "append_ratio_vs_pg_copy": round(append / steps["pg_raw"]["copy_eps"], 3),
        "append_store_eps": round(steps["pg_append"]["store_eps"]),
        "append_store_ratio_vs_pg_copy": round(
            steps["pg_append"]["store_eps"] / steps["pg_raw"]["copy_eps"], 3),
        "rebuild_vs_sqlite_rebuild": round(
            steps["pg_rebuild"]["eps"] / steps["rebuild"]["eps"], 3),
        "head_matches_sqlite": steps["pg_append"]["head"] == steps["append"]["head"],
        "rebuild_eps": round(steps["pg_rebuild"]["eps"]),
        "verify_eps": round(steps["pg_verify"]["eps"]),
        "asat_p50_ms": asat["p50_ms"],
        "asat_p99_ms": asat["p99_ms"],
        "asat_render_p50_ms": asat["render_p50_ms"],
        "asat_analyzed_p50_ms": asat["analyzed_p50_ms"],
        "asat_analyzed_p99_ms": asat["analyzed_p99_ms"],
        "analyze_seconds": asat["analyze_seconds"],
        "autovacuum": asat["autovacuum"],
        "asat_matches_sqlite": asat["matches_sqlite"] == asat["compared"],
        "table_mb": steps["pg_append"]["file_mb"],
        "peak_rss_mb": max(steps[n]["rss_mb"] for n in ("pg_append", "pg_rebuild", "pg_verify",
                                                        "pg_asat")),
        "writers": writers,
        "writers_verified": all(w["verified"] and w.get("commands_verified", True)
                                for w in writers.values()),
        "parameters": {"writer_events": steps["pg_writers"]["writer_events"],
                       "writer_commands": steps["pg_writers"]["writer_commands"],
                       "writer_batch": steps["pg_writers"]["writer_batch"],
                       "writer_per_txn": steps["pg_writers"]["writer_per_txn"],
                       "schema": args.pg_schema},
    }


def table_pg(results: dict[str, Any], console: Any) -> None:
    """The PostgreSQL section: each figure beside SQLite's from the same run (row by row, in the
    order printed: one piece, as the tables read)."""
    from rich.table import Table

    pg, s = results["pg"], results["steps"]
    t = Table(title=f"PostgreSQL {pg['server_version']} beside SQLite {results['machine']['sqlite']}"
              " (same run, same events)", title_justify="left")
    for col in ("step", "PostgreSQL", "SQLite", "PG ÷ SQLite", "PG peak RSS MB"):
        t.add_column(col, justify="left" if col == "step" else "right")

    def rate(pg_value: float, lite: float, rss: float | str = "") -> tuple[str, ...]:
        return (f"{pg_value:,.0f} ev/s", f"{lite:,.0f} ev/s", f"{pg_value / lite:.2f}",
                f"{rss:.0f}" if isinstance(rss, float | int) else rss)

    t.add_row("raw executemany, one transaction (baseline)",
              *rate(pg["raw_eps"], results["raw_eps"], s["pg_raw"]["rss_mb"]))
    t.add_row("  the same rows by binary COPY", f"{pg['raw_copy_eps']:,.0f} ev/s", "", "", "")
    t.add_row("append through the store, chained",
              *rate(pg["append_eps"], results["append_eps"], s["pg_append"]["rss_mb"]))
    t.add_row("  × SQLite raw (× PG raw)", f"{pg['append_ratio_vs_raw']:.2f} "
              f"({pg['append_ratio_vs_pg_raw']:.2f})", f"{results['append_ratio_vs_raw']:.2f}",
              "", "")
    t.add_row("  × PG binary COPY (store alone: encoding not counted)",
              f"{pg['append_ratio_vs_pg_copy']:.2f} ({pg['append_store_ratio_vs_pg_copy']:.2f})",
              "", "", "")
    t.add_row("read model rebuild",
              *rate(pg["rebuild_eps"], results["rebuild_eps"], s["pg_rebuild"]["rss_mb"]))
    t.add_row("chain verify",
              *rate(pg["verify_eps"], results["verify_eps"], s["pg_verify"]["rss_mb"]))
    for key, label in (("asat_p50_ms", "as-at report, one audit: p50"),
                       ("asat_p99_ms", "as-at report, one audit: p99")):
        t.add_row(label, f"{pg[key]:.1f} ms", f"{results[key]:.1f} ms",
                  f"{pg[key] / results[key]:.2f}",
                  f"{s['pg_asat']['rss_mb']:.0f}" if key == "asat_p50_ms" else "")
    for key, label in (("p50", f"  after ANALYZE ({pg['analyze_seconds']:.1f} s): p50"),
                       ("p99", "  after ANALYZE: p99")):
        value = pg[f"asat_analyzed_{key}_ms"]
        t.add_row(label, f"{value:.1f} ms", f"{results[f'asat_{key}_ms']:.1f} ms",
                  f"{value / results[f'asat_{key}_ms']:.2f}", "")
    console.print(t)
    p = pg["parameters"]
    w = Table(title=f"PostgreSQL: concurrent writers into one ledger (batches of "
              f"{p['writer_batch']:,} events, {p['writer_per_txn']} per transaction)",
              title_justify="left")
    for col in ("writer processes", "events/s", "× 1 writer", "lock wait s", "commands/s",
                "× 1 writer ", "chains and counts", "peak RSS MB"):
        w.add_column(col, justify="right")
    one = pg["writers"].get("1")
    for n, r in pg["writers"].items():
        ok = r["verified"] and r.get("commands_verified", True)
        why = r["problem"] or r.get("commands_problem")
        cmds = r.get("commands_per_s")
        w.add_row(n, f"{r['eps']:,.0f}", f"{r['eps'] / one['eps']:.2f}" if one else "",
                  f"{r['lock_wait_seconds']:.2f}",
                  f"{cmds:,.0f}" if cmds is not None else "",
                  f"{cmds / one['commands_per_s']:.2f}"
                  if cmds is not None and one and one.get("commands_per_s") else "",
                  "[green]verified[/green]" if ok else f"[red]{why}[/red]",
                  f"{r['max_rss_mb']:.0f}")
    console.print(w)
    console.print(
        f"writers: {p['writer_events']:,} events and {p['writer_commands']:,} commands in all per "
        f"writer count, shared equally, each writer its own streams, a fresh schema per count; "
        f"PostgreSQL head equal to SQLite's: {pg['head_matches_sqlite']}; as-at answers equal to "
        f"SQLite's: {s['pg_asat']['matches_sqlite']}/{s['pg_asat']['compared']}; events table "
        f"{pg['table_mb']:,.0f} MB with its indexes (SQLite file {s['append']['file_mb']:,.0f} MB); "
        f"the server's autovacuum: {pg['autovacuum']} (as-at first measured as the rebuild left "
        f"the tables, {s['pg_asat']['tables_analyzed_before']} of them analyzed)",
        highlight=False)


def table(results: dict[str, Any]) -> None:
    """Print the results as a table (rich): row by row, in the order printed (one piece, as the
    table reads)."""
    from rich.console import Console
    from rich.table import Table

    s, met = results["steps"], results["targets_met"]
    raw = s["raw"]["eps"]

    def ok(key: str) -> str:
        return "[green]yes[/green]" if met[key] else "[red]no[/red]"

    t = Table(title=f"ledger bench: {results['events']:,} events", title_justify="left")
    for col in ("step", "result", "× raw", "peak RSS MB", "target", "met"):
        t.add_column(col, justify="left" if col in ("step", "target") else "right")
    t.add_row("raw sqlite3 executemany (baseline)", f"{raw:,.0f} ev/s", "1.00",
              f"{s['raw']['rss_mb']:.0f}", "", "")
    t.add_row("raw, the ledger's schema", f"{s['raw_same']['eps']:,.0f} ev/s",
              f"{s['raw_same']['eps'] / raw:.2f}", f"{s['raw_same']['rss_mb']:.0f}", "", "")
    t.add_row("append through the store, chained", f"{s['append']['eps']:,.0f} ev/s",
              f"{results['append_ratio_vs_raw']:.2f}", f"{s['append']['rss_mb']:.0f}",
              "≥ 0.40 × raw", ok("append_ratio_vs_raw"))
    t.add_row(f"same, by Ledger.save (first {s['save']['events']:,})", f"{s['save']['eps']:,.0f} ev/s",
              f"{results['save_ratio_vs_raw']:.2f}", f"{s['save']['rss_mb']:.0f}", "", "")
    t.add_row("read model rebuild", f"{s['rebuild']['eps']:,.0f} ev/s",
              f"{s['rebuild']['eps'] / raw:.2f}", f"{s['rebuild']['rss_mb']:.0f}",
              "≥ 100,000 ev/s", ok("rebuild_eps"))
    d = s["decode"]
    t.add_row("  ceiling: log read + json.loads only", f"{d['json_eps']:,.0f} ev/s",
              f"{d['json_eps'] / raw:.2f}", f"{d['rss_mb']:.0f}", "", "")
    t.add_row("  ceiling: log read + decode, validated", f"{d['validated_eps']:,.0f} ev/s",
              f"{d['validated_eps'] / raw:.2f}", "", "", "")
    if "trusted_eps" in d:
        t.add_row("  ceiling: log read + trusted decode", f"{d['trusted_eps']:,.0f} ev/s",
                  f"{d['trusted_eps'] / raw:.2f}", "", "", "")
    t.add_row("  rebuild / (log read + json.loads)", f"{results['rebuild_ratio_vs_parse']:.2f}",
              "", "", "≥ 0.5", "[green]yes[/green]" if results["rebuild_ratio_vs_parse"] >= 0.5
              else "[red]no[/red]")
    t.add_row("chain verify", f"{s['verify']['eps']:,.0f} ev/s",
              f"{s['verify']['eps'] / raw:.2f}", f"{s['verify']['rss_mb']:.0f}",
              "≥ 100,000 ev/s", ok("verify_eps"))
    t.add_row("as-at report, one audit: p50", f"{results['asat_p50_ms']:.1f} ms", "",
              f"{s['asat']['rss_mb']:.0f}", "≤ 20 ms", ok("asat_p50_ms"))
    t.add_row("as-at report, one audit: p99", f"{results['asat_p99_ms']:.1f} ms", "", "", "", "")
    t.add_row("  + rendering it as JSON (p50)", f"{results['asat_render_p50_ms']:.1f} ms", "", "", "",
              "")
    r = s["replay"]
    if "scoped_median_ms" in r:
        t.add_row("same question by scoped replay (one organisation folded)",
                  f"{r['scoped_median_ms']:,.0f} ms", "", f"({r['scoped_rss_mb']:.0f})", "", "")
    if "full_median_ms" in r:
        t.add_row("same question by full replay (median)", f"{r['full_median_ms']:,.0f} ms", "",
                  f"({r['full_rss_mb']:.0f})", "", "")
    t.add_row(f"as-at speed-up vs {results['replay_kind']} replay",
              f"{results['asat_speedup_vs_replay']:,.0f}×", "", "",
              "≥ 500×", ok("asat_speedup_vs_replay"))
    t.add_row("peak RSS, the ledger's steps", f"{results['peak_rss_mb']:.0f} MB", "", "", "≤ 200 MB",
              ok("peak_rss_mb"))
    console = Console(width=120)
    console.print(t)
    m = results["machine"]
    console.print(
        f"machine: {m['nproc']} cores, {m['cpu']}, Python {m['python']}, SQLite {m['sqlite']}; "
        f"event JSON {s['append']['avg_state_bytes']:.0f} bytes on average; "
        f"as-at reports of {s['asat']['median_actions']:.0f} actions (median), "
        f"{s['asat']['questions']} questions; replay answers equal to SQL: "
        f"{s['replay']['matches']}/{s['replay']['questions']}; "
        f"events generated at {s['append']['generate_eps']:,.0f}/s (not timed); "
        f"load average at the end {m['loadavg_at_end']}",
        highlight=False)
    if results.get("pg"):
        table_pg(results, console)
