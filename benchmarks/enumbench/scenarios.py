"""The three measurements: writers during a migration, the lock queue, autogenerate cost.

Every scenario loops repetitions outermost and rotates the order of the tools in each
repetition, so slow drifts of a shared machine (other processes, caches, checkpoints)
fall on every tool alike.  Each measured run starts from a fresh clone of the same
template database.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import db, models
from .load import Load, LockHolder, Probes, Sample
from .monitor import Monitor, database_size, wal_diff, wal_lsn
from .project import AlembicRun, Project
from .stats import overlapping, percentile
from .tools import CHANGES, Change, tool_import

Progress = Callable[[str], None]


@dataclass
class Settings:
    dsn: str  # libpq URL of the admin database
    rows: int
    repeat: int
    lock_timeout: str
    hold: float  # seconds the long reader holds its lock
    baseline: float  # seconds of load before the migration starts
    after: float  # seconds of load after it ends
    sizes: tuple[int, ...]  # autogenerate: number of enums
    changes: tuple[str, ...]
    tools: tuple[str, ...]
    pythons: dict[str, str]  # tool -> interpreter
    workdir: Path
    progress: Progress
    scenarios: tuple[str, ...] = ("writers", "lockqueue", "autogen")
    autogen_repeat: int = 1
    client_prepare: bool = True  # writers use server-side prepared statements (psycopg default)
    online_options: dict[str, Any] = field(default_factory=dict)  # enum_ops of the online tool
    timeline: dict[str, Any] = field(default_factory=dict)
    leftovers: list[str] = field(default_factory=list)  # clones still to drop
    _dropper: threading.Thread | None = None

    @property
    def large(self) -> bool:
        """Big data: clones are dropped at once, between runs, never during one."""
        return self.rows >= 100_000

    def clone(self, template: str) -> Any:
        self._drop_in_background()
        return db.cloned(self.dsn, template, large=self.large, leftovers=self.leftovers)

    def _drop_in_background(self) -> None:
        # small clones only (quick runs): a DROP DATABASE can take a second or two on a
        # busy server; doing them beside the next run keeps a smoke run short
        if not self.leftovers or (self._dropper is not None and self._dropper.is_alive()):
            return
        names, self.leftovers[:] = list(self.leftovers), []

        def drop() -> None:
            for name in names:
                db.drop_database(self.dsn, name)

        self._dropper = threading.Thread(target=drop, daemon=True)
        self._dropper.start()

    def drop_leftovers(self) -> None:
        if self._dropper is not None:
            self._dropper.join()
        while self.leftovers:
            db.drop_database(self.dsn, self.leftovers.pop())


def rotated(tools: tuple[str, ...], rep: int) -> list[str]:
    k = rep % len(tools)
    return list(tools[k:] + tools[:k])


def _project(settings: Settings, tool: str, name: str) -> Project:
    extra: dict[str, Any] = {}
    if tool in ("ours", "online"):
        extra["enum_ops"] = {"lock_timeout": settings.lock_timeout}
    if tool == "online":
        extra["enum_ops"].update(settings.online_options)
    return Project(
        settings.workdir / name / tool,
        python=settings.pythons[tool],
        tool_import=tool_import(tool),
        extra_configure=extra,
    )


def _migration_window(run: AlembicRun) -> tuple[float, float]:
    if run.start is not None and run.end is not None:
        return run.start, run.end
    return run.proc_start, run.proc_end


def _latency_summary(samples: list[Sample]) -> dict[str, Any]:
    latencies = [s[1] for s in samples]
    return {
        "count": len(samples),
        "max_ms": None if not latencies else max(latencies) * 1000,
        "p99_ms": None if not latencies else (percentile(latencies, 99) or 0) * 1000,
        "failed": sum(1 for s in samples if not s[2]),
    }


def _lock_retries(run: AlembicRun) -> int:
    return len(re.findall(r"lock not available (?:within lock_timeout|\(attempt)", run.stderr))


def client_phases(run: AlembicRun) -> dict[str, Any]:
    """From the migration's statement log: its own transactions (an online conversion's
    expand, constraints and cut-over: ``BEGIN``, ``SET LOCAL lock_timeout``, the work,
    ``COMMIT``), timed from the first statement after the SET to the end of the COMMIT
    (an upper bound of how long the transaction held its locks), and the backfill (the
    UPDATE batches run outside a transaction block): rows, rate, longest batch."""
    txs: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    updates: list[tuple[float, float, int]] = []
    for start, end, words, rowcount in run.log:
        head = str(words).split(" ", 1)[0].upper()
        if head == "BEGIN":
            current = {"begin": start, "first": None, "statements": 0}
        elif current is not None and head in ("COMMIT", "ROLLBACK"):
            if end is not None:
                first = current["first"] if current["first"] is not None else current["begin"]
                txs.append({"ms": (end - first) * 1000, "committed": head == "COMMIT",
                            "statements": current["statements"], "start": first, "end": end})
            current = None
        elif current is not None:
            if head != "SET" and current["first"] is None:
                current["first"] = start
            current["statements"] += 1
        elif head == "UPDATE" and end is not None:
            updates.append((start, end, int(rowcount)))
    committed = [t for t in txs if t["committed"]]
    rows = sum(max(u[2], 0) for u in updates)
    span = (updates[-1][1] - updates[0][0]) if updates else 0.0
    return {
        "own_tx_ms": [round(t["ms"], 1) for t in committed],
        "own_tx_max_ms": max((t["ms"] for t in committed), default=None),
        # the last transaction of its own an online conversion commits is its cut-over
        "cutover_tx_ms": committed[-1]["ms"] if committed else None,
        "backfill_batches": len(updates),
        "backfill_rows": rows,
        "backfill_s": span if updates else None,
        "backfill_rows_per_s": rows / span if updates and span > 0 else None,
        "backfill_batch_max_ms": max(((u[1] - u[0]) * 1000 for u in updates), default=None),
        # monotonic intervals, for locating a stall: each own transaction (the last one
        # committed is the cut-over), the backfill's span
        "phases": [
            *[("cut-over" if t is committed[-1] else "own transaction", t["start"], t["end"])
              for t in txs],
            *([("backfill", updates[0][0], updates[-1][1])] if updates else []),
        ],
    }


def locate_stall(
    writes: list[Sample], start: float, end: float, phases: list[tuple[str, float, float]]
) -> dict[str, Any]:
    """When the longest write in flight during the migration ran, relative to the
    migration's start, and which phases of an online conversion it overlapped."""
    during = overlapping(writes, start, end)
    if not during:
        return {"stall_at_s": None, "stall_phase": None}
    worst = max(during, key=lambda s: s[1])
    w0, w1 = worst[0], worst[0] + worst[1]
    names = sorted({name for name, p0, p1 in phases if p0 <= w1 and p1 >= w0})
    return {"stall_at_s": round(w0 - start, 3), "stall_phase": ", ".join(names) or "other"}


def thinned(samples: list[Sample], keep: int = 20_000) -> list[Sample]:
    """At most about ``keep`` samples for the plot: every n-th, and every slow (> 20 ms)
    or failed one (a long online run at 10M rows makes hundreds of thousands)."""
    if len(samples) <= keep:
        return samples
    step = -(-len(samples) // keep)
    return [s for i, s in enumerate(samples) if i % step == 0 or s[1] > 0.02 or not s[2]]


# --- 1. writers during a migration ----------------------------------------------------


def writers(settings: Settings, template: str) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    changes = [c for c in CHANGES if c.key in settings.changes]
    for rep in range(settings.repeat):
        for change in changes:
            for tool in rotated(settings.tools, rep):
                if change.revisions.get(tool) is None:
                    continue
                result = _writers_once(settings, template, change, tool, rep)
                results.append(result)
                settings.progress(
                    f"writers rep {rep + 1}/{settings.repeat} {change.key:<13} {tool:<5} "
                    f"{_fmt_result(result)}"
                )
    return results


def _fmt_result(r: dict[str, Any]) -> str:
    if not r["ok"]:
        return "FAILED: " + (r.get("error") or "").splitlines()[-1][:120]
    parts = [f"migration {r['migration_s']:.3f}s"]
    if "writes_max_ms" in r and r["writes_max_ms"] is not None:
        parts.append(f"write max {r['writes_max_ms']:.0f}ms p99 {r['writes_p99_ms']:.0f}ms")
        parts.append(f"failed {r['failed_writes']}")
    if "probe_max_wait_ms" in r and r["probe_max_wait_ms"] is not None:
        parts.append(f"select max wait {r['probe_max_wait_ms']:.0f}ms")
    parts.append(f"rewrites {r['rewrites']}")
    if r.get("ael_episodes"):
        parts.append(f"AccessExclusive x{r['ael_episodes']} max {r['ael_max_ms']:.0f}ms")
    if r.get("cutover_tx_ms") is not None and r["tool"] == "online":
        parts.append(f"cut-over tx {r['cutover_tx_ms']:.0f}ms")
    if r.get("stall_phase") and r["tool"] == "online":
        parts.append(f"longest write at {r['stall_at_s']:.2f}s in {r['stall_phase']}")
    if r.get("writer_waits"):
        parts.append("writers waited on " + " ".join(
            f"{k}x{v}" for k, v in list(r["writer_waits"].items())[:3]))
    if r.get("backfill_rows_per_s"):
        parts.append(f"backfill {r['backfill_rows_per_s']:,.0f} rows/s")
    if r.get("wal_bytes") is not None:
        parts.append(f"WAL {r['wal_bytes'] / 2**20:.0f}MB")
    if r.get("disk_peak_extra_bytes") is not None:
        parts.append(f"disk +{r['disk_peak_extra_bytes'] / 2**20:.0f}MB")
    if not r["correct"]:
        parts.append(f"RESULT WRONG ({r['state']})")
    return ", ".join(parts)


def _writers_once(
    settings: Settings, template: str, change: Change, tool: str, rep: int
) -> dict[str, Any]:
    project = _project(settings, tool, f"writers_{change.key}")
    project.set_revision(change.revisions[tool] or "", change.imports.get(tool, ""))
    with settings.clone(template) as dbname:
        dsn = db.with_db(settings.dsn, dbname)
        before = db.physical_state(settings.dsn, dbname, change.table)
        size_before = database_size(settings.dsn, dbname)
        load = Load(dsn, change.table, settings.rows, prepare=settings.client_prepare)
        load.start()
        monitor = Monitor(settings.dsn, dbname, change.table)
        monitor.start()
        lsn_base, t_base = wal_lsn(settings.dsn), time.monotonic()
        time.sleep(settings.baseline)
        lsn_before, t_before = wal_lsn(settings.dsn), time.monotonic()
        run = project.run(db.sa_url(settings.dsn, dbname), "upgrade", "head")
        lsn_after, t_after = wal_lsn(settings.dsn), time.monotonic()
        monitor.stop()
        time.sleep(settings.after)
        loaded = load.stop()
        wal_bytes = wal_diff(settings.dsn, lsn_after, lsn_before)
        wal_background = wal_diff(settings.dsn, lsn_before, lsn_base) / max(
            t_before - t_base, 1e-3
        )
        size_end = database_size(settings.dsn, dbname)
        after = db.physical_state(settings.dsn, dbname, change.table)
        rewrites = db.rewrites_logged(settings.dsn, dbname)
        correct, state = change.verify(settings.dsn, dbname) if run.ok else (False, "")
    start, end = _migration_window(run)
    writes = loaded.writes()
    phases_info = client_phases(run)
    during = _latency_summary(overlapping(writes, start, end))
    # p99 over everything the migration can touch: from the command's start (interpreter
    # start-up competes for the CPU too) to the end of the after-period
    # successful writes only: a client failing fast after a swap is not a fast write
    affected = _latency_summary([s for s in writes if s[0] + s[1] >= run.proc_start and s[2]])
    baseline = _latency_summary([s for s in writes if s[0] + s[1] < run.proc_start])
    # a client whose prepared statements the migration invalidated keeps failing
    still_failing = sorted(
        kind for kind in ("insert", "update")
        if loaded.samples.get(kind) and not loaded.samples[kind][-1][2]
    )
    reads = _latency_summary(overlapping(loaded.samples.get("select", []), start, end))
    failed = sum(1 for s in writes if not s[2])
    result: dict[str, Any] = {
        "scenario": "writers",
        "change": change.key,
        "tool": tool,
        "rep": rep,
        "ok": run.ok,
        "error": None if run.ok else run.error_tail(),
        "migration_s": run.migration_seconds if run.ok else None,
        "process_s": run.wall,
        "statements": run.statements,
        "writes_max_ms": during["max_ms"],
        "writes_p99_ms": affected["p99_ms"],
        "writes_during": during["count"],
        "writes_total": len(writes),
        "reads_total": len(loaded.samples.get("select", [])),
        "baseline_p99_ms": baseline["p99_ms"],
        "reads_max_ms": reads["max_ms"],
        "failed_writes": failed,
        "still_failing_at_end": still_failing,
        "failed_reads": sum(1 for s in loaded.samples.get("select", []) if not s[2]),
        "write_errors": {k: v for kind in ("insert", "update") for k, v in
                         loaded.errors.get(kind, {}).items()},
        "rewrites": rewrites,
        "files_changed": before.changed(after),
        "correct": correct,
        "state": state,
        "wal_bytes": wal_bytes,
        # cluster-wide WAL of the baseline second, scaled to the command's duration:
        # what the load and everyone else on a shared server wrote meanwhile
        "wal_background_bytes": round(wal_background * (t_after - t_before)),
        "disk_before_bytes": size_before,
        "disk_end_extra_bytes": size_end - size_before,
        **monitor.summary(run.pid if run.pid and run.pid > 0 else None, size_before),
        **phases_info,
        **locate_stall(writes, start, end, phases_info["phases"]),
    }
    result["phases"] = [(name, round(p0 - start, 4), round(p1 - start, 4))
                        for name, p0, p1 in result["phases"]]
    if rep == 0:  # keep one timeline per change and tool for the plot
        settings.timeline.setdefault(change.key, {})[tool] = {
            "writes": [(s[0] - start, s[1], s[2]) for s in thinned(writes)],
            "migration": [0.0, end - start],
        }
    return result


# --- 2. the lock queue ------------------------------------------------------------------


def lock_queue(settings: Settings, template: str) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    changes = [c for c in CHANGES if c.key in settings.changes]
    for rep in range(settings.repeat):
        for change in changes:
            for tool in rotated(settings.tools, rep):
                if change.revisions.get(tool) is None:
                    continue
                result = _lock_queue_once(settings, template, change, tool, rep)
                results.append(result)
                settings.progress(
                    f"lockqueue rep {rep + 1}/{settings.repeat} {change.key:<13} {tool:<5} "
                    f"{_fmt_result(result)}"
                )
    return results


def _lock_queue_once(
    settings: Settings, template: str, change: Change, tool: str, rep: int
) -> dict[str, Any]:
    project = _project(settings, tool, f"lockqueue_{change.key}")
    project.set_revision(change.revisions[tool] or "", change.imports.get(tool, ""))
    with settings.clone(template) as dbname:
        dsn = db.with_db(settings.dsn, dbname)
        probes = Probes(dsn, change.table, settings.rows)
        probes.start()
        time.sleep(0.3)
        holder = LockHolder(dsn, change.table, settings.hold)
        holder.start()
        holder.locked.wait(30)
        monitor = Monitor(settings.dsn, dbname, change.table)
        monitor.start()
        run = project.run(db.sa_url(settings.dsn, dbname), "upgrade", "head")
        monitor.stop()
        holder.join(settings.hold + 60)
        time.sleep(0.3)
        samples = probes.stop()
        rewrites = db.rewrites_logged(settings.dsn, dbname)
        correct, state = change.verify(settings.dsn, dbname) if run.ok else (False, "")
    window_start = run.proc_start
    window_end = max(run.proc_end, holder.released_at or run.proc_end)
    during = overlapping(samples, window_start, window_end)
    waits = [s[1] for s in during]
    # The queue: the part of each wait spent while the long reader still held its lock.
    # A DDL statement waiting for its lock blocks the SELECTs behind it; that is what
    # lock_timeout bounds.  What a SELECT waits after the reader let go is the migration's
    # own work under its lock (e.g. a swap's rewrite), reported apart.
    released = holder.released_at or window_end
    queued = [min(s[0] + s[1], released) - s[0] for s in during if s[0] < released]
    if settings.timeline is not None and rep == 0:
        settings.timeline.setdefault("lockqueue", {}).setdefault(change.key, {})[tool] = {
            "probes": [(s[0] - window_start, s[1], s[2]) for s in samples],
            "released": released - window_start,
        }
    return {
        "scenario": "lockqueue",
        "change": change.key,
        "tool": tool,
        "rep": rep,
        "ok": run.ok,
        "error": None if run.ok else run.error_tail(),
        "migration_s": run.migration_seconds if run.ok else None,
        "process_s": run.wall,
        "hold_s": settings.hold,
        "lock_retries": _lock_retries(run),
        "probe_count": len(during),
        "probe_max_wait_ms": max(waits) * 1000 if waits else None,
        "probe_max_queue_ms": max(queued) * 1000 if queued else None,
        "probe_p99_wait_ms": (percentile(waits, 99) or 0) * 1000 if waits else None,
        "probes_waited_100ms": sum(1 for w in waits if w > 0.1),
        "probe_total_wait_s": sum(w for w in waits if w > 0.1),
        "probe_failures": sum(1 for s in during if not s[2]),
        **{k: v for k, v in monitor.summary(run.pid if run.pid and run.pid > 0 else None,
                                            0).items() if k.startswith("ael_")},
        "cutover_tx_ms": client_phases(run)["cutover_tx_ms"],
        "rewrites": rewrites,
        "correct": correct,
        "state": state,
    }


# --- 3. autogenerate cost -----------------------------------------------------------------


def autogen(settings: Settings, tools: tuple[str, ...]) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    for size in settings.sizes:
        shape = models.shape_for(size)
        code = models.models_code(shape)
        dbname = models.create_autogen_database(settings.dsn, shape, code, settings.workdir)
        try:
            projects = {}
            for tool in tools:
                project = _project(settings, tool, f"autogen_{size}")
                project.write_models(code)
                projects[tool] = project
            url = db.sa_url(settings.dsn, dbname)
            for rep in range(settings.autogen_repeat):
                for tool in rotated(tools, rep):
                    run = projects[tool].run(url, "check")
                    result = {
                        "scenario": "autogen",
                        "tool": tool,
                        "rep": rep,
                        "enums": shape.enums,
                        "schemas": shape.schemas,
                        "columns": shape.columns,
                        "tables": shape.tables,
                        "ok": run.ok,
                        "error": None if run.ok else run.error_tail(),
                        "compare_s": run.migration_seconds,
                        "process_s": run.wall,
                        "statements": run.statements,
                    }
                    results.append(result)
                    settings.progress(
                        f"autogen rep {rep + 1}/{settings.autogen_repeat} {size:>5} enums "
                        f"{tool:<7} "
                        + (
                            f"check {run.migration_seconds:.3f}s, {run.statements} statements"
                            if run.ok and run.migration_seconds is not None
                            else "FAILED (alembic check found a diff or crashed): "
                            + run.error_tail(2).replace("\n", " | ")[:200]
                        )
                    )
        finally:
            db.drop_database(settings.dsn, dbname)
    return results
