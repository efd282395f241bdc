"""One function of a revision, checked: its events replayed in order, each handed to
the rule family it concerns.

This module reads; the families (:mod:`.catalog_surgery`, :mod:`.transactions`,
:mod:`.rewrites`, :mod:`.swaps`, :mod:`.schemas`, :mod:`.constraints`) judge.  Every
argument of an ``op.<name>(...)`` call is read here, in the ``op_<name>`` handlers, as
``call.arg(position, keyword)``: ``tests/lint/test_rules.py`` checks each position
against the real operation's signature, so the handlers stay in step with Alembic's
operations and ours.  The same handlers replay the history: the types each operation
creates, renames, moves and drops (:class:`..knowledge.EnumRegistry`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .. import sql_reader as sql
from ..envpy import EnvFacts
from ..findings import Finding, Span
from ..knowledge import EnumRegistry, key
from ..python_reader import Autocommit, Event, Function, OpCall, SqlText, TypeObjectCall
from . import catalog_surgery, constraints, rewrites, schemas, swaps, transactions
from .fix_text import qualified
from .state import AddedLabel, FunctionState


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


class FunctionChecker:
    """Runs every rule over one function's events.

    ``registry`` is changed as the function changes types (callers pass a copy when
    the function must not change the history, e.g. ``downgrade()``).  ``carried``
    holds labels left uncommitted by the previous revision when env.py runs all
    revisions in one transaction.
    """

    def __init__(
        self,
        path: str,
        function: Function,
        registry: EnumRegistry,
        env: EnvFacts,
        *,
        revision: str | None = None,
        carried: Iterable[AddedLabel] = (),
    ) -> None:
        self.function = function
        self.state = FunctionState(
            path, function.name, registry, env, revision or path, pending=list(carried)
        )

    @property
    def registry(self) -> EnumRegistry:
        """The history the handlers replay the function's type changes into."""
        return self.state.registry

    def run(self) -> list[Finding]:
        for event in self.function.events:
            self.event(event)
        swaps.finish_swap(self.state)
        return self.state.findings

    def uncommitted_labels(self) -> list[AddedLabel]:
        """Labels still uncommitted at the end (carried into the next revision when
        env.py runs every revision in one transaction)."""
        return [] if self.state.autocommit else list(self.state.pending)

    def event(self, event: Event) -> None:
        if isinstance(event, Autocommit):
            self.state.commit()
            self.state.autocommit = event.enter
        elif isinstance(event, OpCall):
            self.op(event)
        elif isinstance(event, SqlText):
            self.sql_text(event)
        elif isinstance(event, TypeObjectCall):
            schema = event.enum.schema
            if event.enum.name is not None:
                if event.action == "create":
                    self.registry.create(schema, event.enum.name, event.enum.labels)
                else:
                    self.registry.drop(schema, event.enum.name)

    # --- op.<name>(...) ---

    def op(self, call: OpCall) -> None:
        if call.name in transactions.COMMITTING_OPS:
            self.state.commit()
        handler = getattr(self, f"op_{call.name}", None)
        if handler is not None:
            handler(call)

    def op_enum_create(self, call: OpCall) -> None:
        name, values = _str(call.arg(0, "name")), call.arg(1, "values")
        if name:
            labels = values if isinstance(values, (list, tuple)) else None
            self.registry.create(_str(call.kwargs.get("schema")), name, labels)

    def op_enum_drop(self, call: OpCall) -> None:
        name = _str(call.arg(0, "name"))
        if name:
            self.registry.drop(_str(call.kwargs.get("schema")), name)

    def op_enum_add_value(self, call: OpCall) -> None:
        name, value = _str(call.arg(0, "name")), _str(call.arg(1, "value"))
        if name and value:
            self.registry.add_label(
                _str(call.kwargs.get("schema")), name, value,
                _str(call.kwargs.get("before")), _str(call.kwargs.get("after")),
            )

    def op_enum_rename_value(self, call: OpCall) -> None:
        name, old = _str(call.arg(0, "name")), _str(call.arg(1, "old"))
        new = _str(call.arg(2, "new"))
        if name and old and new:
            self.registry.rename_label(_str(call.kwargs.get("schema")), name, old, new)

    def op_enum_rename(self, call: OpCall) -> None:
        old, new = _str(call.arg(0, "old_name")), _str(call.arg(1, "new_name"))
        if old and new:
            self.registry.rename(_str(call.kwargs.get("schema")), old, new)

    def op_enum_set_schema(self, call: OpCall) -> None:
        name, new_schema = _str(call.arg(0, "name")), _str(call.arg(1, "new_schema"))
        if name and new_schema:
            self.registry.move(_str(call.kwargs.get("schema")), name, new_schema)

    def op_enum_swap(self, call: OpCall) -> None:
        name, values = _str(call.arg(0, "name")), call.arg(1, "new_values")
        if name and isinstance(values, (list, tuple)):
            self.registry.set_labels(_str(call.kwargs.get("schema")), name, values)

    def op_enum_remove_value(self, call: OpCall) -> None:
        name, value = _str(call.arg(0, "name")), _str(call.arg(1, "value"))
        if name and value:
            self.registry.remove_label(_str(call.kwargs.get("schema")), name, value)

    def op_check_to_enum(self, call: OpCall) -> None:
        type_name, values = _str(call.arg(2, "type_name")), call.arg(3, "values")
        if type_name and call.kwargs.get("create_type", True) is not False:
            schema = _str(call.kwargs.get("type_schema")) or _str(call.kwargs.get("schema"))
            labels = values if isinstance(values, (list, tuple)) else None
            self.registry.create(schema, type_name, labels)

    def op_create_table(self, call: OpCall) -> None:
        table = _str(call.arg(0, "table_name"))
        schema = _str(call.kwargs.get("schema"))
        if table:
            self.state.created_tables.add(key(schema, table))
        for column in call.columns:
            schemas.enum_column(self.state, call.span, column, table, schema, creates=True)

    def op_add_column(self, call: OpCall) -> None:
        table = _str(call.arg(0, "table_name"))
        schema = _str(call.kwargs.get("schema"))
        for column in call.columns:
            schemas.enum_column(self.state, call.span, column, table, schema, creates=False)
            if column.rewrite:
                rewrites.check_rewrite(self.state, key(schema, table) if table else None,
                                       f"op.add_column ({column.rewrite})", call.span)

    def op_alter_column(self, call: OpCall) -> None:
        table = _str(call.arg(0, "table_name"))
        column = _str(call.arg(1, "column_name")) or "?"
        schema = _str(call.kwargs.get("schema"))
        if call.type_ is None:
            return
        rewrites.alter_column(
            self.state, call.span, table, column, schema, new=call.type_,
            old=call.existing_type, using=call.kwargs.get("postgresql_using"),
        )

    def op_create_check_constraint(self, call: OpCall) -> None:
        name = _str(call.arg(0, "constraint_name"))
        table = _str(call.arg(1, "table_name"))
        schema = _str(call.kwargs.get("schema"))
        if table is None:
            return
        constraints.add_check(
            self.state, call.span, key(schema, table), qualified(schema, table), name,
            not_valid=call.kwargs.get("postgresql_not_valid") is True,
        )

    def op_bulk_insert(self, call: OpCall) -> None:
        for value in call.strings:
            transactions.check_use(self.state, value, None, call.span)

    # --- raw SQL ---

    def sql_text(self, event: SqlText) -> None:
        """EO002 for SQL that cannot be read, EO001 for SQL PostgreSQL rejects; then
        each statement."""
        if event.text is None:
            self.state.report(
                "EO002", event.span,
                f"{event.via}(...) runs SQL built at run time ({event.why_unread}): not "
                "checked",
                "write the SQL as a string literal, sa.text('...') or a module-level "
                "constant so it can be checked, or mark the line "
                "'# enum-ops: ignore[EO002]' once reviewed",
            )
            return
        try:
            statements = sql.parse(event.text, bind_params=event.bind_params)
        except sql.SqlSyntaxError as exc:
            span = event.source.span(exc.offset or 0, event.text)
            self.state.report(
                "EO001", span,
                f"{event.via}(...): PostgreSQL's parser rejects this SQL ({exc.message}); it "
                "was not checked and will fail when it runs",
                "fix the SQL (pglast, the library the linter uses, is PostgreSQL's own "
                "parser), or mark the line '# enum-ops: ignore[EO001]' if it is not meant "
                "for PostgreSQL",
            )
            return
        for statement in statements:
            self.statement(event, statement)

    def statement(self, event: SqlText, statement: sql.Statement) -> None:
        assert event.text is not None
        text = event.text

        def at(offset: int) -> Span:
            return event.source.span(offset, text)

        here = at(statement.offset)
        if self.state.pending and not statement.defines_labels:
            for use in statement.strings:
                transactions.check_use(self.state, use.value, use.cast_to, at(use.offset))
        for ref in statement.type_refs:
            if ref.type.schema is None and self.registry.is_enum_name(ref.type.name):
                schemas.report_unqualified(self.state, ref.type.name, at(ref.offset),
                                           "cast" if ref.cast else "column type")
        for fact in statement.facts:
            self.fact(fact, here)

    def fact(self, fact: sql.Fact, here: Span) -> None:
        state = self.state
        if isinstance(fact, sql.DropType):
            catalog_surgery.drop_type(state, fact, here)
        elif isinstance(fact, sql.CreateEnum):
            self.registry.create(fact.type.schema, fact.type.name, fact.labels)
            state.swap.created[key(fact.type.schema, fact.type.name)] = (fact.labels, here)
            if fact.type.schema is None:
                schemas.report_unqualified(state, fact.type.name, here, "CREATE TYPE")
        elif isinstance(fact, sql.AddValue):
            transactions.add_value(state, fact, here)
        elif isinstance(fact, sql.RenameValue):
            self.registry.rename_label(fact.type.schema, fact.type.name, fact.old, fact.new)
            schemas.unqualified_ddl(state, fact.type, here, "ALTER TYPE")
        elif isinstance(fact, sql.RenameType):
            self.registry.rename(fact.type.schema, fact.type.name, fact.new_name)
            state.swap.renames.append((key(fact.type.schema, fact.type.name), fact.new_name,
                                       here))
            schemas.unqualified_ddl(state, fact.type, here, "ALTER TYPE")
        elif isinstance(fact, sql.SetTypeSchema):
            self.registry.move(fact.type.schema, fact.type.name, fact.new_schema)
        elif isinstance(fact, sql.AlterColumnType):
            rewrites.alter_column_type(state, fact, here)
        elif isinstance(fact, sql.TableRewrite):
            rewrites.check_rewrite(state, key(fact.table.schema, fact.table.name), fact.what,
                                   here)
        elif isinstance(fact, sql.AddCheck):
            constraints.add_check(
                state, here, key(fact.table.schema, fact.table.name), str(fact.table),
                fact.name, not_valid=fact.not_valid,
            )
        elif isinstance(fact, sql.ValidateConstraint):
            constraints.validate(state, fact, here)
        elif isinstance(fact, sql.CreateTable):
            state.created_tables.add(key(fact.table.schema, fact.table.name))
        elif isinstance(fact, sql.Setting):
            rewrites.setting(state, fact)
        elif isinstance(fact, sql.TransactionControl):
            transactions.transaction_control(state, fact, here)
        elif isinstance(fact, sql.CatalogEdit):
            catalog_surgery.catalog_edit(state, fact, here)
