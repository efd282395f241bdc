"""A Citus cluster for the distributed tests: the coordinator's URL, its nodes, and
what each node's catalog says.

The cluster is given by ``$ENUM_OPS_CITUS_URL`` (``.ci/run`` starts the fixture of
``/work/shared/citus``); without it the tests of ``tests/distributed`` are skipped.
Every test works in a schema of its own in the coordinator's database (the fixture
cluster has one database with ``citus`` in it), dropped afterwards on every node.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import make_url

CITUS_URL_ENV = "ENUM_OPS_CITUS_URL"


def citus_url_from_env() -> str | None:
    """The coordinator's URL, or None when no cluster is given."""
    return os.environ.get(CITUS_URL_ENV) or None


def sqlalchemy_url(url: str) -> str:
    """``postgresql://`` as SQLAlchemy + psycopg wants it."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


@dataclass(frozen=True)
class Node:
    """A node of the cluster: the coordinator (group 0) or a worker."""

    name: str
    url: str


def nodes(coordinator_url: str) -> list[Node]:
    """The coordinator and every active worker, from ``pg_dist_node`` (one query); a
    worker's URL is the coordinator's with the worker's host and port."""
    engine = sa.create_engine(coordinator_url)
    try:
        with engine.connect() as conn:
            rows = conn.exec_driver_sql(
                "SELECT nodename, nodeport FROM pg_dist_node "
                "WHERE isactive AND groupid <> 0 ORDER BY nodeport"
            ).all()
    finally:
        engine.dispose()
    base = make_url(coordinator_url)
    workers = [
        Node(f"worker {r[0]}:{r[1]}",
             base.set(host=r[0], port=int(r[1])).render_as_string(hide_password=False))
        for r in rows
    ]
    return [Node("coordinator", coordinator_url), *workers]


_LABELS_SQL = """
SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder)
FROM pg_type t
JOIN pg_namespace n ON n.oid = t.typnamespace
JOIN pg_enum e ON e.enumtypid = t.oid
WHERE n.nspname = %(schema)s AND t.typname = %(name)s
"""


def labels_by_node(coordinator_url: str, schema: str, name: str) -> dict[str, tuple[str, ...]]:
    """``{node: labels in order}`` of one enum type on every node (``()`` where the
    node has no such type)."""
    found: dict[str, tuple[str, ...]] = {}
    for node in nodes(coordinator_url):
        engine = sa.create_engine(node.url)
        try:
            with engine.connect() as conn:
                value = conn.exec_driver_sql(
                    _LABELS_SQL, {"schema": schema, "name": name}
                ).scalar()
        finally:
            engine.dispose()
        found[node.name] = tuple(value or ())
    return found


def worker_shard(coordinator_url: str, table: str) -> tuple[str, str]:
    """A worker's URL and the qualified name of one shard of ``table`` (``schema.t``)
    that lives there, from ``citus_shards`` (one query)."""
    engine = sa.create_engine(coordinator_url)
    try:
        with engine.connect() as conn:
            row = conn.exec_driver_sql(
                "SELECT shard_name::text, nodename, nodeport FROM citus_shards "
                "WHERE table_name = %(t)s::regclass ORDER BY shardid LIMIT 1",
                {"t": table},
            ).one()
    finally:
        engine.dispose()
    url = make_url(coordinator_url).set(host=row[1], port=int(row[2]))
    return url.render_as_string(hide_password=False), str(row[0])


def distribute_sql(kind: str, table: str, column: str = "id") -> str:
    """A statement making ``table`` a hash-distributed (``kind`` "distributed") or
    reference table when the server has ``citus``, doing nothing elsewhere: the same
    revision then runs on a single server and on a coordinator."""
    call = (
        f"create_distributed_table('{table}', '{column}')"
        if kind == "distributed"
        else f"create_reference_table('{table}')"
    )
    return (
        "DO $$BEGIN IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') "
        f"THEN PERFORM {call}; END IF; END$$"
    )
