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

The engine is assembled from named, ordered units (``swap_engine/NN_name.sql``), one
nested block each, sharing the state declared in ``00_state.sql`` -- the type, and
what the swap touches as arrays of records (``jsonb``).  In order (nothing is changed
before the last unit):

* ``10_type``: the type, its labels (checked against ``old_values`` when given), the
  new labels, the mapping, the domains over it; nothing to do when the labels match;
* ``15_citus``: on a Citus coordinator, the tables Citus manages and their
  distribution columns (a distribution column cannot change type; a distributed
  table's data check is one query per column, which Citus pushes down to every
  shard); the swap's queries go one connection per node (type commands follow);
* ``20_blockers``: functions, procedures, rules, triggers, policies, composite or
  range types, foreign tables, domains over the array type... that use the type;
* ``30_columns``: every column of the type (plain, array, domain; partitioned tables
  through their parent), one ``ALTER TABLE`` per table, the data-check queries, and
  the columns nothing can convert (partition keys, generated columns);
* ``40_column_users``: rules, policies, trigger WHEN clauses and generated columns
  reading a column to convert;
* ``50_views``: views and materialized views on the type, in dependency order, with
  owner, grants, comments, options, indexes and triggers;
* ``60_refuse_blockers``: one refusal (SQLSTATE ``EO001``) listing every blocker;
* ``70_data_check``: ``LOCK TABLE`` on every table to convert (so a lock held
  elsewhere is met before any heavy work and nobody writes a vanishing label after
  the check), then the rows holding a vanishing label with no mapping, refused naming
  ``schema.table.column``, label and row count;
* ``80_table_dependents``, ``85_domains``, ``88_type_properties``: indexes,
  CHECK/exclusion constraints, foreign keys and defaults mentioning the type; domain
  twins; the type's owner, comment and grants;
* ``90_remap_literals``: the enum literals of every recreated definition remapped, a
  definition naming a vanishing label refused;
* ``95_run``: creates ``name__v2``, drops the dependents, converts every table,
  drops the old type, renames ``name__v2`` to ``name``, recreates the dependents.

The same text runs in three modes (``p_mode``): ``run`` does the swap; ``preview``
runs every check, the data check included, and hands back the statements instead
of running them; ``describe`` reads the catalog only (no data, no lock, no refusal
raised) and hands back what a swap touches.  Both hand back a JSON document as the
detail of SQLSTATE ``EO003`` (:mod:`.swap_preview` reads it).

Refusals use SQLSTATE ``EO001`` (would lose data or break a dependent) and
``EO002`` (the database is not in the expected state); the executor
(:mod:`alembic_enum_ops.operations.swap`) turns them into
:class:`~alembic_enum_ops.errors.UnsafeOperationError` and
:class:`~alembic_enum_ops.errors.EnumStateError`.
"""

from __future__ import annotations

import hashlib
import textwrap
from collections.abc import Mapping, Sequence
from importlib import resources

from sqlalchemy.engine import Dialect

from ..catalog.dependents import CLASSIFY_SQL
from .online.units import include_online_units
from .plan import Boundary, LockTarget, Plan, Statement, Step
from .sqltext import dollar_quote, literal, qualified

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
    mode: str = "run",
    strategy: str = "rewrite",
) -> str:
    """The ``DO`` block that performs the swap (see the module docstring).

    Exactly one of ``new_values`` (swap) and ``remove`` (remove one label, the new
    list being computed from the catalog when the block runs) is given, except in
    ``describe`` mode, where neither means "the current labels".  ``mode`` is
    ``run``, ``preview`` or ``describe``.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy must be one of {STRATEGIES}, got {strategy!r}")
    if (new_values is not None and remove is not None) or (
        mode != "describe" and new_values is None and remove is None
    ):
        raise ValueError("give exactly one of new_values and remove")
    mapping = dict(mapping or {})
    schema_expr = "current_schema()" if schema is None else literal(dialect, schema)
    params = engine_parameters(
        schema_expr=schema_expr,
        name=literal(dialect, name),
        new=_text_array(dialect, new_values),
        remove="NULL" if remove is None else literal(dialect, remove),
        mapped_from=_text_array(dialect, list(mapping)),
        mapped_to=_text_array(dialect, list(mapping.values())),
        expected=_text_array(dialect, old_values),
        mode=literal(dialect, mode),
        strategy=literal(dialect, strategy),
    )
    return "DO " + dollar_quote(ENGINE.replace(PARAMS, params))


PARAMS = "@@PARAMS@@"
"""Where the operation's arguments go in the engine's DECLARE section."""

MODES = ("run", "preview", "describe", "check", "expand", "cutover")
"""``run``: the swap; ``preview``: every check, then the statements handed back;
``describe``: the catalog only, everything handed back; ``check``: the checks a swap
runs before changing anything (data included, no lock), refusals raised; ``expand`` and
``cutover``: the first and last phase of an online swap (:mod:`.online`)."""

STRATEGIES = ("rewrite", "online")
"""How the columns are converted: ``ALTER COLUMN ... TYPE`` (a rewrite under ACCESS
EXCLUSIVE), or a shadow column kept in sync, backfilled and swapped in (online)."""


def engine_parameters(
    *, schema_expr: str, name: str, new: str, remove: str, mapped_from: str,
    mapped_to: str, expected: str, mode: str, strategy: str = "'rewrite'",
) -> str:
    """The engine's parameter declarations, each value an SQL expression already
    rendered (literals, ``NULL``, ``current_schema()``)."""
    return "\n".join(
        [
            f"    p_schema text := {schema_expr};",
            f"    p_name text := {name};",
            f"    p_new text[] := {new};",
            f"    p_remove text := {remove};",
            f"    p_from text[] := {mapped_from};",
            f"    p_to text[] := {mapped_to};",
            f"    p_expected text[] := {expected};",
            f"    p_mode text := {mode};",
            f"    p_strategy text := {strategy};",
        ]
    )


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


def engine_units() -> list[tuple[str, str]]:
    """The engine's units, ``(file name, text)`` in order (``00_state.sql`` first)."""
    folder = resources.files(__package__) / "swap_engine"
    names = sorted(
        entry.name for entry in folder.iterdir()
        if entry.name.endswith(".sql") and entry.name[:2].isdigit()
    )
    return [(name, (folder / name).read_text(encoding="utf-8")) for name in names]


def assemble_engine(units: Sequence[tuple[str, str]]) -> str:
    """The engine's PL/pgSQL text from its units: the first declares the shared state;
    the others run in order inside the block labelled ``swap`` (``EXIT swap`` ends the
    swap early), the session settings the engine changes restored after it."""
    (_, state), *body = units
    inner = "\n".join(textwrap.indent(text.rstrip("\n"), "        ") for _, text in body)
    return (
        state.rstrip("\n")
        + "\nBEGIN\n"
        + "    -- definitions are read with every name schema-qualified\n"
        + "    PERFORM set_config('search_path', '', true);\n"
        + "    PERFORM set_config('standard_conforming_strings', 'on', true);\n"
        + "    <<swap>>\n"
        + "    BEGIN\n"
        + inner
        + "\n    END swap;\n"
        + "    PERFORM set_config('search_path', saved_path, true);\n"
        + "    PERFORM set_config('standard_conforming_strings', saved_scs, true);\n"
        + "END\n"
    )


CLASSIFY = "@@CLASSIFY@@"
"""Where ``92_classify.sql`` takes the catalog's classification query."""

ENGINE = include_online_units(assemble_engine(engine_units())).replace(
    CLASSIFY, textwrap.indent(CLASSIFY_SQL.strip("\n"), "            ")
)
"""The engine's PL/pgSQL text, with :data:`PARAMS` where the arguments go."""
