"""Who holds the lock a step waited for, and what to say when its retries run out.

Diagnostics only: read after the last ``lock_timeout``, best effort (a failing read
returns nothing rather than mask the error), on the server's own sessions and, on a
Citus coordinator, on the workers' (``citus_locks``).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from ..catalog.citus import citus_installed
from ..options import EnumOpsOptions
from .plan import LockTarget, Step
from .sqltext import qualified

_HOLDERS_SQL = sa.text(
    """
    SELECT a.pid, l.mode, coalesce(a.state, '') AS state,
           coalesce(a.usename::text, '') AS usename,
           coalesce(a.application_name, '') AS application_name,
           left(coalesce(a.query, ''), 200) AS query
    FROM pg_locks l
    JOIN pg_stat_activity a ON a.pid = l.pid
    WHERE l.granted
      AND l.pid <> pg_backend_pid()
      AND (
        (l.locktype = 'relation' AND l.relation = to_regclass(:qualified))
        OR (l.locktype = 'object' AND l.classid = 'pg_type'::regclass
            AND l.objid = to_regtype(:qualified))
      )
    ORDER BY a.pid
    """
)


def lock_holders(connection: Connection, target: LockTarget) -> list[str]:
    """Describe the sessions that hold a lock on ``target`` (best effort)."""
    name = qualified(connection.dialect, target.schema, target.name)
    try:
        rows = connection.execute(_HOLDERS_SQL, {"qualified": name}).all()
    except sa.exc.DBAPIError:  # pragma: no cover - diagnostics must never mask the error
        return []
    return [
        f"pid {r.pid} ({r.usename or '?'}, {r.application_name or 'no application_name'}, "
        f"{r.state}) holds {r.mode}; its query: {r.query!r}"
        for r in rows
    ]


_WORKER_HOLDERS_SQL = sa.text(
    """
    SELECT DISTINCT n.nodename || ':' || n.nodeport AS node, l.pid, l.mode,
           l.relation_name AS shard, coalesce(a.state, '') AS state,
           coalesce(a.usename::text, '') AS usename,
           coalesce(a.application_name, '') AS application_name,
           left(coalesce(a.query, ''), 200) AS query
    FROM pg_catalog.citus_locks l
    JOIN pg_catalog.pg_dist_node n ON n.nodeid = l.nodeid
    LEFT JOIN pg_catalog.citus_stat_activity a
           ON a.global_pid = l.global_pid AND a.nodeid = l.nodeid
    WHERE l.granted AND l.locktype = 'relation' AND n.groupid <> 0
      AND l.relation_name IN (SELECT s.shard_name::text FROM pg_catalog.citus_shards s
                               WHERE s.table_name = to_regclass(:qualified))
    ORDER BY 1, 2
    """
)


def worker_lock_holders(connection: Connection, target: LockTarget) -> list[str]:
    """On a Citus coordinator, the sessions of the workers holding a lock on a shard of
    table ``target`` (``citus_locks``: one query over every node; best effort)."""
    if target.kind != "table" or not citus_installed(connection):
        return []
    name = qualified(connection.dialect, target.schema, target.name)
    try:
        rows = connection.execute(_WORKER_HOLDERS_SQL, {"qualified": name}).all()
    except sa.exc.DBAPIError:  # pragma: no cover - diagnostics must never mask the error
        return []
    return [
        f"pid {r.pid} on worker {r.node} ({r.usename or '?'}, "
        f"{r.application_name or 'no application_name'}, {r.state}) holds {r.mode} on "
        f"shard {r.shard}; its query: {r.query!r}"
        for r in rows
    ]


def exhausted_message(
    connection: Connection, step: Step, attempts: int, options: EnumOpsOptions
) -> str:
    """The message of a step whose retries ran out: what it waited for, and who held
    it (each session once), then :data:`RETRY_ADVICE`."""
    targets = [lock for s in step.statements for lock in s.locks]
    waited = ", ".join(t.describe() for t in targets) or "a lock"
    holders: list[str] = []
    for target in targets:
        holders.extend(lock_holders(connection, target))
        holders.extend(worker_lock_holders(connection, target))
    holders = list(dict.fromkeys(holders))  # a session locking two targets: named once
    lines = [
        f"{step.description}: could not get {waited} within lock_timeout "
        f"{step.lock_timeout} after {attempts} attempts (lock_retries="
        f"{options.lock_retries}); nothing of this step was applied.",
    ]
    if holders:
        lines.append("Sessions holding a conflicting lock:")
        lines.extend(f"  - {h}" for h in holders)
    lines.append(RETRY_ADVICE)
    return "\n".join(lines)


#: The last line of a :class:`LockTimeoutExhaustedError`'s message in a migration; a
#: command with its own ``--lock-timeout`` replaces it with its own advice.
RETRY_ADVICE = (
    "Retry when the long transaction ends, or raise lock_timeout / lock_retries "
    "via context.configure(enum_ops=EnumOpsOptions(...))."
)
