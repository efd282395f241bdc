"""The online swap: remove, reorder or remap labels without rewriting a table under an
exclusive lock (expand/contract), as a plan of seven steps.

1. **check** -- the swap engine's checks, the data check included, without any lock
   (mode ``check``): refused before anything changes, as the rewrite swap refuses;
2. **expand** -- one short transaction under ``lock_timeout``: the new type (and the
   domain twins), a shadow column per converted column (``ADD COLUMN``: catalog only),
   and a trigger per table keeping each shadow equal to the mapped value of its column
   on every insert and update, refusing a label that vanishes with no mapping.  The
   definitions of the indexes and CHECKs on the columns are captured for the shadows
   and kept, with everything the later phases need, in the trigger's comment;
3. **backfill** -- ``UPDATE ... SET shadow = NULL`` (the trigger computes it) in batches
   of heap blocks, each committed by itself, throttled, its progress logged;
4. **constraints** -- a helper CHECK per column proving the backfill complete
   (``shadow IS NOT NULL``, or ``(col IS NULL) = (shadow IS NULL)``) and a twin of each
   CHECK on the columns, added ``NOT VALID`` (brief, under ``lock_timeout``);
5. **validations** -- ``VALIDATE`` each (SHARE UPDATE EXCLUSIVE: reads and writes go
   on), in transactions of their own;
6. **indexes** -- a twin of every index on the columns, ``CREATE INDEX CONCURRENTLY``
   (a partitioned table's: ``ON ONLY`` the parent, concurrently on each partition,
   attached); an invalid one left by an interrupted build is dropped and rebuilt;
7. **cut-over** -- one short transaction under ``lock_timeout``, retried with backoff:
   the swap engine (mode ``cutover``) drops the dependent views, drops the old columns
   and gives the shadows their names, NOT NULL without a scan, the twins' names to the
   indexes and CHECKs, then drops the old type and gives the new one its name, owner,
   comment and grants, and recreates the views.  Then the columns are analyzed.

Steps 3, 4, 5 and 6 *generate* their statements when they run (a query over the
catalog and the trigger's comment: psql's ``\\gexec`` in a script), so each does what
is left: running the operation again after any interruption continues where it
stopped.  What the phases create is named deterministically and carries a comment
starting with ``alembic_enum_ops online``; ``alembic-enum-ops online-cleanup`` removes
what an abandoned conversion left, and nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy.engine import Dialect

from ..catalog.online import MARKER
from .plan import Boundary, LockTarget, Plan, Statement, Step
from .sqltext import literal, qualified
from .swap import swap_engine_sql

__all__ = ["MARKER", "plan_online_swap"]


def _ours(dialect: Dialect, schema: str | None, name: str) -> str:
    """A CTE ``mine(relid, facts)``: every sync trigger of an online swap, with the
    facts its comment holds (one row per table); :func:`_mine_filter` keeps the swap's
    own."""
    marker = literal(dialect, MARKER + " ")
    return f"""mine AS (
    SELECT tg.tgrelid AS relid,
           CAST(substr(obj_description(tg.oid, 'pg_trigger'), length({marker}) + 1) AS jsonb)
               AS facts
      FROM pg_catalog.pg_trigger tg
     WHERE NOT tg.tgisinternal AND tg.tgparentid = 0
       AND starts_with(coalesce(obj_description(tg.oid, 'pg_trigger'), ''), {marker})
)"""


def _mine_filter(dialect: Dialect, schema: str | None, name: str) -> str:
    schema_expr = "current_schema()" if schema is None else literal(dialect, schema)
    return f"m.facts->>'type' = format('%I.%I', {schema_expr}, {literal(dialect, name)})"


def backfill_sql(dialect: Dialect, schema: str | None, name: str, batch_size: int) -> str:
    """The batches of the backfill, generated from the catalog when the step runs: per
    leaf table, ranges of heap blocks sized to about ``batch_size`` rows, each an UPDATE
    touching only the rows whose shadow is still missing (so a rerun skips what is
    done).  ``SET shadow = NULL`` lets the sync trigger compute the value."""
    return f"""WITH {_ours(dialect, schema, name)}, leaves AS (
    SELECT m.facts, format('%I.%I', ln.nspname, lc.relname) AS q,
           CASE WHEN lc.relpages > 0 AND lc.reltuples > 0
                THEN lc.reltuples / lc.relpages ELSE 100 END AS per_block,
           pg_relation_size(lc.oid) / current_setting('block_size')::bigint AS nblocks
      FROM mine m
      JOIN pg_catalog.pg_class lc
        ON lc.oid IN (SELECT relid FROM pg_partition_tree(m.relid) UNION SELECT m.relid)
      JOIN pg_catalog.pg_namespace ln ON ln.oid = lc.relnamespace
     WHERE {_mine_filter(dialect, schema, name)} AND lc.relkind = 'r'
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


def constraints_sql(dialect: Dialect, schema: str | None, name: str, lock_timeout: str) -> str:
    """The helper CHECKs (backfill complete) and the twins of the CHECKs on the columns
    still missing, each added ``NOT VALID`` under ``lock_timeout`` with its marker."""
    marker = literal(dialect, MARKER + ": ")
    return f"""WITH {_ours(dialect, schema, name)}, wanted AS (
    SELECT m.relid, m.facts->>'table' AS qt, c->>'helper' AS conname,
           c->>'helper_check' AS body, 1 AS kind, m.facts->>'type' AS qtype
      FROM mine m, jsonb_array_elements(m.facts->'columns') AS c
     WHERE {_mine_filter(dialect, schema, name)}
    UNION ALL
    SELECT m.relid, m.facts->>'table', k->>'shadow', k->>'sql', 2, m.facts->>'type'
      FROM mine m, jsonb_array_elements(m.facts->'checks') AS k
     WHERE {_mine_filter(dialect, schema, name)}
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
                                  || format(' (enum %s)', qtype))
      FROM missing
    UNION ALL
    SELECT 3, '', '', format('SET lock_timeout = %L', current_setting('lock_timeout'))
     WHERE EXISTS (SELECT 1 FROM missing)
) AS s
ORDER BY qt = '' AND ord = 3, qt, conname, ord"""


def validations_sql(dialect: Dialect, schema: str | None, name: str) -> str:
    """``VALIDATE`` every helper CHECK and every twin of a validated CHECK, with no
    lock or statement timeout (SHARE UPDATE EXCLUSIVE: waiting blocks nobody; the scan
    takes as long as the table needs), the session's settings restored after."""
    return f"""WITH {_ours(dialect, schema, name)}, wanted AS (
    SELECT m.facts->>'table' AS qt, c->>'helper' AS conname
      FROM mine m, jsonb_array_elements(m.facts->'columns') AS c
     WHERE {_mine_filter(dialect, schema, name)}
    UNION ALL
    SELECT m.facts->>'table', k->>'shadow'
      FROM mine m, jsonb_array_elements(m.facts->'checks') AS k
     WHERE {_mine_filter(dialect, schema, name)} AND (k->>'validated')::boolean
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


def indexes_sql(dialect: Dialect, schema: str | None, name: str, lock_timeout: str) -> str:
    """The twin indexes still missing or invalid: an invalid one (an interrupted
    concurrent build) is dropped concurrently first; a partitioned table's twin is
    created ``ON ONLY`` the parent (brief, under ``lock_timeout``), the partitions' twins
    concurrently (no lock or statement timeout: a concurrent build only waits, it blocks
    nobody), then attached.  The session's settings are restored after."""
    return f"""WITH {_ours(dialect, schema, name)}, wanted AS (
    SELECT i.value AS i, i.ordinality AS n, i.value->>'schema' AS nsp,
           i.value->>'shadow' AS shadow, (i.value->>'partitioned')::boolean AS partitioned,
           i.value->>'tablespace' AS spc
      FROM mine m, jsonb_array_elements(m.facts->'indexes') WITH ORDINALITY AS i
     WHERE {_mine_filter(dialect, schema, name)}
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


def analyze_sql(dialect: Dialect, schema: str | None, name: str) -> str:
    """``ANALYZE`` the columns of the type after the cut-over: the swapped-in columns
    have no statistics yet, and the planner would guess until autovacuum analyzes."""
    schema_expr = "current_schema()" if schema is None else literal(dialect, schema)
    return f"""SELECT format('ANALYZE %I.%I (%s)', ns.nspname, c.relname,
                     string_agg(format('%I', a.attname), ', ' ORDER BY a.attnum))
  FROM pg_catalog.pg_type ty
  JOIN pg_catalog.pg_namespace tn ON tn.oid = ty.typnamespace
  JOIN pg_catalog.pg_attribute a
    ON a.atttypid IN (ty.oid, ty.typarray) AND a.attnum > 0 AND NOT a.attisdropped
  JOIN pg_catalog.pg_class c ON c.oid = a.attrelid AND c.relkind IN ('r', 'p')
  JOIN pg_catalog.pg_namespace ns ON ns.oid = c.relnamespace
 WHERE tn.nspname = {schema_expr} AND ty.typname = {literal(dialect, name)}
 GROUP BY ns.nspname, c.relname
 ORDER BY ns.nspname, c.relname"""


def plan_online_swap(
    dialect: Dialect,
    schema: str | None,
    name: str,
    *,
    new_values: Sequence[str] | None,
    remove: str | None = None,
    mapping: Mapping[str, str] | None = None,
    old_values: Sequence[str] | None = None,
    lock_timeout: str,
    batch_size: int,
    batch_pause: float,
    relations: Sequence[tuple[str, str, bool]] | None = None,
) -> Plan:
    """The online swap as a plan (see the module docstring).  ``relations`` are the
    tables (and views) the expand and the cut-over lock, when known (online)."""
    target = qualified(dialect, schema, name)
    what = (
        f"remove value {remove!r} from enum {target} online" if remove is not None
        else f"swap enum {target} to {list(new_values or [])!r} online"
    )

    def engine(mode: str) -> str:
        return swap_engine_sql(
            dialect, schema, name, new_values=new_values, remove=remove, mapping=mapping,
            old_values=old_values, mode=mode, strategy="online",
        )

    type_lock = (LockTarget("type", schema, name, "ACCESS EXCLUSIVE"),)
    tables = tuple(
        LockTarget("table", s, r, "ACCESS EXCLUSIVE") for s, r, _ in relations or ()
    )
    converted = [(s, r) for s, r, rewritten in relations or () if rewritten]
    shadows = (
        ", ".join(f"table {s}.{r}" for s, r in converted)
        or "every table with a column of the type"
    )

    def on_tables(mode: str) -> tuple[LockTarget, ...]:
        # what the generated statements lock, for the header (found when they run)
        return tuple(LockTarget("table", s, r, mode) for s, r in converted) or (
            LockTarget("table", schema, f"<tables of {name}>", mode),
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

    steps = (
        Step(
            Boundary.AUTOCOMMIT,
            (Statement(engine("check"), idempotent=True),),
            f"{what}: check the data and the dependents (no lock)",
        ),
        Step(
            Boundary.OWN,
            (
                Statement(
                    engine("expand"), locks=tables or type_lock, idempotent=True,
                    summary=f"adds a shadow column and a sync trigger to {shadows}",
                ),
            ),
            f"{what}: expand (new type, shadow columns, sync triggers)",
            lock_timeout=lock_timeout,
        ),
        generated(
            backfill_sql(dialect, schema, name, batch_size),
            f"{what}: backfill", "backfills the shadow columns in committed batches",
            "ROW EXCLUSIVE", pause=batch_pause, reports_progress=True,
        ),
        generated(
            constraints_sql(dialect, schema, name, lock_timeout),
            f"{what}: helper and twin CHECKs, NOT VALID", "adds CHECKs NOT VALID",
            "ACCESS EXCLUSIVE",
        ),
        generated(
            validations_sql(dialect, schema, name), f"{what}: validate the CHECKs",
            "validates them", "SHARE UPDATE EXCLUSIVE",
        ),
        generated(
            indexes_sql(dialect, schema, name, lock_timeout),
            f"{what}: build the twin indexes concurrently",
            "builds the twin indexes concurrently", "SHARE UPDATE EXCLUSIVE",
            reports_progress=True,
        ),
        Step(
            Boundary.OWN,
            (
                Statement(
                    engine("cutover"), locks=type_lock + tables, idempotent=True,
                    summary="cut-over: swaps the columns in, then drops and renames the type",
                ),
            ),
            f"{what}: cut-over",
            lock_timeout=lock_timeout,
        ),
        Step(
            Boundary.AUTOCOMMIT,
            (Statement(analyze_sql(dialect, schema, name), generates=True, idempotent=True),),
            f"{what}: analyze the columns",
        ),
    )
    moved = (
        ", ".join(f"{s}.{r}" for s, r in converted) if converted else "its tables"
    )
    notes = (
        f"the converted columns move to the end of {moved} (SELECT * column order "
        "changes)",
        "sessions holding prepared statements that use the type must reconnect after "
        "the cut-over (the type gets a new OID)",
    )
    return Plan(what, steps, notes)
