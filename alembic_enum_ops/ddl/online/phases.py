"""The phases an online conversion shares between its expand and its cut-over, each
a query that *generates* its statements from the catalog and the sync triggers'
comments when it runs (psql's ``\\gexec`` in a script), so each does only what is left:
running the conversion again after any interruption continues where it stopped.

* backfill -- ``UPDATE ... SET shadow = NULL`` (the trigger computes it) over ranges of
  heap blocks, each committed by itself, rows already done skipped;
* constraints -- a helper CHECK per column proving the backfill complete and a twin
  of each CHECK on the columns, ``NOT VALID`` (brief, under ``lock_timeout``);
* validations -- ``VALIDATE`` each (SHARE UPDATE EXCLUSIVE: reads and writes go on);
* indexes -- the twin indexes, ``CREATE INDEX CONCURRENTLY`` (a partitioned table's
  ``ON ONLY`` the parent, then each partition's, attached); an invalid one left by an
  interrupted build is dropped and built again.

A conversion is found by its *key*, the ``type`` its sync triggers' facts carry: the
enum (``ai.status``) for a swap, ``column ai.jobs.status`` for a conversion between an
enum and text + CHECK.
"""

from __future__ import annotations

from sqlalchemy.engine import Dialect

from ...catalog.online import MARKER
from ..plan import Boundary, LockTarget, Statement, Step
from ..sqltext import literal


def enum_key(dialect: Dialect, schema: str | None, name: str) -> str:
    """The key of the online swap of enum ``schema.name`` (an SQL expression)."""
    schema_expr = "current_schema()" if schema is None else literal(dialect, schema)
    return f"format('%I.%I', {schema_expr}, {literal(dialect, name)})"


def column_key(dialect: Dialect, schema: str | None, table: str, column: str) -> str:
    """The key of the online conversion of ``schema.table.column`` (an SQL expression)."""
    schema_expr = "current_schema()" if schema is None else literal(dialect, schema)
    return (
        f"format('column %I.%I.%I', {schema_expr}, {literal(dialect, table)}, "
        f"{literal(dialect, column)})"
    )


def _ours(dialect: Dialect) -> str:
    """A CTE ``mine(relid, facts)``: every sync trigger of an online swap, with the
    facts its comment holds (one row per table); :func:`_mine_filter` keeps those of
    one conversion."""
    marker = literal(dialect, MARKER + " ")
    return f"""mine AS (
    SELECT tg.tgrelid AS relid,
           CAST(substr(obj_description(tg.oid, 'pg_trigger'), length({marker}) + 1) AS jsonb)
               AS facts
      FROM pg_catalog.pg_trigger tg
     WHERE NOT tg.tgisinternal AND tg.tgparentid = 0
       AND starts_with(coalesce(obj_description(tg.oid, 'pg_trigger'), ''), {marker})
)"""


def _mine_filter(key: str) -> str:
    return f"m.facts->>'type' = {key}"


def backfill_sql(dialect: Dialect, key: str, batch_size: int) -> str:
    """The batches of the backfill, generated from the catalog when the step runs: per
    leaf table, ranges of heap blocks sized to about ``batch_size`` rows, each an UPDATE
    touching only the rows whose shadow is still missing (so a rerun skips what is
    done).  ``SET shadow = NULL`` lets the sync trigger compute the value."""
    return f"""WITH {_ours(dialect)}, leaves AS (
    SELECT m.facts, format('%I.%I', ln.nspname, lc.relname) AS q,
           CASE WHEN lc.relpages > 0 AND lc.reltuples > 0
                THEN lc.reltuples / lc.relpages ELSE 100 END AS per_block,
           pg_relation_size(lc.oid) / current_setting('block_size')::bigint AS nblocks
      FROM mine m
      JOIN pg_catalog.pg_class lc
        ON lc.oid IN (SELECT relid FROM pg_partition_tree(m.relid) UNION SELECT m.relid)
      JOIN pg_catalog.pg_namespace ln ON ln.oid = lc.relnamespace
     WHERE {_mine_filter(key)} AND lc.relkind = 'r'
)
SELECT format('UPDATE %s SET %s WHERE ctid >= %L::tid AND ctid < %L::tid AND (%s)',
              l.q, x.sets, format('(%s,0)', b), format('(%s,0)', b + s.step), x.needs)
  FROM leaves l
  CROSS JOIN LATERAL (
      SELECT string_agg(format('%I = NULL', c->>'shadow'), ', ') AS sets,
             string_agg(format('(%I IS NULL AND %I IS NOT NULL)', c->>'shadow', c->>'col'),
                        ' OR ') AS needs
        FROM jsonb_array_elements(l.facts->'columns') AS c) AS x
  CROSS JOIN LATERAL (
      SELECT greatest(1, floor({int(batch_size)} / greatest(l.per_block, 1)))::bigint AS step
  ) AS s
  CROSS JOIN LATERAL generate_series(0, l.nblocks - 1, s.step) AS b
 ORDER BY l.q, b"""


def constraints_sql(dialect: Dialect, key: str, lock_timeout: str) -> str:
    """The helper CHECKs (backfill complete) and the twins of the CHECKs on the columns
    still missing, each added ``NOT VALID`` under ``lock_timeout`` with its marker."""
    marker = literal(dialect, MARKER + ": ")
    return f"""WITH {_ours(dialect)}, wanted AS (
    SELECT m.relid, m.facts->>'table' AS qt, c->>'helper' AS conname,
           c->>'helper_check' AS body, 1 AS kind, m.facts->>'subject' AS subject
      FROM mine m, jsonb_array_elements(m.facts->'columns') AS c
     WHERE {_mine_filter(key)}
    UNION ALL
    SELECT m.relid, m.facts->>'table', k->>'shadow', k->>'sql', 2, m.facts->>'subject'
      FROM mine m, jsonb_array_elements(m.facts->'checks') AS k
     WHERE {_mine_filter(key)}
), missing AS (
    SELECT w.* FROM wanted w
     WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint con
                        WHERE con.conrelid = w.relid AND con.conname = w.conname)
)
SELECT stmt FROM (
    SELECT 0 AS ord, '' AS qt, '' AS conname,
           format('SET lock_timeout = %L', {literal(dialect, lock_timeout)}) AS stmt
     WHERE EXISTS (SELECT 1 FROM missing)
    UNION ALL
    SELECT 1, qt, conname, format('ALTER TABLE %s ADD CONSTRAINT %I %s NOT VALID', qt,
                                  conname, body)
      FROM missing
    UNION ALL
    SELECT 2, qt, conname, format('COMMENT ON CONSTRAINT %I ON %s IS %L', conname, qt,
                                  {marker} || CASE kind WHEN 1 THEN 'proves the backfill'
                                                        ELSE 'the twin of a CHECK' END
                                  || format(' (%s)', subject))
      FROM missing
    UNION ALL
    SELECT 3, '', '', format('SET lock_timeout = %L', current_setting('lock_timeout'))
     WHERE EXISTS (SELECT 1 FROM missing)
) AS s
ORDER BY qt = '' AND ord = 3, qt, conname, ord"""


def validations_sql(dialect: Dialect, key: str) -> str:
    """``VALIDATE`` every helper CHECK and every twin of a validated CHECK, with no
    lock or statement timeout (SHARE UPDATE EXCLUSIVE: waiting blocks nobody; the scan
    takes as long as the table needs), the session's settings restored after."""
    return f"""WITH {_ours(dialect)}, wanted AS (
    SELECT m.facts->>'table' AS qt, c->>'helper' AS conname
      FROM mine m, jsonb_array_elements(m.facts->'columns') AS c
     WHERE {_mine_filter(key)}
    UNION ALL
    SELECT m.facts->>'table', k->>'shadow'
      FROM mine m, jsonb_array_elements(m.facts->'checks') AS k
     WHERE {_mine_filter(key)} AND (k->>'validated')::boolean
)
SELECT stmt FROM (
    SELECT 0 AS ord, '' AS qt, '' AS conname, 'SET lock_timeout = 0' AS stmt
     WHERE EXISTS (SELECT 1 FROM wanted)
    UNION ALL
    SELECT 0, '', '', 'SET statement_timeout = 0' WHERE EXISTS (SELECT 1 FROM wanted)
    UNION ALL
    SELECT 1, qt, conname, format('ALTER TABLE %s VALIDATE CONSTRAINT %I', qt, conname)
      FROM wanted
    UNION ALL
    SELECT 2, '', '', format('SET lock_timeout = %L', current_setting('lock_timeout'))
     WHERE EXISTS (SELECT 1 FROM wanted)
    UNION ALL
    SELECT 2, '', '', format('SET statement_timeout = %L', current_setting('statement_timeout'))
     WHERE EXISTS (SELECT 1 FROM wanted)
) AS s
ORDER BY ord, qt, conname, stmt"""


def indexes_sql(dialect: Dialect, key: str, lock_timeout: str) -> str:
    """The twin indexes still missing or invalid: an invalid one (an interrupted
    concurrent build) is dropped concurrently first; a partitioned table's twin is
    created ``ON ONLY`` the parent (brief, under ``lock_timeout``), the partitions' twins
    concurrently (no lock or statement timeout: a concurrent build only waits, it blocks
    nobody), then attached.  The session's settings are restored after."""
    return f"""WITH {_ours(dialect)}, wanted AS (
    SELECT i.value AS i, i.ordinality AS n, i.value->>'schema' AS nsp,
           i.value->>'shadow' AS shadow, (i.value->>'partitioned')::boolean AS partitioned,
           i.value->>'tablespace' AS spc
      FROM mine m, jsonb_array_elements(m.facts->'indexes') WITH ORDINALITY AS i
     WHERE {_mine_filter(key)}
), state AS (
    SELECT w.*, x.indexrelid IS NOT NULL AS present, coalesce(x.indisvalid, false) AS valid,
           EXISTS (SELECT 1 FROM pg_catalog.pg_inherits h WHERE h.inhrelid = ic.oid)
               AS attached
      FROM wanted w
      LEFT JOIN pg_catalog.pg_namespace ns ON ns.nspname = w.nsp
      LEFT JOIN pg_catalog.pg_class ic ON ic.relnamespace = ns.oid AND ic.relname = w.shadow
      LEFT JOIN pg_catalog.pg_index x ON x.indexrelid = ic.oid
), todo AS (
    SELECT * FROM state WHERE NOT present OR (NOT valid AND NOT partitioned)
       OR (i->>'attach_to' IS NOT NULL AND NOT attached)
)
SELECT stmt FROM (
    SELECT 0 AS ord, 0 AS n, 0 AS sub,
           format('SET lock_timeout = %L', {literal(dialect, lock_timeout)}) AS stmt
     WHERE EXISTS (SELECT 1 FROM todo)
    UNION ALL  -- a partitioned table's twin: catalog only, under lock_timeout
    SELECT 1, n, 0, i->>'sql' FROM todo WHERE partitioned AND NOT present
    UNION ALL
    SELECT 2, 0, 0, 'SET lock_timeout = 0' WHERE EXISTS (SELECT 1 FROM todo)
    UNION ALL
    SELECT 2, 0, 1, 'SET statement_timeout = 0' WHERE EXISTS (SELECT 1 FROM todo)
    UNION ALL  -- an interrupted concurrent build left an invalid index
    SELECT 3, n, 0, format('DROP INDEX CONCURRENTLY IF EXISTS %I.%I', nsp, shadow)
      FROM todo WHERE present AND NOT valid AND NOT partitioned
    UNION ALL
    SELECT 4, n, 0, format('SET default_tablespace = %L', spc)
      FROM todo WHERE spc IS NOT NULL AND NOT partitioned AND (NOT present OR NOT valid)
    UNION ALL
    SELECT 4, n, 1, i->>'sql' FROM todo WHERE NOT partitioned AND (NOT present OR NOT valid)
    UNION ALL
    SELECT 4, n, 2, format('SET default_tablespace = %L', current_setting('default_tablespace'))
      FROM todo WHERE spc IS NOT NULL AND NOT partitioned AND (NOT present OR NOT valid)
    UNION ALL
    SELECT 5, 0, 0, format('SET lock_timeout = %L', {literal(dialect, lock_timeout)})
     WHERE EXISTS (SELECT 1 FROM todo WHERE i->>'attach_to' IS NOT NULL)
    UNION ALL  -- a partition's twin joins its parent's (brief, under lock_timeout)
    SELECT 6, n, 0, format('ALTER INDEX %I.%I ATTACH PARTITION %I.%I', i->>'attach_schema',
                           i->>'attach_to', nsp, shadow)
      FROM todo WHERE i->>'attach_to' IS NOT NULL
    UNION ALL
    SELECT 7, 0, 0, format('SET lock_timeout = %L', current_setting('lock_timeout'))
     WHERE EXISTS (SELECT 1 FROM todo)
    UNION ALL
    SELECT 7, 0, 1, format('SET statement_timeout = %L', current_setting('statement_timeout'))
     WHERE EXISTS (SELECT 1 FROM todo)
) AS s
ORDER BY ord, n, sub"""


def phase_steps(
    dialect: Dialect,
    key: str,
    *,
    what: str,
    tables: tuple[tuple[str | None, str], ...],
    table_hint: str,
    lock_timeout: str,
    batch_size: int,
    batch_pause: float,
) -> tuple[Step, ...]:
    """The four generated phases between an expand and a cut-over.  ``tables`` (when
    known) and ``table_hint`` only label the statements' locks for revision headers."""

    def on_tables(mode: str) -> tuple[LockTarget, ...]:
        return tuple(LockTarget("table", s, r, mode) for s, r in tables) or (
            LockTarget("table", None, table_hint, mode),
        )

    def generated(
        sql: str, description: str, summary: str, mode: str, *, pause: float = 0.0,
        reports_progress: bool = False,
    ) -> Step:
        return Step(
            Boundary.AUTOCOMMIT,
            (Statement(sql, locks=on_tables(mode), generates=True, idempotent=True,
                       summary=summary),),
            description, pause=pause, reports_progress=reports_progress,
        )

    return (
        generated(
            backfill_sql(dialect, key, batch_size),
            f"{what}: backfill", "backfills the shadow columns in committed batches",
            "ROW EXCLUSIVE", pause=batch_pause, reports_progress=True,
        ),
        generated(
            constraints_sql(dialect, key, lock_timeout),
            f"{what}: helper and twin CHECKs, NOT VALID", "adds CHECKs NOT VALID",
            "ACCESS EXCLUSIVE",
        ),
        generated(
            validations_sql(dialect, key), f"{what}: validate the CHECKs",
            "validates them", "SHARE UPDATE EXCLUSIVE",
        ),
        generated(
            indexes_sql(dialect, key, lock_timeout),
            f"{what}: build the twin indexes concurrently",
            "builds the twin indexes concurrently", "SHARE UPDATE EXCLUSIVE",
            reports_progress=True,
        ),
    )
