"""The benchmark harness works end to end (``python benchmarks/run.py --quick``).

This proves the harness, not the numbers: it runs every scenario on a few thousand rows
with one repetition against the test server and checks the structure of what it wrote,
plus facts that do not depend on timing (table rewrites counted, final catalog checked,
statements counted).  Timed assertions are deliberately absent: the benchmark's numbers
live in benchmarks/results/ and docs/benchmarks.md, never in the test suite.

The peer (alembic-postgresql-enum) is installed into its own venv, outside the project's
dependencies; it is cached in ``$ENUM_OPS_BENCH_PEER_VENV`` or ``~/.cache`` so that only
the first run pays for ``pip install``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support.server import Server, libpq_url

ROOT = Path(__file__).resolve().parents[2]
CHANGES = ("add_value", "remove_value", "check_set", "enum_to_check")
TOOLS = ("ours", "peer", "hand", "online")
STATUSES = {"met", "NOT met", "not measured"}
# what each tool cannot do: the peer has no VARCHAR + CHECK, online only replaces rewrites
NOT_RUN = {("check_set", "peer"), ("enum_to_check", "peer"), ("add_value", "online"),
           ("check_set", "online")}


def _expected() -> set[tuple[str, str]]:
    return {(c, t) for c in CHANGES for t in TOOLS} - NOT_RUN

pytestmark = pytest.mark.slow


def _peer_venv() -> str:
    default = Path.home() / ".cache" / "alembic-enum-ops" / "venv-peer"
    return os.environ.get("ENUM_OPS_BENCH_PEER_VENV", str(default))


@pytest.fixture(scope="module")
def quick_run(pg_server: Server, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("bench")
    cmd = [
        sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick",
        "--url", libpq_url(pg_server.admin_url),
        "--out", str(out),
        "--changes", ",".join(CHANGES),
        "--sizes", "1",
        "--peer-venv", _peer_venv(),
    ]
    result = subprocess.run(
        cmd, capture_output=True, text=True, timeout=900, cwd=ROOT, check=False
    )
    assert result.returncode == 0, f"runner failed:\n{result.stdout}\n{result.stderr}"
    data = json.loads((out / "results.json").read_text())
    return {"out": out, "stdout": result.stdout, "data": data,
            "report": (out / "report.md").read_text()}


def test_progress_lines_name_every_run(quick_run: dict[str, Any]) -> None:
    stdout = quick_run["stdout"]
    for change in CHANGES:
        for tool in TOOLS:
            if (change, tool) in NOT_RUN:
                assert f"writers rep 1/1 {change:<13} {tool:<5}" not in stdout
                continue
            assert f"writers rep 1/1 {change:<13} {tool:<5}" in stdout
            assert f"lockqueue rep 1/1 {change:<13} {tool:<5}" in stdout
    for tool in ("vanilla", "ours", "peer"):
        assert f"autogen rep 1/1     1 enums {tool:<7}" in stdout


def test_parameters_and_machine_are_recorded(quick_run: dict[str, Any]) -> None:
    meta = quick_run["data"]["meta"]
    assert meta["parameters"]["quick"] is True
    assert meta["parameters"]["rows"] == 3000
    assert meta["parameters"]["repeat"] == 1
    assert meta["parameters"]["client_prepare"] is True  # psycopg's default behaviour
    assert meta["machine"]["postgres"].startswith("PostgreSQL ")
    assert meta["versions"]["peer"]["alembic-postgresql-enum"]
    # the peer's venv runs the same Alembic and SQLAlchemy as the project
    for dist in ("alembic", "sqlalchemy"):
        assert meta["versions"]["peer"][dist] == meta["versions"]["project"][dist]


def test_writer_runs_have_every_measure(quick_run: dict[str, Any]) -> None:
    runs = quick_run["data"]["runs"]["writers"]
    seen = {(r["change"], r["tool"]) for r in runs}
    assert seen == _expected()
    for run in runs:
        assert run["writes_total"] > 0 and run["reads_total"] > 0, run
        assert isinstance(run["failed_writes"], int)
        assert isinstance(run["rewrites"], int)
        if run["ok"]:
            assert run["migration_s"] is not None and run["statements"] > 0
            assert run["writes_max_ms"] is None or run["writes_max_ms"] >= 0
        else:
            assert run["error"], run
        # the server-side costs: WAL, disk, exclusive-lock holds sampled from pg_locks
        assert isinstance(run["wal_bytes"], int) and run["wal_bytes"] >= 0
        assert run["disk_before_bytes"] > 0 and run["disk_peak_extra_bytes"] >= 0
        assert run["lock_samples"] > 0 and isinstance(run["ael_episodes"], int)


def test_rewrites_and_final_catalog_are_checked(quick_run: dict[str, Any]) -> None:
    runs = {(r["change"], r["tool"]): r for r in quick_run["data"]["runs"]["writers"]}
    # ADD VALUE rewrites nothing, for every tool
    for tool in ("ours", "peer", "hand"):
        add = runs[("add_value", tool)]
        assert add["ok"] and add["correct"] and add["rewrites"] == 0, add
        assert add["state"].split(",")[-1] == "archived"
    # the hand recipe's v2 swap rewrites the table once and gives the new label list
    hand_swap = runs[("remove_value", "hand")]
    assert hand_swap["ok"] and hand_swap["correct"], hand_swap
    assert hand_swap["rewrites"] == 1
    assert hand_swap["state"] == "pending,processing,succeeded,failed"
    assert "ingestion_queue" in hand_swap["files_changed"]
    # online: the same result without a table rewrite; the exclusive locks it takes
    # (expand, constraints, cut-over) are seen in pg_locks, the cut-over timed by its client
    for change in ("remove_value", "enum_to_check"):
        online = runs[(change, "online")]
        assert online["ok"] and online["correct"] and online["rewrites"] == 0, online
        # the heap keeps its file; the index on the column is its concurrently built twin
        assert online["files_changed"] == ["ix_ingestion_queue_status"], online
        assert online["ael_episodes"] >= 1 and online["cutover_tx_ms"] is not None
        assert online["backfill_rows"] >= 3000 and online["backfill_batches"] >= 1
        rewrite = runs[(change, "ours")]
        assert rewrite["ok"] and rewrite["correct"] and rewrite["rewrites"] == 1, rewrite
        assert rewrite["state"] == online["state"]
    # the plain validated CHECK does not rewrite either; the result is one validated CHECK
    hand_check = runs[("check_set", "hand")]
    assert hand_check["ok"] and hand_check["correct"] and hand_check["rewrites"] == 0


def test_lock_queue_runs_have_every_measure(quick_run: dict[str, Any]) -> None:
    runs = quick_run["data"]["runs"]["lockqueue"]
    assert {(r["change"], r["tool"]) for r in runs} == _expected()
    for run in runs:
        assert run["probe_count"] > 0, run
        assert run["probe_max_wait_ms"] is not None
        # the part spent queued behind the migration is a part of the whole wait
        assert 0 <= run["probe_max_queue_ms"] <= run["probe_max_wait_ms"] + 1e-6
        assert run["hold_s"] == 1.5
        assert isinstance(run["lock_retries"], int)


def test_autogenerate_counts_statements_for_each_tool(quick_run: dict[str, Any]) -> None:
    runs = quick_run["data"]["runs"]["autogen"]
    assert {r["tool"] for r in runs} == {"vanilla", "ours", "peer"}
    for run in runs:
        assert (run["enums"], run["schemas"], run["columns"]) == (1, 1, 2)
        assert run["ok"], run  # a database in sync: `alembic check` finds nothing
        assert run["statements"] > 0 and run["compare_s"] is not None


def test_report_has_targets_and_tables(quick_run: dict[str, Any]) -> None:
    report = quick_run["report"]
    for heading in ("## Machine and parameters", "## Targets", "## 1. Writers during a migration",
                    "## 2. The lock queue", "## 3. Autogenerate cost"):
        assert heading in report
    assert "quick mode" in report
    for label in ("alembic-enum-ops", "alembic-postgresql-enum", "hand recipe", "vanilla Alembic",
                  "alembic-enum-ops online=True"):
        assert f"| {label} |" in report
    assert "## 1b. Online vs rewrite: exclusive locks, WAL, disk" in report
    targets = quick_run["data"]["targets"]
    assert len(targets) == 8
    assert {t["status"] for t in targets} <= STATUSES
    for target in targets:
        assert f"| {target['target']} | **{target['status']}** |" in report


def test_plots_are_written_when_matplotlib_is_there(quick_run: dict[str, Any]) -> None:
    pytest.importorskip("matplotlib")
    plots = quick_run["data"]["plots"]
    assert set(plots) == {
        *CHANGES, "lockqueue", "lockqueue_remove_value", "lockqueue_check_set",
        "lockqueue_enum_to_check", "autogen"
    }
    for name in plots.values():
        png = quick_run["out"] / name
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert f"]({name})" in quick_run["report"]


def test_rerender_rebuilds_the_same_report(
    quick_run: dict[str, Any], tmp_path: Path
) -> None:
    """``--rerender`` rebuilds report.md from results.json alone (no database)."""
    cmd = [
        sys.executable, str(ROOT / "benchmarks" / "run.py"),
        "--rerender", str(quick_run["out"] / "results.json"), "--out", str(tmp_path),
    ]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "report.md").read_text() == quick_run["report"]


def test_growth_compares_runs_at_two_sizes(quick_run: dict[str, Any], tmp_path: Path) -> None:
    """``--growth`` tabulates (and plots) each measure by table size, from results.json
    files; the same run given twice stands in for two sizes (the ratios are 1)."""
    source = quick_run["out"] / "results.json"
    cmd = [
        sys.executable, str(ROOT / "benchmarks" / "run.py"),
        "--growth", f"{source},{source}", "--out", str(tmp_path),
    ]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr
    growth = (tmp_path / "growth.md").read_text()
    assert "| remove (swap) | alembic-enum-ops online=True | 3,000 |" in growth
    assert "| remove (swap) | alembic-enum-ops | 3,000 |" in growth
