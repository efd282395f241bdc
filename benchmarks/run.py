"""Benchmarks: alembic-enum-ops vs alembic-postgresql-enum vs the hand-written recipe.

One command (from the repository root, with the project's venv)::

    python benchmarks/run.py                      # 1,000,000 rows, 3 repetitions
    python benchmarks/run.py --rows 200000 --repeat 2
    python benchmarks/run.py --quick              # tiny data, 1 repetition (smoke run)
    python benchmarks/run.py --rows 10000000 --scenarios writers \
        --changes remove_value --tools ours,hand,online --no-prepare --out results/10m
    python benchmarks/run.py --growth results/results.json,results/10m/results.json \
        --out results/growth                       # 1M vs 10M: growth.md, growth.png

It creates the peer's own venv on first use (``benchmarks/.venv-peer``), builds a
template database on the server given by ``--url`` (default ``$ENUM_OPS_BENCH_URL`` or
``postgresql://postgres@127.0.0.1:5432/postgres``), runs the three scenarios, drops every
database it made, and writes ``report.md``, ``results.json`` and PNG plots into
``--out`` (default ``benchmarks/results``).  See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
# enumbench (here), and the test suite's Alembic project helper (tests.support.project,
# from the repository root) that enumbench's projects are built on
sys.path[:0] = [str(HERE), str(HERE.parent)]

from enumbench import db, peer, report, scenarios  # noqa: E402
from enumbench.tools import CHANGE_KEYS, CHANGES, TOOLS  # noqa: E402

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
FULL_SIZES = (1, 10, 100, 1000)
QUICK_SIZES = (1, 10)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--url", default=os.environ.get("ENUM_OPS_BENCH_URL", DEFAULT_URL),
                   help="libpq URL of an admin database on the server to use")
    p.add_argument("--rows", type=int, default=None,
                   help="rows per table (default 1,000,000; --quick: 3,000)")
    p.add_argument("--repeat", type=int, default=None,
                   help="repetitions of every run (default 3; --quick: 1)")
    p.add_argument("--quick", action="store_true",
                   help="tiny data, one repetition, short lock hold: proves the harness works")
    p.add_argument("--lock-timeout", default=None,
                   help="our lock_timeout (default 2s; --quick: 300ms)")
    p.add_argument("--hold", type=float, default=None,
                   help="seconds the long reader holds its lock (default 8; --quick: 1.5)")
    p.add_argument("--sizes", default=None,
                   help="autogenerate sizes, comma-separated enum counts "
                        "(default 1,10,100,1000; --quick: 1,10)")
    p.add_argument("--autogen-repeat", type=int, default=None,
                   help="repetitions of each alembic check (default 7: it is cheap and "
                        "noisy; --quick: 1)")
    p.add_argument("--no-prepare", action="store_true",
                   help="writers never use server-side prepared statements (psycopg "
                        "prepare_threshold=None); default: psycopg's, prepare after 5 runs")
    p.add_argument("--online-batch-size", type=int, default=None,
                   help="EnumOpsOptions.online_batch_size of the online tool (default: "
                        "the library's)")
    p.add_argument("--online-batch-pause", type=float, default=None,
                   help="EnumOpsOptions.online_batch_pause of the online tool (default: "
                        "the library's)")
    p.add_argument("--scenarios", default="writers,lockqueue,autogen",
                   help="which scenarios to run (comma-separated)")
    p.add_argument("--changes", default=",".join(CHANGE_KEYS),
                   help="which changes to run (comma-separated)")
    p.add_argument("--tools", default=",".join(TOOLS), help="which tools (comma-separated)")
    p.add_argument("--out", type=Path, default=HERE / "results", help="results folder")
    p.add_argument("--peer-venv", type=Path,
                   default=Path(os.environ.get("ENUM_OPS_BENCH_PEER_VENV", HERE / ".venv-peer")),
                   help="where the peer's venv lives (created when missing)")
    p.add_argument("--refresh-peer", action="store_true",
                   help="rebuild the peer venv (picks up its newest release)")
    p.add_argument("--rerender", type=Path, default=None, metavar="RESULTS_JSON",
                   help="only rebuild report.md and the plots in --out from a results.json")
    p.add_argument("--growth", default=None, metavar="RESULTS_JSON,...",
                   help="only compare runs at different --rows (comma-separated results.json "
                        "files): writes growth.md and growth.png into --out")
    args = p.parse_args(argv)
    args.rows = args.rows or (3_000 if args.quick else 1_000_000)
    args.repeat = args.repeat or (1 if args.quick else 3)
    args.autogen_repeat = args.autogen_repeat or (1 if args.quick else 7)
    args.lock_timeout = args.lock_timeout or ("300ms" if args.quick else "2s")
    args.hold = args.hold if args.hold is not None else (1.5 if args.quick else 8.0)
    args.sizes = (
        tuple(int(x) for x in args.sizes.split(",")) if args.sizes
        else (QUICK_SIZES if args.quick else FULL_SIZES)
    )
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # SIGTERM unwinds like Ctrl-C: the finally blocks drop the databases made so far and
    # multiprocessing stops the load processes (daemons) at exit
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if args.rerender is not None:
        for path in report.rerender(args.rerender, args.out):
            print(f"wrote {path}")
        return 0
    if args.growth is not None:
        sources = [Path(x) for x in args.growth.split(",") if x]
        for path in report.growth(sources, args.out):
            print(f"wrote {path}")
        return 0
    began = time.monotonic()

    def progress(message: str) -> None:
        print(f"[{time.monotonic() - began:7.1f}s] {message}", flush=True)

    tools = tuple(t for t in args.tools.split(",") if t)
    unknown = sorted(set(tools) - set(TOOLS))
    if unknown:
        raise SystemExit(f"unknown tools {unknown}; known: {list(TOOLS)}")
    selected = tuple(s for s in args.scenarios.split(",") if s)
    pythons = {"ours": sys.executable, "hand": sys.executable, "vanilla": sys.executable,
               "online": sys.executable}
    versions = {"project": peer.own_versions()}
    if "peer" in tools:
        pythons["peer"], versions["peer"] = peer.ensure_peer_venv(
            args.peer_venv, refresh=args.refresh_peer, progress=progress
        )
    machine = report.machine_description(args.url)
    progress(f"server: {machine['postgres']}")
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="enumbench_") as tmp:
        settings = scenarios.Settings(
            dsn=args.url,
            rows=args.rows,
            repeat=args.repeat,
            lock_timeout=args.lock_timeout,
            hold=args.hold,
            baseline=0.3 if args.quick else 1.0,
            after=0.3 if args.quick else 1.0,
            sizes=args.sizes,
            changes=tuple(c for c in args.changes.split(",") if c),
            tools=tools,
            pythons=pythons,
            workdir=Path(tmp),
            progress=progress,
            scenarios=selected,
            autogen_repeat=args.autogen_repeat,
            client_prepare=not args.no_prepare,
            online_options={
                k: v for k, v in (("online_batch_size", args.online_batch_size),
                                  ("online_batch_pause", args.online_batch_pause))
                if v is not None
            },
        )
        results: dict[str, list[dict[str, object]]] = {}
        if {"writers", "lockqueue"} & set(selected):
            progress(f"building the template database: {args.rows:,} rows per table")
            used = {c.table for c in CHANGES if c.key in settings.changes}
            template = db.build_load_template(
                args.url, args.rows, progress,
                tables=tuple(t for t in (db.ENUM_TABLE, db.CHECK_TABLE) if t in used),
            )
            try:
                if "writers" in selected:
                    results["writers"] = scenarios.writers(settings, template)
                if "lockqueue" in selected:
                    results["lockqueue"] = scenarios.lock_queue(settings, template)
            finally:
                settings.drop_leftovers()
                db.drop_database(args.url, template)
        if "autogen" in selected:
            ag_tools = ("vanilla", *[t for t in tools if t not in ("hand", "online")])
            results["autogen"] = scenarios.autogen(settings, ag_tools)
        written = report.write(
            args.out,
            settings=settings,
            results=results,
            versions=versions,
            machine=machine,
            elapsed=time.monotonic() - began,
            quick=args.quick,
        )
    for path in written:
        progress(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
