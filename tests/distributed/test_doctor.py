"""``doctor`` on a coordinator: types the ``citus`` extension owns are left alone, and
a worker whose labels differ from the coordinator's is an error."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from tests.support.catalog import execute
from tests.support.citus import distribute_sql, nodes
from tests.support.project import AlembicProject

pytestmark = pytest.mark.e2e


def doctor(url: str) -> tuple[int, list[dict[str, Any]]]:
    run = subprocess.run(
        [sys.executable, "-m", "alembic_enum_ops", "doctor", "--url", url, "--format", "json"],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert run.returncode in (0, 1), run.stderr
    return run.returncode, json.loads(run.stdout)["findings"]


def about(findings: list[dict[str, Any]], schema: str) -> list[dict[str, Any]]:
    return [f for f in findings if any(o["schema"] == schema for o in f["objects"])]


def test_doctor_reports_a_worker_whose_labels_differ(
    citus_project: AlembicProject, schema: str
) -> None:
    s = schema
    citus_project.write_revision(
        "0001",
        f'op.enum_create("status", ["new", "old"], schema={s!r})\n'
        f"op.execute({f'CREATE TABLE {s}.d (id int PRIMARY KEY, s {s}.status)'!r})\n"
        f"op.execute({distribute_sql('distributed', f'{s}.d')!r})",
    )
    citus_project.upgrade()
    _, findings = doctor(citus_project.url)
    assert not [f for f in about(findings, s) if f["code"].startswith("node-")]
    assert not [f for f in findings if any(o["schema"] == "citus" for o in f["objects"])]
    assert "distribution_type" not in json.dumps(findings)

    worker = nodes(citus_project.url)[1]
    execute(worker.url, "SET citus.enable_ddl_propagation = off",
            f"ALTER TYPE {s}.status ADD VALUE 'rogue'")
    code, findings = doctor(citus_project.url)
    assert code == 1
    (drift,) = [f for f in about(findings, s) if f["code"] == "node-label-drift"]
    assert drift["severity"] == "error"
    host_port = worker.name.removeprefix("worker ")
    assert drift["message"] == (
        f"enum {s}.status: worker {host_port} has labels ['new', 'old', 'rogue']; "
        "the coordinator has ['new', 'old']"
    )
    assert {"kind": "node", "schema": None, "name": host_port} in drift["objects"]


def test_doctor_warns_about_a_worker_that_does_not_answer(
    citus_project: AlembicProject, schema: str
) -> None:
    worker = nodes(citus_project.url)[1]
    host_port = worker.name.removeprefix("worker ")
    # every new session on that worker gives up at once (set on the worker alone)
    execute(worker.url, "SET citus.enable_ddl_propagation = off",
            "ALTER DATABASE postgres SET statement_timeout = 1")
    try:
        _, findings = doctor(citus_project.url)
    finally:  # from a session that overrides the setting it resets
        execute(f"{worker.url}?options=-c%20statement_timeout%3D0",
                "SET citus.enable_ddl_propagation = off",
                "ALTER DATABASE postgres RESET statement_timeout")
    (silent,) = [f for f in findings if f["code"] == "node-unreachable"]
    assert silent["severity"] == "warning"
    assert silent["message"].startswith(f"worker {host_port} did not answer: ")
    assert silent["objects"] == [{"kind": "node", "schema": None, "name": host_port}]


def test_doctor_names_a_distribution_column_among_a_swaps_blockers(
    citus_project: AlembicProject, schema: str
) -> None:
    """The swap engine's description (doctor, revision headers) lists what Citus cannot
    do with the other blockers."""
    s = schema
    citus_project.write_revision(
        "0001",
        f'op.enum_create("status", ["new", "old"], schema={s!r})\n'
        f"op.execute({f'CREATE TABLE {s}.k (s {s}.status, n int)'!r})\n"
        f"op.execute({distribute_sql('distributed', f'{s}.k', 's')!r})",
    )
    citus_project.upgrade()
    _, findings = doctor(citus_project.url)
    (blocked,) = [f for f in about(findings, s) if f["code"] == "swap-blocked"]
    assert (f"column {s}.k.s (the table's Citus distribution column: its type cannot "
            "change)") in blocked["message"]
    assert "undistribute_table()" in blocked["fix"]
