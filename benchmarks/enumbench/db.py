"""Databases for the benchmark: a template built once, a fresh clone per measured run.

Cloning (``CREATE DATABASE ... TEMPLATE``) gives every tool exactly the same starting
data and physical layout without re-inserting a million rows each time.  Table rewrites
are counted two ways: the ``relfilenode`` of the table and its indexes before and after
(what changed on disk), and a ``table_rewrite`` event trigger that logs every rewrite as
it happens (so two rewrites of one table in one migration are not counted as one).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

SCHEMA = "ai"
ENUM = "ingestionstatus"
ENUM_TABLE = "ingestion_queue"
CHECK_TABLE = "ingestion_check"
CHECK_CONSTRAINT = "ck_ingestion_check_status"
CHECK_ENUM = "checkstatus"  # the type check_to_enum creates for the VARCHAR table

INITIAL_LABELS = ("pending", "processing", "succeeded", "failed", "obsolete")
"""The enum's labels before every change.  ``obsolete`` is held by no row (it is the one
the swap removes); ``failed`` is held by a quarter of the rows (the one renamed)."""

WRITE_LABELS = ("pending", "processing", "succeeded")
"""Labels the load writes: valid before and after every change measured."""

CHECK_INITIAL = ("pending", "processing", "succeeded", "failed", "obsolete")
CHECK_TARGET = ("pending", "processing", "succeeded", "failed", "archived")


def admin_connect(dsn: str, dbname: str | None = None) -> psycopg.Connection[Any]:
    kwargs: dict[str, Any] = {"autocommit": True, "connect_timeout": 10}
    if dbname is not None:
        kwargs["dbname"] = dbname
    return psycopg.connect(dsn, **kwargs)


def with_db(dsn: str, dbname: str) -> str:
    """A libpq DSN/URL pointed at another database (conninfo-merge keeps the rest)."""
    return psycopg.conninfo.make_conninfo(dsn, dbname=dbname)


def sa_url(dsn: str, dbname: str) -> str:
    """The SQLAlchemy URL (psycopg 3 driver) of ``dbname`` on the server of ``dsn``."""
    info = psycopg.conninfo.conninfo_to_dict(dsn)
    user = info.get("user", "postgres")
    host = info.get("host", "127.0.0.1")
    port = info.get("port", "5432")
    password = info.get("password")
    auth = f"{user}:{password}" if password else str(user)
    return f"postgresql+psycopg://{auth}@{host}:{port}/{dbname}"


def server_description(dsn: str) -> dict[str, str]:
    with admin_connect(dsn) as conn:
        row = conn.execute(
            "SELECT version(), current_setting('shared_buffers'), "
            "current_setting('max_connections'), current_setting('synchronous_commit')"
        ).fetchone()
    assert row is not None
    return {
        "version": str(row[0]),
        "shared_buffers": str(row[1]),
        "max_connections": str(row[2]),
        "synchronous_commit": str(row[3]),
    }


def drop_database(dsn: str, name: str) -> None:
    with admin_connect(dsn) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def clone_database(dsn: str, template: str, *, large: bool, prefix: str = "enumbench_run") -> str:
    """Copy the template.  FILE_COPY for big data (one checkpoint instead of writing the
    whole copy to WAL), WAL_LOG for small (no cluster-wide checkpoint per run)."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    strategy = sql.SQL("FILE_COPY" if large else "WAL_LOG")
    with admin_connect(dsn) as conn:
        for attempt in range(20):
            try:
                conn.execute(
                    sql.SQL("CREATE DATABASE {} TEMPLATE {} STRATEGY {}").format(
                        sql.Identifier(name), sql.Identifier(template), strategy
                    )
                )
                break
            except psycopg.errors.ObjectInUse:
                # someone (autovacuum, a straggling session) is still on the template
                if attempt == 19:
                    raise
                time.sleep(0.25)
    return name


@contextmanager
def cloned(dsn: str, template: str, *, large: bool, leftovers: list[str]) -> Iterator[str]:
    """A fresh copy of the template.  Big copies are dropped at once (disk); small ones
    are left in ``leftovers`` for the caller to drop at the end, since a DROP DATABASE
    can cost seconds on a busy server and would dominate a quick run."""
    name = clone_database(dsn, template, large=large)
    try:
        yield name
    finally:
        if large:
            drop_database(dsn, name)
        else:
            leftovers.append(name)


REWRITE_LOG_SQL = """
CREATE TABLE public.bench_rewrites (
    id bigserial PRIMARY KEY,
    table_oid oid NOT NULL,
    reason int NOT NULL,
    at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE FUNCTION public.bench_log_rewrite() RETURNS event_trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.bench_rewrites (table_oid, reason)
    VALUES (pg_event_trigger_table_rewrite_oid(), pg_event_trigger_table_rewrite_reason());
END $$;
CREATE EVENT TRIGGER bench_log_rewrite ON table_rewrite EXECUTE FUNCTION public.bench_log_rewrite();
"""

ALEMBIC_VERSION_SQL = """
CREATE TABLE public.alembic_version (
    version_num varchar(32) NOT NULL,
    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);
"""


def build_load_template(
    dsn: str, rows: int, progress: Any, tables: tuple[str, ...] = (ENUM_TABLE, CHECK_TABLE)
) -> str:
    """The writers/lock-queue template: one enum table, one VARCHAR + CHECK table.

    Both tables have ``rows`` rows, a primary key and an index on the status column, as
    in the user's ``ai.ingestion_queue``.  Vacuumed and analysed so that no run pays for
    hint bits or statistics the others did not.  The CHECK table is left empty when no
    selected change uses it (``tables``): at 10M rows it halves every clone.
    """
    name = f"enumbench_tmpl_{uuid.uuid4().hex[:8]}"
    with admin_connect(dsn) as conn:
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'").format(
                sql.Identifier(name)
            )
        )
    labels = ", ".join(f"'{label}'" for label in INITIAL_LABELS)
    check_in = ", ".join(f"'{label}'" for label in CHECK_INITIAL)
    # data: a quarter of rows each in pending/processing/succeeded/failed, none obsolete
    statements = [
        f"CREATE SCHEMA {SCHEMA}",
        f"CREATE TYPE {SCHEMA}.{ENUM} AS ENUM ({labels})",
        f"""CREATE TABLE {SCHEMA}.{ENUM_TABLE} (
                id bigserial PRIMARY KEY,
                status {SCHEMA}.{ENUM} NOT NULL,
                payload text NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now()
            )""",
        f"""INSERT INTO {SCHEMA}.{ENUM_TABLE} (status, payload)
            SELECT (ARRAY['pending','processing','succeeded','failed'])[1 + g % 4]::{SCHEMA}.{ENUM},
                   md5(g::text)
            FROM generate_series(1, {int(rows)}) AS g""",
        f"CREATE INDEX ix_{ENUM_TABLE}_status ON {SCHEMA}.{ENUM_TABLE} (status)",
        f"""CREATE TABLE {SCHEMA}.{CHECK_TABLE} (
                id bigserial PRIMARY KEY,
                status varchar(32) NOT NULL,
                payload text NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now(),
                CONSTRAINT {CHECK_CONSTRAINT} CHECK (status IN ({check_in}))
            )""",
        f"""INSERT INTO {SCHEMA}.{CHECK_TABLE} (status, payload)
            SELECT (ARRAY['pending','processing','succeeded','failed'])[1 + g % 4], md5(g::text)
            FROM generate_series(1, {int(rows) if CHECK_TABLE in tables else 0}) AS g""",
        f"CREATE INDEX ix_{CHECK_TABLE}_status ON {SCHEMA}.{CHECK_TABLE} (status)",
        REWRITE_LOG_SQL,
        ALEMBIC_VERSION_SQL,
    ]
    try:
        with admin_connect(dsn, name) as conn:
            for statement in statements:
                conn.execute(statement)
            progress(f"template {name}: {rows:,} rows x {len(tables)} tables loaded; "
                     "VACUUM ANALYZE")
            conn.execute(f"VACUUM (FREEZE, ANALYZE) {SCHEMA}.{ENUM_TABLE}")
            conn.execute(f"VACUUM (FREEZE, ANALYZE) {SCHEMA}.{CHECK_TABLE}")
    except BaseException:  # Ctrl-C / SIGTERM while loading: leave nothing behind
        drop_database(dsn, name)
        raise
    return name


@dataclass(frozen=True)
class PhysicalState:
    """relfilenode of a table and of each of its indexes."""

    files: dict[str, int]

    def changed(self, other: PhysicalState) -> list[str]:
        return sorted(k for k, v in self.files.items() if other.files.get(k) != v)


def physical_state(dsn: str, dbname: str, table: str) -> PhysicalState:
    with admin_connect(dsn, dbname) as conn:
        rows = conn.execute(
            """
            SELECT c.relname, c.relfilenode
            FROM pg_class c
            WHERE c.oid = %(t)s::regclass
               OR c.oid IN (SELECT indexrelid FROM pg_index WHERE indrelid = %(t)s::regclass)
            """,
            {"t": f"{SCHEMA}.{table}"},
        ).fetchall()
    return PhysicalState({str(r[0]): int(r[1]) for r in rows})


def rewrites_logged(dsn: str, dbname: str) -> int:
    with admin_connect(dsn, dbname) as conn:
        row = conn.execute("SELECT count(*) FROM public.bench_rewrites").fetchone()
    return int(row[0]) if row else 0


def enum_labels(dsn: str, dbname: str, type_name: str = ENUM) -> list[str]:
    with admin_connect(dsn, dbname) as conn:
        rows = conn.execute(
            """
            SELECT e.enumlabel FROM pg_enum e
            JOIN pg_type t ON t.oid = e.enumtypid
            JOIN pg_namespace n ON n.oid = t.typnamespace
            WHERE n.nspname = %s AND t.typname = %s
            ORDER BY e.enumsortorder
            """,
            (SCHEMA, type_name),
        ).fetchall()
    return [str(r[0]) for r in rows]


def check_constraints(
    dsn: str, dbname: str, table: str = CHECK_TABLE
) -> list[tuple[str, str, bool]]:
    """(name, definition, validated) of every CHECK on ``table`` (the VARCHAR table)."""
    with admin_connect(dsn, dbname) as conn:
        rows = conn.execute(
            """
            SELECT conname, pg_get_constraintdef(oid), convalidated FROM pg_constraint
            WHERE conrelid = %s::regclass AND contype = 'c' ORDER BY conname
            """,
            (f"{SCHEMA}.{table}",),
        ).fetchall()
    return [(str(r[0]), str(r[1]), bool(r[2])) for r in rows]


def column_type(dsn: str, dbname: str, table: str, column: str = "status") -> str:
    """``format_type`` of ``table.column`` (schema-qualified for an enum)."""
    with admin_connect(dsn, dbname) as conn:
        row = conn.execute(
            """
            SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
            WHERE a.attrelid = %s::regclass AND a.attname = %s AND NOT a.attisdropped
            """,
            (f"{SCHEMA}.{table}", column),
        ).fetchone()
    return "" if row is None else str(row[0])
