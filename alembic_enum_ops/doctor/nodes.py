"""Citus: the one drift a single server cannot have -- a worker whose enum types differ
from the coordinator's.

Citus propagates ``CREATE TYPE`` and ``ALTER TYPE`` from the coordinator to every
worker; a type changed on a worker by hand (or a node added while propagation was off)
leaves a worker whose labels are not the coordinator's, and a query the coordinator
plans with its labels then fails or sorts differently on that worker's shards.  One
query reads every worker's enum types (``run_command_on_workers``); types an extension
owns are left out on both sides, as everywhere in ``doctor``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy.engine import Connection

from ..catalog import EnumType
from .report import DbObject, Finding, Severity

_WORKER_ENUMS = (
    "SELECT coalesce(json_agg(json_build_array(n.nspname, t.typname, "
    "(SELECT array_agg(e.enumlabel ORDER BY e.enumsortorder) FROM pg_catalog.pg_enum e "
    "WHERE e.enumtypid = t.oid)) ORDER BY n.nspname, t.typname), '[]') "
    "FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace "
    "WHERE t.typtype = 'e' AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
    "AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.classid = "
    "'pg_catalog.pg_type'::pg_catalog.regclass AND d.objid = t.oid AND d.deptype = 'e')"
)

_NODES_SQL = (
    "SELECT nodename::text, nodeport, success, result "
    "FROM pg_catalog.run_command_on_workers(%(command)s) ORDER BY nodename, nodeport"
)


def node_findings(connection: Connection, enums: Sequence[EnumType]) -> list[Finding]:
    """``node-label-drift`` (error) per type whose labels differ on a worker (or that a
    worker lacks, or has alone), ``node-unreachable`` (warning) per worker that did not
    answer.  Call it on a Citus coordinator only (``diagnose`` knows one by the enum
    types the ``citus`` extension owns)."""
    ours = {(e.schema, e.name): tuple(e.labels) for e in enums if e.extension is None}
    rows = connection.exec_driver_sql(_NODES_SQL, {"command": _WORKER_ENUMS}).all()
    findings: list[Finding] = []
    for host, port, success, result in rows:
        node = DbObject("node", None, f"{host}:{port}")
        if not success:
            findings.append(Finding(
                Severity.WARNING, "node-unreachable", (node,),
                f"worker {host}:{port} did not answer: {result}",
                "Check the worker (citus_check_cluster_node_health()), then run doctor "
                "again.",
            ))
            continue
        theirs = {(s, n): tuple(labels or ()) for s, n, labels in json.loads(result)}
        for key in sorted(ours.keys() | theirs.keys()):
            here, there = ours.get(key), theirs.get(key)
            if here == there:
                continue
            name = f"{key[0]}.{key[1]}"
            if there is None:
                seen = "has no such type"
            elif here is None:
                seen = f"has it with labels {list(there)!r}; the coordinator has no such type"
            else:
                seen = f"has labels {list(there)!r}; the coordinator has {list(here)!r}"
            findings.append(Finding(
                Severity.ERROR, "node-label-drift", (DbObject("type", *key), node),
                f"enum {name}: worker {host}:{port} {seen}",
                "Types are changed on the coordinator only (Citus propagates them). "
                "Bring the worker back to the coordinator's labels on that worker, "
                "with citus.enable_ddl_propagation = off (ALTER TYPE ... ADD VALUE / "
                "RENAME VALUE), or drop the stray type there.",
            ))
    return findings
