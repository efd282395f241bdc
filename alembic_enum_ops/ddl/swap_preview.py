"""The swap engine run read-only: what a swap of a type touches, and what it would run.

The engine (:mod:`.swap`) is the one place that knows what a swap touches; everything
else asks it instead of restating its catalog walk:

* :func:`describe_swap` -- ``describe`` mode, catalog only (no data read, no lock, no
  refusal raised): the columns converted, the relations locked and which are
  rewritten, the objects dropped and recreated, the blockers (all of them), the
  statements.  The swap executor's preflight (lock-timeout messages), the revision
  header and ``doctor`` read it;
* :func:`describe_swaps` -- the same for many types in ONE statement (``doctor``);
* :func:`preview_swap` -- ``preview`` mode: every check, the data check included,
  then the statements instead of running them; it raises the refusals the swap would.

Each runs inside a savepoint: the engine hands its document back as the detail of
SQLSTATE ``EO003``, so nothing it did survives.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Dialect

from ..catalog.dependents import EnumDependent, dependent_from
from .server_errors import (
    SQLSTATE_PREVIEW,
    refusal,
    server_error_parts,
    sqlstate_of,
    statement_error,
)
from .sqltext import dollar_quote, literal, qualified
from .swap import ENGINE, PARAMS, engine_parameters, swap_engine_sql


@dataclass(frozen=True)
class Blocker:
    """Something using the type that a swap cannot carry over."""

    object: EnumDependent
    reason: str
    """``uses_type``, ``casts`` (a function body), ``partition_key``, ``generated``,
    ``temporary`` (another session's), ``rule``, ``reads_column``, ``view_user``."""
    text: str
    """As the refusal lists it."""


@dataclass(frozen=True)
class SwapColumn:
    """A column (plain, array or through a domain) of the type, of any relation."""

    object: EnumDependent
    relkind: str
    domain: bool
    converted: bool
    """It gets an ``ALTER COLUMN ... TYPE`` (partitions follow their parent)."""

    @property
    def is_table_column(self) -> bool:
        return self.relkind in ("r", "p")


@dataclass(frozen=True)
class SwapRelation:
    """A relation the swap locks: a table with a column of the type, or a view it
    recreates."""

    schema: str
    name: str
    kind: str  # table, partitioned table, view, materialized view
    rewritten: bool


@dataclass(frozen=True)
class SwapDescription:
    """What a swap of ``schema.name`` touches, as the engine found it."""

    schema: str
    name: str
    old_labels: tuple[str, ...]
    new_labels: tuple[str, ...]
    vanishing: tuple[str, ...]
    columns: tuple[SwapColumn, ...]
    relations: tuple[SwapRelation, ...]
    blockers: tuple[Blocker, ...]
    recreated: tuple[EnumDependent, ...]
    """Views, indexes, constraints, defaults and domains dropped and recreated."""
    problems: tuple[str, ...]
    warnings: tuple[str, ...]
    refusals: tuple[tuple[str, str, str | None], ...]
    """``(sqlstate, message, hint)`` in the order a swap would raise them."""
    statements: tuple[str, ...]

    @property
    def key(self) -> tuple[str, str]:
        return (self.schema, self.name)

    @property
    def rewritten_tables(self) -> list[str]:
        """``schema.table`` of every table the swap rewrites."""
        return [f"{r.schema}.{r.name}" for r in self.relations if r.rewritten]

    @property
    def used(self) -> bool:
        """Anything at all uses the type (a column, a dependent, a function body)."""
        return bool(self.columns or self.blockers or self.recreated)

    def raise_first_refusal(self) -> None:
        if self.refusals:
            sqlstate, message, hint = self.refusals[0]
            error = refusal(sqlstate, message, hint)
            if error is not None:
                raise error

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> SwapDescription:
        return cls(
            schema=doc["schema"],
            name=doc["name"],
            old_labels=tuple(doc["old_labels"] or ()),
            new_labels=tuple(doc["new_labels"] or ()),
            vanishing=tuple(doc["vanishing"] or ()),
            columns=tuple(
                SwapColumn(dependent_from(c), c["relkind"], c["domain"], c["converted"])
                for c in doc["columns"]
            ),
            relations=tuple(
                SwapRelation(r["schema"], r["name"], r["kind"], r["rewritten"])
                for r in doc["relations"]
            ),
            blockers=tuple(
                Blocker(dependent_from(b), b["reason"], b["text"]) for b in doc["blockers"]
            ),
            recreated=tuple(dependent_from(r) for r in doc["recreated"]),
            problems=tuple(doc["problems"]),
            warnings=tuple(doc["warnings"]),
            refusals=tuple((r["sqlstate"], r["message"], r.get("hint"))
                           for r in doc["refusals"]),
            statements=tuple(doc["statements"]),
        )


def _hand_back(connection: Connection, sql: str, what: str) -> Any:
    """Run an engine block that hands its result back through SQLSTATE ``EO003``."""
    try:
        with connection.begin_nested():
            connection.exec_driver_sql(sql, execution_options={"no_parameters": True})
    except sa.exc.DBAPIError as exc:
        code = sqlstate_of(exc)
        if code == SQLSTATE_PREVIEW:
            _, detail, _ = server_error_parts(exc)
            return json.loads(detail or "null")
        raise statement_error(exc, what) from None
    return None


def describe_swap(
    connection: Connection,
    schema: str,
    name: str,
    *,
    new_values: Sequence[str] | None = None,
    remove: str | None = None,
    mapping: Mapping[str, str] | None = None,
    old_values: Sequence[str] | None = None,
    strategy: str = "rewrite",
) -> SwapDescription:
    """What a swap of ``schema.name`` to ``new_values`` (default: its current labels)
    touches, from the catalog alone; see the module docstring.  With
    ``strategy="online"`` the blockers include what only an online swap cannot carry."""
    sql = swap_engine_sql(
        connection.dialect, schema, name,
        new_values=new_values, remove=remove, mapping=mapping, old_values=old_values,
        mode="describe", strategy=strategy,
    )
    what = f"describe the swap of enum {qualified(connection.dialect, schema, name)}"
    return SwapDescription.from_json(_hand_back(connection, sql, what))


DESCRIPTIONS_SETTING = "alembic_enum_ops.swap_descriptions"
"""A custom setting, local to the transaction, that carries :func:`describe_swaps`'
result from its block to the read that follows (no savepoint, no error raised)."""


def describe_swaps_sql(dialect: Dialect, types: Sequence[tuple[str, str]]) -> str:
    """The block of :func:`describe_swaps`: the engine run once per type (its own
    text, parameters replaced), every description left in :data:`DESCRIPTIONS_SETTING`."""
    schemas = "ARRAY[" + ", ".join(literal(dialect, s) for s, _ in types) + "]::text[]"
    names = "ARRAY[" + ", ".join(literal(dialect, n) for _, n in types) + "]::text[]"
    params = engine_parameters(
        schema_expr="%1$L", name="%2$L", new="NULL", remove="NULL",
        mapped_from="ARRAY[]::text[]", mapped_to="ARRAY[]::text[]", expected="NULL",
        mode="'describe'",
    )
    template = ENGINE.replace("%", "%%").replace(PARAMS, params.replace("%%", "%"))
    body = f"""
DECLARE
    t record;
    found jsonb := '[]'::jsonb;
    detail text;
BEGIN
    FOR t IN SELECT * FROM unnest({schemas}, {names}) AS w(nsp, typ) LOOP
        BEGIN
            EXECUTE 'DO ' || quote_literal(format({dollar_quote(template, "enum_ops_engine")},
                                                  t.nsp, t.typ));
        EXCEPTION WHEN SQLSTATE 'EO003' THEN
            GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
            found := found || jsonb_build_array(detail::jsonb);
        WHEN SQLSTATE 'EO002' THEN
            NULL;  -- the type is gone or not an enum: nothing to describe
        END;
    END LOOP;
    PERFORM set_config({literal(dialect, DESCRIPTIONS_SETTING)}, found::text, true);
END
"""
    return "DO " + dollar_quote(body, "enum_ops_all")


def describe_swaps(
    connection: Connection, types: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], SwapDescription]:
    """:func:`describe_swap` of each ``(schema, name)``, in two statements whatever
    their number: a block that runs the engine once per type and leaves every
    description in a setting local to the transaction, then a read of it.  The block
    never fails for a type the engine refuses to describe (it vanished meanwhile):
    that type is left out."""
    if not types:
        return {}
    dialect = connection.dialect
    raw = {"no_parameters": True}
    connection.exec_driver_sql(describe_swaps_sql(dialect, types), execution_options=raw)
    documents = json.loads(
        connection.exec_driver_sql(
            f"SELECT current_setting({literal(dialect, DESCRIPTIONS_SETTING)})",
            execution_options=raw,
        ).scalar_one()
    )
    described = [SwapDescription.from_json(doc) for doc in documents]
    return {(d.schema, d.name): d for d in described}


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
    anything (a dry run for reviews).

    Runs the swap engine in preview mode inside a savepoint: it reads the catalog and
    the data exactly as the real swap does, raises the same refusals
    (:class:`~alembic_enum_ops.errors.UnsafeOperationError`,
    :class:`~alembic_enum_ops.errors.EnumStateError`), takes no exclusive lock, and
    hands the statements back.  An empty list means the type already has these labels.
    """
    sql = swap_engine_sql(
        connection.dialect, schema, name,
        new_values=new_values, remove=remove, mapping=mapping, old_values=old_values,
        mode="preview",
    )
    what = f"preview the swap of enum {qualified(connection.dialect, schema, name)}"
    document = _hand_back(connection, sql, what)
    if document is None:
        return []
    description = SwapDescription.from_json(document)
    description.raise_first_refusal()
    return list(description.statements)
