"""The online swap: remove, reorder or remap labels without rewriting a table under an
exclusive lock (expand/contract), as a plan of seven phases.

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
   comment and grants, and recreates the views, and leaves a *done mark* (a function
   ``eo_done_<md5>()`` with a marker comment).  Then the columns are analyzed, and the
   last step, in the revision's own transaction, drops the mark: a rerun between the
   cut-over and Alembic recording the revision finds the mark and does nothing.

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

from ...catalog.online import MARKER
from ..plan import Boundary, LockTarget, Plan, Statement, Step
from ..sqltext import dollar_quote, literal, qualified
from ..swap import swap_engine_sql
from .phases import enum_key, phase_steps

__all__ = ["MARKER", "plan_online_swap"]


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


def forget_done_sql(dialect: Dialect, schema: str | None, name: str) -> str:
    """Remove the mark a finished cut-over leaves (``eo_done_<md5>()``, as
    ``swap_engine/10_type.sql`` names it): the plan's last step, in the revision's
    transaction, so the mark goes exactly when the revision is recorded."""
    schema_expr = "current_schema()" if schema is None else literal(dialect, schema)
    body = f"""
BEGIN
    EXECUTE format('DROP FUNCTION IF EXISTS %I.%I()', {schema_expr},
                   'eo_done_' || left(md5(format('%I.%I', {schema_expr},
                                                 {literal(dialect, name)})), 20));
END
"""
    return "DO " + dollar_quote(body)


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
    converted = tuple((s, r) for s, r, rewritten in relations or () if rewritten)
    shadows = (
        ", ".join(f"table {s}.{r}" for s, r in converted)
        or "every table with a column of the type"
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
        *phase_steps(
            dialect, enum_key(dialect, schema, name), what=what, tables=converted,
            table_hint=f"<tables of {name}>", lock_timeout=lock_timeout,
            batch_size=batch_size, batch_pause=batch_pause,
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
        Step(
            Boundary.MIGRATION,
            (Statement(forget_done_sql(dialect, schema, name), idempotent=True),),
            f"{what}: done (recorded with the revision)",
        ),
    )
    moved = (
        ", ".join(f"{s}.{r}" for s, r in converted) if converted else "its tables"
    )
    notes = (
        f"the converted columns move to the end of {moved} (SELECT * column order "
        "changes; an INSERT without a column list breaks)",
        "sessions holding prepared statements that use the type must reconnect after "
        "the cut-over (the type gets a new OID)",
    )
    return Plan(what, steps, notes)
