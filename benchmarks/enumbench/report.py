"""The report: results.json (everything), report.md (tables, targets), PNG plots.

Numbers per tool are medians over repetitions; ratios are against ``ours`` (writers,
lock queue) or against vanilla Alembic (autogenerate).  Failed writes and rewrites are
totals / per-run values, not medians: one failure is one too many.  Plots need
matplotlib (``pip install -e '.[bench]'``); without it the report says so and the tables
are still written.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from . import db
from .stats import median, ratio
from .tools import CHANGES

TOOL_LABEL = {
    "ours": "alembic-enum-ops",
    "peer": "alembic-postgresql-enum",
    "hand": "hand recipe",
    "vanilla": "vanilla Alembic",
    "online": "alembic-enum-ops online=True",
}
TOOL_COLOR = {"ours": "tab:green", "peer": "tab:red", "hand": "tab:blue", "vanilla": "tab:gray",
              "online": "tab:purple"}
CHANGE_TITLE = {c.key: c.title for c in CHANGES}
CHANGE_SHORT = {"add_value": "add", "add_middle": "add in middle", "rename_value": "rename",
                "remove_value": "remove (swap)", "check_set": "CHECK set",
                "enum_to_check": "enum to CHECK", "check_to_enum": "CHECK to enum"}
ADD_RENAME_CHECK = ("add_value", "add_middle", "rename_value", "check_set")
REWRITING = ("remove_value", "enum_to_check", "check_to_enum")
"""The changes that rewrite a table unless run online."""
MB = 2**20
NONE = "\N{EN DASH}"  # an empty table cell
TIMES = "\N{MULTIPLICATION SIGN}"


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def machine_description(dsn: str) -> dict[str, str]:
    cpu = ""
    for line in _read("/proc/cpuinfo").splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = ""
    for line in _read("/proc/meminfo").splitlines():
        if line.startswith("MemTotal"):
            mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
            break
    server = db.server_description(dsn)
    return {
        "cpu": cpu or platform.processor() or "unknown",
        "cores": str(os.cpu_count()),
        "memory": mem or "unknown",
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "postgres": server["version"].split(" on ")[0],
        "postgres_settings": (
            f"shared_buffers={server['shared_buffers']}, "
            f"synchronous_commit={server['synchronous_commit']}"
        ),
        "network": "loopback (127.0.0.1)",
        "load average at start (1/5/15 min)": " / ".join(f"{x:.1f}" for x in os.getloadavg()),
    }


def _commit() -> str:
    try:
        out = subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            capture_output=True, text=True, check=True, timeout=10,
            cwd=Path(__file__).resolve().parents[2],
        )
        return out.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _fmt(value: float | None, digits: int = 0, unit: str = "") -> str:
    if value is None:
        return NONE
    return f"{value:,.{digits}f}{unit}"


def _ratio(value: float | None, base: float | None) -> str:
    r = ratio(value, base)
    return NONE if r is None else f"{r:.2f}" + TIMES


def _group(
    rows: Iterable[dict[str, Any]], *keys: str
) -> dict[tuple[Any, ...], list[dict[str, Any]]]:
    out: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for row in rows:
        out.setdefault(tuple(row[k] for k in keys), []).append(row)
    return out


def _tools_in(rows: list[dict[str, Any]]) -> list[str]:
    order = ["ours", "online", "peer", "hand", "vanilla"]
    present = {r["tool"] for r in rows}
    return [t for t in order if t in present]


# --- summaries (also written to results.json) -----------------------------------------


def summarise_writers(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for (change, tool), group in _group(rows, "change", "tool").items():
        ok = [r for r in group if r["ok"]]
        out.append({
            "change": change,
            "tool": tool,
            "runs": len(group),
            "succeeded": len(ok),
            "migration_s": median(r["migration_s"] for r in ok),
            "writes_max_ms": median(r["writes_max_ms"] for r in ok),
            "writes_max_ms_worst": max((r["writes_max_ms"] or 0 for r in ok), default=None),
            "writes_p99_ms": median(r["writes_p99_ms"] for r in ok),
            "baseline_p99_ms": median(r["baseline_p99_ms"] for r in ok),
            "reads_max_ms": median(r["reads_max_ms"] for r in ok),
            "failed_writes": sum(r["failed_writes"] for r in group),
            "still_failing": sorted({k for r in group for k in r.get("still_failing_at_end", [])}),
            "rewrites": sorted({r["rewrites"] for r in ok}),
            "correct": bool(ok) and all(r["correct"] for r in ok),
            "state": ok[0]["state"] if ok else "",
            "errors": sorted({e for r in group for e in r["write_errors"]}
                             | {r["error"].splitlines()[-1] for r in group if r["error"]}),
            **_costs(ok),
        })
    return out


COSTS = ("ael_max_ms", "ael_last_ms", "cutover_tx_ms", "own_tx_max_ms", "backfill_rows_per_s",
         "backfill_batch_max_ms", "wal_bytes", "wal_background_bytes", "disk_peak_extra_bytes",
         "disk_end_extra_bytes", "lock_poll_max_gap_ms")
"""Per-run measures of what a migration costs (monitor.py, scenarios.client_phases):
absent from results.json files written before they existed."""


def _costs(ok: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in COSTS:
        values = [r.get(key) for r in ok if r.get(key) is not None]
        out[key] = median(values)
        out[f"{key}_worst"] = max(values, default=None)
    out["ael_episodes"] = median(float(r["ael_episodes"]) for r in ok if "ael_episodes" in r)
    # where the worst stall happened (online: which phase it overlapped)
    worst = max(ok, key=lambda r: r["writes_max_ms"] or 0, default=None)
    out["stall_phase"] = worst.get("stall_phase") if worst else None
    return out


def summarise_lockqueue(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for (change, tool), group in _group(rows, "change", "tool").items():
        ok = [r for r in group if r["ok"]]
        out.append({
            "change": change,
            "tool": tool,
            "runs": len(group),
            "succeeded": len(ok),
            "probe_max_wait_ms": median(r["probe_max_wait_ms"] for r in group),
            "probe_max_queue_ms": median(r["probe_max_queue_ms"] for r in group),
            "probe_max_queue_ms_worst": max((r["probe_max_queue_ms"] or 0 for r in group),
                                            default=None),
            "probe_max_wait_ms_worst": max((r["probe_max_wait_ms"] or 0 for r in group),
                                           default=None),
            "probe_p99_wait_ms": median(r["probe_p99_wait_ms"] for r in group),
            "probes_waited_100ms": median(float(r["probes_waited_100ms"]) for r in group),
            "probe_total_wait_s": median(r["probe_total_wait_s"] for r in group),
            "migration_s": median(r["migration_s"] for r in ok),
            "lock_retries": median(float(r["lock_retries"]) for r in group),
            "ael_max_ms": median(r.get("ael_max_ms") for r in ok),
            "cutover_tx_ms": median(r.get("cutover_tx_ms") for r in ok),
            "rewrites": sorted({r["rewrites"] for r in ok}),
            "correct": bool(ok) and all(r["correct"] for r in ok),
            "errors": sorted({r["error"].splitlines()[-1] for r in group if r["error"]}),
        })
    return out


def summarise_autogen(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for (enums, tool), group in _group(rows, "enums", "tool").items():
        ok = [r for r in group if r["ok"]]
        out.append({
            "enums": enums,
            "tool": tool,
            "schemas": group[0]["schemas"],
            "columns": group[0]["columns"],
            "runs": len(group),
            "succeeded": len(ok),
            "compare_s": median(r["compare_s"] for r in ok),
            "process_s": median(r["process_s"] for r in ok),
            "statements": median(float(r["statements"]) for r in ok if r["statements"] is not None),
            "statements_seen": sorted({r["statements"] for r in ok if r["statements"] is not None}),
            "errors": sorted({r["error"].splitlines()[-1] for r in group if r["error"]}),
        })
    return sorted(out, key=lambda r: (r["enums"], r["tool"]))


def _find(rows: list[dict[str, Any]], **match: Any) -> dict[str, Any] | None:
    for row in rows:
        if all(row.get(k) == v for k, v in match.items()):
            return row
    return None


# --- targets ------------------------------------------------------------------------------


def evaluate_targets(
    writers: list[dict[str, Any]],
    lockqueue: list[dict[str, Any]],
    autogen: list[dict[str, Any]],
    *,
    rows: int,
    lock_timeout_s: float,
    client_prepare: bool = True,
) -> list[dict[str, str]]:
    targets: list[dict[str, str]] = []
    scale = "" if rows >= 1_000_000 else f" (measured at {rows:,} rows, not 1M)"

    # T1: add / rename / check: max stall < 100 ms, zero failed writes
    ours = [w for w in writers if w["tool"] == "ours" and w["change"] in ADD_RENAME_CHECK]
    if not ours:
        status, evidence = "not measured", "no runs of ours for these changes"
    else:
        missing = [w["change"] for w in ours if not w["succeeded"]]
        worst = max((w["writes_max_ms_worst"] or 0) for w in ours if w["succeeded"]) \
            if any(w["succeeded"] for w in ours) else None
        failed = sum(w["failed_writes"] for w in ours)
        met = not missing and worst is not None and worst < 100 and failed == 0
        status = "met" if met else "NOT met"
        evidence = (
            f"worst writer latency during our migrations {_fmt(worst, 0, ' ms')}, "
            f"failed writes {failed}" + (f"; did not run: {missing}" if missing else "") + scale
        )
    targets.append({
        "target": "add value, rename value, every check-variant change: writers' max stall "
                  "< 100 ms, zero failed writes",
        "status": status,
        "evidence": evidence,
    })

    # T2a: swap rewrites each affected table exactly once
    swap = [r for r in writers + lockqueue if r["tool"] == "ours" and r["change"] == "remove_value"]
    if not swap or not any(r["succeeded"] for r in swap):
        status = "not measured"
        evidence = "our swap did not run" + (
            f": {swap[0]['errors'][:1]}" if swap and swap[0]["errors"] else ""
        )
    else:
        counts = sorted({c for r in swap for c in r["rewrites"]})
        status = "met" if counts == [1] else "NOT met"
        evidence = f"rewrites per run of the one affected table: {counts}"
    targets.append({"target": "swap: exactly one rewrite per affected table",
                    "status": status, "evidence": evidence})

    # T2b: under a held lock: gives up within lock_timeout, retries, readers not queued
    lq = _find(lockqueue, tool="ours", change="remove_value")
    if lq is None or not lq["succeeded"]:
        status = "not measured"
        evidence = "our swap did not run under the held lock" + (
            f": {lq['errors'][:1]}" if lq and lq["errors"] else ""
        )
    else:
        worst = lq["probe_max_queue_ms_worst"] or 0
        bound = lock_timeout_s * 1000 * 1.25 + 150  # scheduling slack on a shared machine
        met = worst <= bound and (lq["lock_retries"] or 0) >= 1
        status = "met" if met else "NOT met"
        evidence = (
            f"longest SELECT wait while the reader held its lock {_fmt(worst, 0, ' ms')} "
            f"with lock_timeout {lock_timeout_s * 1000:.0f} ms; median retries "
            f"{_fmt(lq['lock_retries'], 1)}; longest wait overall (including the rewrite "
            f"itself) {_fmt(lq['probe_max_wait_ms'], 0, ' ms')}"
        )
        for other in ("peer", "hand"):
            s = _find(lockqueue, tool=other, change="remove_value")
            if s and s["succeeded"]:
                evidence += (f"; {TOOL_LABEL[other]}: {_fmt(s['probe_max_queue_ms'], 0, ' ms')}"
                             f" / {_fmt(s['probe_max_wait_ms'], 0, ' ms')}")
    targets.append({
        "target": "swap under a held lock: gives up within lock_timeout and retries, "
                  "instead of queueing every reader behind it",
        "status": status,
        "evidence": evidence,
    })

    targets += _online_targets(writers, lockqueue, scale=scale, lock_timeout_s=lock_timeout_s,
                               client_prepare=client_prepare)

    # T3: autogenerate: added statements constant (<= 3); added time < 20% at largest size
    sizes = sorted({a["enums"] for a in autogen})
    added: list[tuple[int, float]] = []
    for size in sizes:
        o = _find(autogen, enums=size, tool="ours")
        v = _find(autogen, enums=size, tool="vanilla")
        if o and v and o["statements"] is not None and v["statements"] is not None:
            added.append((size, o["statements"] - v["statements"]))
    if not added or len(added) < len(sizes):
        status, evidence = "not measured", "alembic check did not run for ours and vanilla"
    else:
        values = [a for _, a in added]
        met = max(values) <= 3 and len(set(values)) == 1
        status = "met" if met else "NOT met"
        evidence = "added statements by size: " + ", ".join(f"{s}: {a:+.0f}" for s, a in added)
    targets.append({"target": "autogenerate: our added catalog statements constant (≤ 3)",
                    "status": status, "evidence": evidence})
    if sizes:
        largest = sizes[-1]
        o = _find(autogen, enums=largest, tool="ours")
        v = _find(autogen, enums=largest, tool="vanilla")
        if o and v and o["compare_s"] is not None and v["compare_s"]:
            extra = (o["compare_s"] - v["compare_s"]) / v["compare_s"]
            status = "met" if extra < 0.20 else "NOT met"
            evidence = (f"at {largest} enums: vanilla {v['compare_s']:.3f} s, ours "
                        f"{o['compare_s']:.3f} s ({extra * 100:+.1f}%)")
            if largest < 1000:
                evidence += " (largest size measured is below 1,000 enums)"
        else:
            status, evidence = "not measured", "alembic check did not run for ours and vanilla"
        targets.append({"target": "autogenerate: our added time < 20% of vanilla's check at "
                                  "the largest size", "status": status, "evidence": evidence})
    return targets


def _online_targets(
    writers: list[dict[str, Any]],
    lockqueue: list[dict[str, Any]],
    *,
    scale: str,
    lock_timeout_s: float,
    client_prepare: bool,
) -> list[dict[str, str]]:
    targets: list[dict[str, str]] = []
    online = [w for w in writers if w["tool"] == "online"]
    ran = [w for w in online if w["succeeded"]]
    missing = [w["change"] for w in online if not w["succeeded"]]
    prepared = (" (writers used server-side prepared statements: run with --no-prepare for "
                "this target)" if client_prepare else "")
    if not ran:
        status, evidence = "not measured", "no online run succeeded" + (
            f": {missing}" if missing else "")
    else:
        worst = max(w["writes_max_ms_worst"] or 0 for w in ran)
        failed = sum(w["failed_writes"] for w in online)
        rewrites = sorted({c for w in ran for c in w["rewrites"]})
        met = not missing and worst < 100 and failed == 0 and not client_prepare
        status = "met" if met else "NOT met"
        evidence = (
            "worst writer latency during the online runs (cut-over included) "
            + ", ".join(f"{CHANGE_SHORT.get(w['change'], w['change'])} "
                        f"{_fmt(w['writes_max_ms_worst'], 0, ' ms')}" for w in ran)
            + f"; failed writes {failed}; table rewrites {rewrites}"
            + (f"; did not run: {missing}" if missing else "") + prepared + scale
        )
    targets.append({
        "target": "online conversions: writers' max stall < 100 ms and zero failed writes "
                  "(no server-side prepared statements) during the whole operation",
        "status": status, "evidence": evidence,
    })

    if not ran or all(w.get("ael_last_ms_worst") is None for w in ran):
        status, evidence = "not measured", "no online run with pg_locks samples"
    else:
        worst_cut = max(w.get("ael_last_ms_worst") or 0 for w in ran)
        worst_tx = max(w.get("cutover_tx_ms_worst") or 0 for w in ran)
        worst_any = max(w.get("ael_max_ms_worst") or 0 for w in ran)
        gap = max(w.get("lock_poll_max_gap_ms_worst") or 0 for w in ran)
        # the lock is what the target is about: pg_locks says when it was granted and
        # when it went; the client's timing of the whole transaction also counts the
        # catalog work before its LOCK TABLE and the wait for the lock (an upper bound)
        met = worst_cut < 50
        status = "met" if met else "NOT met"
        evidence = (
            "cut-over ACCESS EXCLUSIVE (pg_locks sampled every 2 ms, upper bound), worst "
            "per change: "
            + ", ".join(f"{CHANGE_SHORT.get(w['change'], w['change'])} "
                        f"{_fmt(w.get('ael_last_ms_worst'), 0, ' ms')}" for w in ran)
            + f"; longest hold of any phase (expand, constraints) {_fmt(worst_any, 0, ' ms')}"
            + f"; longest gap between two lock samples {_fmt(gap, 0, ' ms')}"
            + f"; the whole cut-over transaction timed by the client (catalog checks before "
            f"its LOCK TABLE and the lock wait included), worst {_fmt(worst_tx, 0, ' ms')}"
            + scale
        )
    targets.append({
        "target": "online cut-over: ACCESS EXCLUSIVE held < 50 ms per table",
        "status": status, "evidence": evidence,
    })

    lq = [r for r in lockqueue if r["tool"] == "online"]
    if not lq or not any(r["succeeded"] for r in lq):
        status, evidence = "not measured", "no online run in the lock-queue scenario"
    else:
        worst = max(r["probe_max_wait_ms_worst"] or 0 for r in lq)
        bound = lock_timeout_s * 1000 * 1.25 + 150  # as the swap's: scheduling slack
        met = worst <= bound and all(r["succeeded"] == r["runs"] for r in lq)
        status = "met" if met else "NOT met"
        evidence = (
            f"longest SELECT wait overall during the online runs {_fmt(worst, 0, ' ms')} "
            f"with lock_timeout {lock_timeout_s * 1000:.0f} ms (bound with slack "
            f"{bound:.0f} ms): "
            + ", ".join(f"{CHANGE_SHORT.get(r['change'], r['change'])} "
                        f"{_fmt(r['probe_max_wait_ms_worst'], 0, ' ms')} "
                        f"({_fmt(r['lock_retries'], 0)} retries)" for r in lq)
        )
    targets.append({
        "target": "online under a held lock: readers wait at most lock_timeout",
        "status": status, "evidence": evidence,
    })
    return targets


# --- markdown -------------------------------------------------------------------------------


def _costs_md(summary: list[dict[str, Any]], rows: int) -> list[str]:
    changes = [c for c in REWRITING if any(s["change"] == c for s in summary)]
    if not changes:
        return []
    lines = ["## 1b. Online vs rewrite: exclusive locks, WAL, disk", "",
             "Measured in the same writer runs.  *ACCESS EXCLUSIVE*: a thread polls "
             "`pg_locks` every 2 ms for the lock granted to the migration's backend on the "
             "table; each hold is bracketed by the samples around it (the upper bound is "
             "shown: a few ms above the true hold); *holds* counts them, *longest* is the "
             "longest, *last* the last one (an online conversion's cut-over).  *Cut-over "
             "tx* is the cut-over transaction timed by the migration's client, from its "
             "first statement after `SET LOCAL lock_timeout` to the end of its `COMMIT`.  "
             "*Backfill*: rows per second of the online UPDATE batches, and the longest "
             "batch.  *WAL*: `pg_wal_lsn_diff` of `pg_current_wal_lsn()` around the command; "
             "it is cluster-wide, so *background* estimates what the load and other "
             "databases wrote meanwhile (the WAL rate of the baseline second, times the "
             "command's duration).  *Peak extra disk*: the peak of `pg_database_size` "
             "(sampled every 0.25 s) above its size before; *left*: what is still there "
             "at the end (dead row versions until VACUUM).  Medians over repetitions.", "",
             f"Table size before: {rows:,} rows.", "",
             "| change | tool | total (s) | write max (ms) | failed writes | ACCESS EXCLUSIVE "
             "holds | longest (ms) | last (ms) | cut-over tx (ms) | backfill (rows/s) | "
             "longest batch (ms) | WAL (MB) | background (MB) | peak extra disk (MB) | "
             "left (MB) | rewrites | worst stall during |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|"]
    by_change = _group(summary, "change")
    for change in changes:
        group = by_change[(change,)]
        for tool in _tools_in(group):
            s = _find(group, tool=tool)
            assert s is not None
            if not s["succeeded"]:
                continue

            def mb(key: str, s: dict[str, Any] = s) -> str:
                v = s.get(key)
                return NONE if v is None else f"{v / MB:,.0f}"

            cut = s.get("cutover_tx_ms") if tool == "online" else None
            lines.append(
                f"| {CHANGE_SHORT.get(change, change)} | {TOOL_LABEL[tool]} | "
                f"{_fmt(s['migration_s'], 2)} | {_fmt(s['writes_max_ms'])} | "
                f"{s['failed_writes']} | {_fmt(s.get('ael_episodes'))} | "
                f"{_fmt(s.get('ael_max_ms'))} | {_fmt(s.get('ael_last_ms'))} | "
                f"{_fmt(cut)} | {_fmt(s.get('backfill_rows_per_s'))} | "
                f"{_fmt(s.get('backfill_batch_max_ms'))} | {mb('wal_bytes')} | "
                f"{mb('wal_background_bytes')} | {mb('disk_peak_extra_bytes')} | "
                f"{mb('disk_end_extra_bytes')} | {','.join(str(x) for x in s['rewrites'])} | "
                f"{(s.get('stall_phase') or NONE) if tool == 'online' else NONE} |"
            )
    return [*lines, ""]



def _writers_md(
    summary: list[dict[str, Any]], plots: dict[str, str], baseline: float, after: float
) -> list[str]:
    lines = ["## 1. Writers during a migration", "",
             "One session inserts, one updates single rows, one reads by primary key, in "
             f"paced loops, from {baseline:g} s before the `alembic upgrade` command to "
             f"{after:g} s after it.  *Write max* is the longest write in flight while the "
             "migration ran (the stall, failed or not); *write p99* is over the successful "
             "writes from the command's start to the end of the run; *baseline p99* over "
             "the writes before it; "
             "medians over repetitions, *worst* is the maximum over repetitions.  *Failed "
             "writes* is the total over repetitions; *still failing* means the client was "
             "still getting errors when the run ended.  *Rewrites* counts `table_rewrite` "
             "events per run.  *Result* says whether the final catalog is what was asked for.",
             ""]
    by_change = _group(summary, "change")
    for change in [c.key for c in CHANGES]:
        group = by_change.get((change,))
        if not group:
            continue
        ours = _find(group, tool="ours")
        base = ours["migration_s"] if ours else None
        lines += [f"### {CHANGE_TITLE[change]}", "",
                  "| tool | migration (s) | vs ours | write max (ms) | worst (ms) | write p99 (ms) "
                  "| baseline p99 (ms) | failed writes | rewrites | result |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|---|---|"]
        for tool in _tools_in(group):
            s = _find(group, tool=tool)
            assert s is not None
            if not s["succeeded"]:
                lines.append(f"| {TOOL_LABEL[tool]} | failed | | | | | | {s['failed_writes']} | "
                             f"| {'; '.join(s['errors'])[:160]} |")
                continue
            result = "correct" if s["correct"] else f"**wrong**: {s['state']}"
            lines.append(
                f"| {TOOL_LABEL[tool]} | {_fmt(s['migration_s'], 3)} | "
                f"{_ratio(s['migration_s'], base)} | {_fmt(s['writes_max_ms'])} | "
                f"{_fmt(s['writes_max_ms_worst'])} | {_fmt(s['writes_p99_ms'])} | "
                f"{_fmt(s['baseline_p99_ms'])} | {s['failed_writes']}"
                f"{' (still failing)' if s['still_failing'] else ''} | "
                f"{','.join(str(x) for x in s['rewrites'])} | {result} |"
            )
        errors = [(s["tool"], e) for s in group for e in s["errors"]]
        for tool, err in errors:
            lines.append(f"\n- {TOOL_LABEL[tool]}: `{err[:200]}`")
        if change in plots:
            lines += ["", f"![writer latency, {CHANGE_TITLE[change]}]({plots[change]})"]
        lines.append("")
    return lines


def _lockqueue_md(summary: list[dict[str, Any]], hold: float, lock_timeout: str,
                  plot: str | None, extra_plots: list[str]) -> list[str]:
    lines = ["## 2. The lock queue", "",
             f"A transaction reads the table and stays open for {hold:g} s (ACCESS SHARE). "
             "Each migration starts right after; four other sessions keep issuing ordinary "
             "`SELECT ... WHERE id = $1`.  *Queued* is the longest time a SELECT waited while "
             "the long reader still held its lock, i.e. stuck in the queue behind a migration "
             "waiting for its lock (what `lock_timeout` bounds); *max wait* is the longest "
             "wait overall, including the migration's own time under its lock (a swap's "
             "rewrite); medians over repetitions, *worst* the maximum.  "
             "*Total SELECT wait* adds up the waits of the SELECTs "
             "that waited over 100 ms (the queue's cost summed over sessions).  "
             f"Ours runs with `lock_timeout = {lock_timeout}` and "
             "retries with backoff; the others wait as long as it takes.", "",
             "| change | tool | queued (ms) | worst queued (ms) | max wait (ms) | worst (ms) "
             "| SELECT p99 (ms) | SELECTs > 100 ms | total SELECT wait (s) | migration (s) "
             "| lock retries | rewrites | result |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|"]
    by_change = _group(summary, "change")
    for change in [c.key for c in CHANGES]:
        group = by_change.get((change,))
        if not group:
            continue
        for tool in _tools_in(group):
            s = _find(group, tool=tool)
            assert s is not None
            result = ("correct" if s["correct"] else "**wrong**") if s["succeeded"] else \
                "failed: " + "; ".join(s["errors"])[:120]
            lines.append(
                f"| {CHANGE_TITLE[change]} | {TOOL_LABEL[tool]} | "
                f"{_fmt(s['probe_max_queue_ms'])} | {_fmt(s['probe_max_queue_ms_worst'])} | "
                f"{_fmt(s['probe_max_wait_ms'])} | {_fmt(s['probe_max_wait_ms_worst'])} | "
                f"{_fmt(s['probe_p99_wait_ms'])} | {_fmt(s['probes_waited_100ms'])} | "
                f"{_fmt(s['probe_total_wait_s'], 1)} | "
                f"{_fmt(s['migration_s'], 2)} | {_fmt(s['lock_retries'])} | "
                f"{','.join(str(x) for x in s['rewrites'])} | {result} |"
            )
    if plot:
        lines += ["", f"![SELECT wait under a held lock]({plot})"]
    for name in extra_plots:
        lines += ["", f"![SELECT waits over time]({name})"]
    return [*lines, ""]


def _autogen_md(summary: list[dict[str, Any]], plot: str | None) -> list[str]:
    lines = ["## 3. Autogenerate cost", "",
             "`alembic check` on a database that matches the models (nothing to do).  "
             "*compare* is the time of `context.run_migrations()` inside env.py (the comparison "
             "itself); *process* is the whole command including interpreter start-up; "
             "*statements* counts the SQL statements sent during the comparison.  Ratios and "
             "added statements are against vanilla Alembic at the same size.  Every command runs "
             "with `PYTHONHASHSEED=0`: with some hash seeds vanilla Alembic itself reflects a "
             "table twice (about nine more statements per table), whatever the tool.", "",
             "| enums | schemas | columns | tool | compare (s) | vs vanilla | process (s) | "
             "statements | added statements | status |",
             "|---:|---:|---:|---|---:|---:|---:|---:|---:|---|"]
    for (enums,), group in sorted(_group(summary, "enums").items()):
        vanilla = _find(group, tool="vanilla")
        for tool in _tools_in(group):
            s = _find(group, tool=tool)
            assert s is not None
            added = None
            if vanilla and s["statements"] is not None and vanilla["statements"] is not None:
                added = s["statements"] - vanilla["statements"]
            status = "ok" if s["succeeded"] == s["runs"] else \
                "check failed: " + "; ".join(s["errors"])[:120]
            lines.append(
                f"| {enums:,} | {s['schemas']} | {s['columns']:,} | {TOOL_LABEL[tool]} | "
                f"{_fmt(s['compare_s'], 3)} | "
                f"{_ratio(s['compare_s'], vanilla['compare_s'] if vanilla else None)} | "
                f"{_fmt(s['process_s'], 2)} | {_statements(s)} | "
                f"{NONE if added is None else f'{added:+.0f}'} | {status} |"
            )
    if plot:
        lines += ["", f"![autogenerate cost vs number of enums]({plot})"]
    return [*lines, ""]


def _statements(s: dict[str, Any]) -> str:
    seen = s.get("statements_seen") or []
    if len(seen) > 1:  # not deterministic across repetitions: show the range
        return f"{_fmt(s['statements'])} ({min(seen)}{NONE}{max(seen)})"
    return _fmt(s["statements"])


def _online_options(options: dict[str, Any] | None) -> str:
    if not options:
        return "the library's defaults (online_batch_size, online_batch_pause)"
    return ", ".join(f"{k}={v}" for k, v in sorted(options.items()))


def _seconds(timeout: str) -> float:
    t = timeout.strip()
    for suffix, factor in (("ms", 0.001), ("s", 1.0), ("min", 60.0)):
        if t.endswith(suffix) and t[: -len(suffix)].strip().replace(".", "", 1).isdigit():
            return float(t[: -len(suffix)]) * factor
    return float(t) / 1000  # a bare number is milliseconds in PostgreSQL


def _rounded(value: Any) -> Any:
    """Timelines rounded to 0.1 ms, to keep results.json small."""
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_rounded(v) for v in value]
    return value


def write(
    out: Path,
    *,
    settings: Any,
    results: dict[str, list[dict[str, Any]]],
    versions: dict[str, dict[str, str]],
    machine: dict[str, str],
    elapsed: float,
    quick: bool,
) -> list[Path]:
    """Write results.json, report.md and the plots of a finished run."""
    machine = {**machine, "load average at end (1/5/15 min)":
               " / ".join(f"{x:.1f}" for x in os.getloadavg())}
    params = {
        "rows": settings.rows,
        "repeat": settings.repeat,
        "lock_timeout": settings.lock_timeout,
        "hold_s": settings.hold,
        "baseline_s": settings.baseline,
        "after_s": settings.after,
        "autogen_sizes": list(settings.sizes),
        "autogen_repeat": settings.autogen_repeat,
        "client_prepare": settings.client_prepare,
        "online_options": dict(settings.online_options),
        "changes": list(settings.changes),
        "tools": list(settings.tools),
        "scenarios": list(settings.scenarios),
        "quick": quick,
    }
    meta = {
        "generated": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        "commit": _commit(),
        "elapsed_s": round(elapsed, 1),
        "machine": machine,
        "versions": versions,
        "parameters": params,
    }
    return render(out, {"meta": meta, "runs": results, "timeline": _rounded(settings.timeline)})


def rerender(results_json: Path, out: Path) -> list[Path]:
    """Rebuild report.md and the plots from a results.json (no database needed)."""
    data = json.loads(results_json.read_text())
    return render(out, {"meta": data["meta"], "runs": data["runs"],
                        "timeline": data.get("timeline", {})})


def render(out: Path, data: dict[str, Any]) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    meta, results = data["meta"], data["runs"]
    machine, versions = meta["machine"], meta["versions"]
    # results.json files written before a parameter existed get its old meaning
    params = {"autogen_repeat": meta["parameters"]["repeat"], "baseline_s": 1.0,
              "after_s": 1.0, "client_prepare": True, **meta["parameters"]}
    writers = summarise_writers(results.get("writers", []))
    lockqueue = summarise_lockqueue(results.get("lockqueue", []))
    autogen = summarise_autogen(results.get("autogen", []))
    targets = evaluate_targets(writers, lockqueue, autogen, rows=params["rows"],
                               lock_timeout_s=_seconds(params["lock_timeout"]),
                               client_prepare=params["client_prepare"])
    plots, plot_note = _plots(out, data.get("timeline", {}), lockqueue, autogen,
                              _online_phases(results.get("writers", [])))
    full = {
        "meta": meta,
        "targets": targets,
        "summary": {"writers": writers, "lockqueue": lockqueue, "autogen": autogen},
        "runs": results,
        "plots": plots,
        "timeline": data.get("timeline", {}),
    }
    json_path = out / "results.json"
    json_path.write_text(json.dumps(full, default=str, separators=(",", ":")) + "\n")

    md = ["# Benchmark report: alembic-enum-ops (rewrite and online) vs "
          "alembic-postgresql-enum vs the hand recipe",
          "",
          f"Generated {meta['generated']} at commit `{meta['commit']}` in "
          f"{meta['elapsed_s']:.0f} s"
          + (" \N{EM DASH} **quick mode: tiny data, one repetition; numbers mean nothing**"
             if params["quick"] else "") + ".", "",
          "## Machine and parameters", "",
          "| | |", "|---|---|"]
    for key, value in machine.items():
        md.append(f"| {key} | {value} |")
    for scope, vers in versions.items():
        md.append(f"| versions ({scope}) | {', '.join(f'{k} {v}' for k, v in vers.items())} |")
    md += [f"| rows per table | {params['rows']:,} |",
           f"| repetitions | {params['repeat']} (tools alternate; medians reported); "
           f"alembic check: {params['autogen_repeat']} |",
           f"| writers' prepared statements | "
           f"{'psycopg default (after 5 runs)' if params['client_prepare'] else 'off'} |",
           f"| our lock_timeout | {params['lock_timeout']} |",
           f"| online tool's options | "
           f"{_online_options(params.get('online_options'))} |",
           f"| long reader holds its lock | {params['hold_s']:g} s |", ""]
    md += ["## Targets", "", "| target | status | evidence |", "|---|---|---|"]
    md += [f"| {t['target']} | **{t['status']}** | {t['evidence']} |" for t in targets]
    md.append("")
    if plot_note:
        md += [f"_{plot_note}_", ""]
    if writers:
        md += _writers_md(writers, plots, params["baseline_s"], params["after_s"])
        md += _costs_md(writers, params["rows"])
    if lockqueue:
        md += _lockqueue_md(lockqueue, params["hold_s"], params["lock_timeout"],
                            plots.get("lockqueue"),
                            [v for k, v in plots.items() if k.startswith("lockqueue_")])
    if autogen:
        md += _autogen_md(autogen, plots.get("autogen"))
    md_path = out / "report.md"
    md_path.write_text("\n".join(md) + "\n")
    return [md_path, json_path, *[out / p for p in plots.values()]]


# --- plots ----------------------------------------------------------------------------------


def _online_phases(runs: list[dict[str, Any]]) -> dict[str, list[Any]]:
    """change -> the phases of the online run the writers' plot shows (the first
    repetition's), relative to the migration's start; absent in older results.json."""
    return {r["change"]: r["phases"] for r in runs
            if r["tool"] == "online" and r["rep"] == 0 and r.get("phases")}


def _plots(
    out: Path,
    timeline: dict[str, Any],
    lockqueue: list[dict[str, Any]],
    autogen: list[dict[str, Any]],
    phases: dict[str, list[Any]] | None = None,
) -> tuple[dict[str, str], str]:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return {}, "matplotlib is not installed (pip install -e '.[bench]'): no plots."
    plots: dict[str, str] = {}
    for change, per_tool in timeline.items():
        if change == "lockqueue":
            continue
        fig, ax = plt.subplots(figsize=(9, 4.2))
        for tool, data in per_tool.items():
            pts = sorted(data["writes"])
            xs = [p[0] for p in pts]
            ys = [max(p[1] * 1000, 0.05) for p in pts]
            ax.plot(xs, ys, "-", lw=0.8, color=TOOL_COLOR[tool], label=TOOL_LABEL[tool])
            fails = [(p[0], max(p[1] * 1000, 0.05)) for p in pts if not p[2]]
            if fails:
                ax.plot([f[0] for f in fails], [f[1] for f in fails], "x",
                        color=TOOL_COLOR[tool], ms=6, label=f"{TOOL_LABEL[tool]}: failed write")
            ax.axvspan(data["migration"][0], data["migration"][1], color=TOOL_COLOR[tool],
                       alpha=0.08)
        ax.axhline(100, color="black", lw=0.6, ls="--")
        marked = False
        for name, p0, p1 in (phases or {}).get(change, []) if "online" in per_tool else []:
            if name == "backfill":
                ax.annotate("", xy=(p1, 0.1), xytext=(p0, 0.1),
                            arrowprops={"arrowstyle": "<->", "color": TOOL_COLOR["online"]})
                ax.text((p0 + p1) / 2, 0.12, "online backfill", ha="center", va="bottom",
                        fontsize=7, color=TOOL_COLOR["online"])
                ax.set_ylim(bottom=0.07)
            else:  # an own transaction taking ACCESS EXCLUSIVE (the last: the cut-over)
                ax.axvline(p0, color=TOOL_COLOR["online"], lw=0.7, ls=":",
                           label=None if marked else "online: expand / cut-over")
                marked = True
        ax.set_yscale("log")
        ax.set_xlabel("seconds since the migration started (shaded: migration, per tool)")
        ax.set_ylabel("write latency (ms, log)")
        ax.set_title(f"Writers during: {CHANGE_TITLE.get(change, change)}")
        ax.legend(fontsize=8, loc="upper right")
        fig.tight_layout()
        name = f"writers_{change}.png"
        fig.savefig(out / name, dpi=110)
        plt.close(fig)
        plots[change] = name
    if lockqueue:
        changes = [c.key for c in CHANGES if any(r["change"] == c.key for r in lockqueue)]
        tools = _tools_in(lockqueue)
        fig, axes = plt.subplots(1, 2, figsize=(11, 4.4), sharey=True)
        width = 0.8 / max(len(tools), 1)
        for ax, key, title in (
            (axes[0], "probe_max_queue_ms", "queued while the long reader holds its lock"),
            (axes[1], "probe_max_wait_ms", "overall (incl. the migration's own lock time)"),
        ):
            for i, tool in enumerate(tools):
                vals = []
                for change in changes:
                    s = _find(lockqueue, tool=tool, change=change)
                    vals.append((s[key] or 0) / 1000 if s else 0)
                ax.bar([k + i * width for k in range(len(changes))], vals, width,
                       color=TOOL_COLOR[tool], label=TOOL_LABEL[tool])
            ax.set_xticks([k + width * (len(tools) - 1) / 2 for k in range(len(changes))])
            ax.set_xticklabels([CHANGE_SHORT.get(c, c) for c in changes], fontsize=8)
            ax.set_title(f"longest SELECT wait: {title}", fontsize=9)
        axes[0].set_ylabel("seconds")
        axes[0].legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(out / "lockqueue.png", dpi=110)
        plt.close(fig)
        plots["lockqueue"] = "lockqueue.png"
    for change, per_tool in timeline.get("lockqueue", {}).items():
        if change not in ("remove_value", "check_set", *REWRITING):
            continue  # the others take no table lock: nothing to see
        fig, ax = plt.subplots(figsize=(9, 4.2))
        for tool, data in per_tool.items():
            pts = sorted(data["probes"])
            ax.plot([p[0] for p in pts], [max(p[1], 0.0005) for p in pts], ".",
                    ms=3, color=TOOL_COLOR[tool], label=TOOL_LABEL[tool])
            ax.axvline(data["released"], color=TOOL_COLOR[tool], lw=0.8, ls=":")
        ax.set_yscale("log")
        ax.set_xlabel("seconds since `alembic upgrade` started (dotted: long reader commits)")
        ax.set_ylabel("SELECT wait (s, log)")
        ax.set_title(f"Lock queue: {CHANGE_TITLE[change]}")
        ax.legend(fontsize=8)
        fig.tight_layout()
        name = f"lockqueue_{change}.png"
        fig.savefig(out / name, dpi=110)
        plt.close(fig)
        plots[f"lockqueue_{change}"] = name
    if autogen:
        fig, (ax1, ax2, ax3) = plt.subplots(1, 3, figsize=(14, 4.2))
        vanilla = {r["enums"]: r["statements"] for r in autogen
                   if r["tool"] == "vanilla" and r["statements"] is not None}
        for tool in _tools_in(autogen):
            pts = sorted((r["enums"], r["compare_s"], r["statements"]) for r in autogen
                         if r["tool"] == tool and r["compare_s"] is not None)
            if not pts:
                continue
            ax1.plot([p[0] for p in pts], [p[1] for p in pts], "o-", color=TOOL_COLOR[tool],
                     label=TOOL_LABEL[tool])
            ax2.plot([p[0] for p in pts], [p[2] for p in pts], "o-", color=TOOL_COLOR[tool],
                     label=TOOL_LABEL[tool])
            if tool != "vanilla":
                added = [(p[0], p[2] - vanilla[p[0]]) for p in pts
                         if p[0] in vanilla and p[2] is not None]
                ax3.plot([a[0] for a in added], [max(a[1], 0.5) for a in added], "o-",
                         color=TOOL_COLOR[tool], label=TOOL_LABEL[tool])
        for ax, label in ((ax1, "alembic check: comparison time (s)"),
                          (ax2, "SQL statements per alembic check"),
                          (ax3, "statements added to vanilla Alembic's")):
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_xlabel("enums (2 columns each)")
            ax.set_ylabel(label)
            ax.legend(fontsize=8)
        fig.suptitle("Autogenerate cost, nothing to do")
        fig.tight_layout()
        fig.savefig(out / "autogen.png", dpi=110)
        plt.close(fig)
        plots["autogen"] = "autogen.png"
    return plots, ""


# --- growth with table size (runs at different --rows) ------------------------------------

GROWTH = (
    ("migration_s", "total time (s)", 1.0),
    ("writes_max_ms_worst", "writers' longest stall (ms)", 1.0),
    ("ael_max_ms_worst", "longest ACCESS EXCLUSIVE hold (ms)", 1.0),
    ("wal_bytes", "WAL written (MB, cluster-wide)", 1 / MB),
    ("disk_peak_extra_bytes", "peak extra disk (MB)", 1 / MB),
)


def growth(sources: list[Path], out: Path) -> list[Path]:
    """growth.md and growth.png: each writer measure by table size, per change and tool,
    from results.json files of runs at different ``--rows``."""
    out.mkdir(parents=True, exist_ok=True)
    points: dict[tuple[str, str], list[tuple[int, dict[str, Any]]]] = {}
    origins = []
    for source in sources:
        data = json.loads(source.read_text())
        rows = int(data["meta"]["parameters"]["rows"])
        origins.append(f"`{source}` ({rows:,} rows, {data['meta']['generated']}, "
                       f"commit `{data['meta']['commit']}`)")
        for s in data["summary"]["writers"]:
            if s["change"] in REWRITING and s["succeeded"]:
                points.setdefault((s["change"], s["tool"]), []).append((rows, s))
    # a change and tool measured at one size only says nothing about growth
    points = {k: sorted(v, key=lambda p: p[0]) for k, v in points.items() if len(v) > 1}
    md = ["# Growth with table size", "", "From " + "; ".join(origins) + ".", "",
          "Medians over repetitions, except the stall and the lock hold: worst repetition.  "
          f"*{TIMES}* is the ratio between the largest and the smallest size.", "",
          "| change | tool | rows | " + " | ".join(label for _, label, _ in GROWTH) + " |",
          "|---|---|---:|" + "---:|" * len(GROWTH)]
    for (change, tool), pts in sorted(points.items()):
        for rows, s in pts:
            md.append(f"| {CHANGE_SHORT.get(change, change)} | {TOOL_LABEL[tool]} | {rows:,} | "
                      + " | ".join(_fmt(None if s.get(k) is None else s[k] * f, 1 if f == 1
                                        and k == "migration_s" else 0)
                                   for k, _, f in GROWTH) + " |")
        first, last = pts[0][1], pts[-1][1]
        md.append(f"| | | {TIMES} | " + " | ".join(
            _ratio(last.get(k), first.get(k)) for k, _, _ in GROWTH) + " |")
    written = []
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        md += ["", "_matplotlib is not installed: no plot._"]
    else:
        fig, axes = plt.subplots(1, len(GROWTH), figsize=(4 * len(GROWTH), 4))
        styles = {"remove_value": "o-", "enum_to_check": "s--", "check_to_enum": "^:"}
        for ax, (key, label, factor) in zip(axes, GROWTH, strict=True):
            for (change, tool), pts in sorted(points.items()):
                xy = [(r, s[key] * factor) for r, s in pts if s.get(key) is not None]
                if xy:
                    ax.plot([p[0] for p in xy], [max(p[1], 0.1) for p in xy],
                            styles.get(change, "o-"), color=TOOL_COLOR[tool],
                            label=f"{TOOL_LABEL[tool]}, {CHANGE_SHORT.get(change, change)}")
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_xlabel("rows in the table")
            ax.set_title(label, fontsize=9)
        axes[0].legend(fontsize=7)
        fig.suptitle("Rewrite vs online: growth with table size")
        fig.tight_layout()
        fig.savefig(out / "growth.png", dpi=110)
        plt.close(fig)
        md += ["", "![growth with table size](growth.png)"]
        written.append(out / "growth.png")
    path = out / "growth.md"
    path.write_text("\n".join(md) + "\n")
    return [path, *written]
