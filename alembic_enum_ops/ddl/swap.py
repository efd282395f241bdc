"""The v2 swap: give an enum type a new label list with every dependent carried over.

The swap is planned as ONE statement, a PL/pgSQL ``DO`` block (the *swap engine*,
:data:`ENGINE`), run in the revision's transaction under ``lock_timeout``.  Why a
server-side block rather than a list of DDL statements built in Python:

* offline (``--sql``) nobody can read the catalog when the script is rendered, yet
  the data check and the dependents (views, indexes, CHECKs, defaults, partitions,
  domains...) must not be skipped.  The engine discovers them from the catalog when
  the script is *applied*, so a script applies cleanly on a database in the state the
  revision expects, and refuses loudly (``RAISE``) on one that is not;
* online and offline then run literally the same text: the equivalence the tests
  prove by replaying scripts with psql is by construction, not by luck;
* the whole swap is one statement of one transaction step, so the runner's
  savepoint retry on SQLSTATE 55P03 retries all of it, and any failure leaves the
  database exactly as before.

The engine, in order (nothing is changed before step 5):

1. locates the type, its labels (checked against ``old_values`` when given), the
   domains over it, and computes the labels that vanish;
2. refuses (SQLSTATE ``EO001``) when functions, procedures, rules, triggers,
   policies, composite or range types, foreign tables, generated columns,
   domains over the array type... use the type, listing each;
3. locks the tables to convert (one ``LOCK TABLE``, so a lock held elsewhere is met
   before any heavy work and nobody writes a vanishing label after the check), then
   counts, per discovered column (plain, array, domain; partitioned tables through
   their parent), the rows holding a vanishing label with no mapping, and refuses
   naming ``schema.table.column``, label and row count;
4. captures every dependent to recreate (views and materialized views in
   dependency order with owner, grants, comments, options, indexes and triggers;
   indexes, CHECK/exclusion constraints and foreign keys; defaults; domains) and
   remaps the enum literals in their definitions, refusing when a definition names
   a label that vanishes;
5. creates ``name__v2``, drops the captured dependents, converts every table with
   ONE ``ALTER TABLE`` (each table rewritten once), drops the old type, renames
   ``name__v2`` to ``name``, recreates the dependents and carries over the type's
   owner, comment and grants.

Conventions inside the engine: every name goes through ``format('%I')`` and every
value through ``format('%L')``; definitions are read with ``search_path = ''`` so every
name in them is schema-qualified, and recreated only after the new type has taken the
old name, so their text refers to the new type.  Enum literals in recreated definitions
(``'label'::schema.type`` and ``'{...}'::schema.type[]``) are remapped by a small
scanner that skips other string literals and quoted identifiers.

Refusals use SQLSTATE ``EO001`` (would lose data or break a dependent) and
``EO002`` (the database is not in the expected state); the executor
(:mod:`alembic_enum_ops.operations.swap`) turns them into
:class:`~alembic_enum_ops.errors.UnsafeOperationError` and
:class:`~alembic_enum_ops.errors.EnumStateError`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from importlib import resources

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Dialect

from ..errors import EnumStateError, UnsafeOperationError
from .plan import Boundary, LockTarget, Plan, Statement, Step
from .runner import sqlstate_of
from .sqltext import dollar_quote, literal, qualified

SQLSTATE_UNSAFE = "EO001"
"""Raised by the engine when the swap would lose data or break a dependent."""

SQLSTATE_STATE = "EO002"
"""Raised by the engine when the database is not in the state the swap expects."""

SQLSTATE_PREVIEW = "EO003"
"""Raised by a preview run, its detail the JSON list of statements it would run."""

TEMP_SUFFIX = "__v2"


def temp_name(name: str) -> str:
    """The deterministic name of the replacement type (``name__v2``).

    Deterministic so offline scripts are reproducible; names too long for the suffix
    (PostgreSQL would silently truncate at 63 bytes) get a hash-based name instead.
    Mirrors the engine's own computation (used for domains).
    """
    if len(name.encode("utf-8")) + len(TEMP_SUFFIX) <= 63:
        return name + TEMP_SUFFIX
    return "enum_ops_v2_" + hashlib.md5(name.encode("utf-8")).hexdigest()


def _text_array(dialect: Dialect, values: Sequence[str] | None) -> str:
    if values is None:
        return "NULL"
    return "ARRAY[" + ", ".join(literal(dialect, v) for v in values) + "]::text[]"


def swap_engine_sql(
    dialect: Dialect,
    schema: str | None,
    name: str,
    *,
    new_values: Sequence[str] | None,
    remove: str | None = None,
    mapping: Mapping[str, str] | None = None,
    old_values: Sequence[str] | None = None,
    preview: bool = False,
) -> str:
    """The ``DO`` block that performs the swap (see the module docstring).

    Exactly one of ``new_values`` (swap) and ``remove`` (remove one label, the new
    list being computed from the catalog when the block runs) is given.  With
    ``preview`` the block runs every check, then raises SQLSTATE ``EO003`` carrying
    the statements instead of running them (see :func:`preview_swap`).
    """
    if (new_values is None) == (remove is None):
        raise ValueError("give exactly one of new_values and remove")
    mapping = dict(mapping or {})
    schema_expr = "current_schema()" if schema is None else literal(dialect, schema)
    params = "\n".join(
        [
            f"    p_schema text := {schema_expr};",
            f"    p_name text := {literal(dialect, name)};",
            f"    p_new text[] := {_text_array(dialect, new_values)};",
            f"    p_remove text := {'NULL' if remove is None else literal(dialect, remove)};",
            f"    p_from text[] := {_text_array(dialect, list(mapping))};",
            f"    p_to text[] := {_text_array(dialect, list(mapping.values()))};",
            f"    p_expected text[] := {_text_array(dialect, old_values)};",
            f"    p_preview boolean := {'true' if preview else 'false'};",
        ]
    )
    return "DO " + dollar_quote(ENGINE.replace("@@PARAMS@@", params))


def plan_swap(
    dialect: Dialect,
    schema: str | None,
    name: str,
    *,
    new_values: Sequence[str] | None,
    remove: str | None = None,
    mapping: Mapping[str, str] | None = None,
    old_values: Sequence[str] | None = None,
    lock_timeout: str,
    relations: Sequence[tuple[str, str, bool]] | None = None,
) -> Plan:
    """The swap as a one-step plan in the revision's transaction.

    ``relations`` are the ``(schema, relation, rewritten)`` found online (tables and
    views the swap locks); they only label the statement for lock-timeout messages
    and revision headers.  Offline it is None: the engine finds them when applied.
    """
    target = qualified(dialect, schema, name)
    what = f"remove value {remove!r} from enum {target}" if remove is not None else (
        f"swap enum {target} to {list(new_values or [])!r}"
    )
    locks = [LockTarget("type", schema, name, "ACCESS EXCLUSIVE")]
    locks.extend(LockTarget("table", s, r, "ACCESS EXCLUSIVE") for s, r, _ in relations or ())
    rewrites = tuple(f"{s}.{r}" for s, r, rewritten in relations or () if rewritten)
    statement = Statement(
        swap_engine_sql(
            dialect, schema, name,
            new_values=new_values, remove=remove, mapping=mapping, old_values=old_values,
        ),
        locks=tuple(locks),
        rewrites=rewrites,
        rewrites_found_when_run=relations is None,
        summary=(
            "ALTER COLUMN ... TYPE, then drops and renames the type"
            if rewrites or relations is None
            else "drops and renames the type"
        ),
    )
    return Plan(what, (Step(Boundary.MIGRATION, (statement,), what, lock_timeout=lock_timeout),))


ENGINE = (resources.files(__package__) / "swap_engine" / "engine.sql").read_text(encoding="utf-8")
"""The engine's PL/pgSQL text (``swap_engine.sql``, shipped in the package)."""


def server_error_parts(exc: BaseException) -> tuple[str, str | None, str | None]:
    """Message, detail and hint of a server error, whatever the driver: psycopg and
    psycopg2 expose ``diag``; with asyncpg the server error is the adapted
    exception's cause."""
    orig = getattr(exc, "orig", exc)
    diag = getattr(orig, "diag", None)
    if diag is not None:
        return (diag.message_primary or str(orig), diag.message_detail, diag.message_hint)
    cause = getattr(orig, "__cause__", None)
    return (
        getattr(cause, "message", None) or str(orig),
        getattr(cause, "detail", None),
        getattr(cause, "hint", None),
    )


def engine_error(exc: BaseException, sqlstate: str | None) -> BaseException:
    """The engine's refusals (SQLSTATE ``EO001``/``EO002``) as our exceptions, with the
    server's message, detail and hint; any other error unchanged."""
    if sqlstate not in (SQLSTATE_UNSAFE, SQLSTATE_STATE):
        return exc
    message = "\n".join(p for p in server_error_parts(exc) if p)
    if sqlstate == SQLSTATE_UNSAFE:
        return UnsafeOperationError(message)
    return EnumStateError(message)


def preview_swap(
    connection: Connection,
    schema: str,
    name: str,
    *,
    new_values: Sequence[str] | None = None,
    remove: str | None = None,
    mapping: Mapping[str, str] | None = None,
    old_values: Sequence[str] | None = None,
) -> list[str]:
    """The statements a swap would run now, after all its checks, without changing
    anything (a dry run for reviews, revision headers and ``doctor``).

    Runs the swap engine in preview mode inside a savepoint: it reads the catalog and
    the data exactly as the real swap does, raises the same refusals
    (:class:`~.errors.UnsafeOperationError`, :class:`~.errors.EnumStateError`), takes
    no exclusive lock, and hands the statements back.  An empty list means the type
    already has these labels.
    """
    sql = swap_engine_sql(
        connection.dialect, schema, name,
        new_values=new_values, remove=remove, mapping=mapping, old_values=old_values,
        preview=True,
    )
    try:
        with connection.begin_nested():
            connection.exec_driver_sql(sql, execution_options={"no_parameters": True})
    except sa.exc.DBAPIError as exc:
        code = sqlstate_of(exc)
        if code == SQLSTATE_PREVIEW:
            _, detail, _ = server_error_parts(exc)
            statements: list[str] = json.loads(detail or "[]")
            return statements
        error = engine_error(exc, code)
        if error is exc:
            raise
        raise error from exc
    return []
