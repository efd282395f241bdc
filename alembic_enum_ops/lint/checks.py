"""The rules, applied to one function of one revision while following its transactions.

A revision's ``upgrade()`` runs in a transaction that Alembic opens; the linter walks
its events in order and keeps what PostgreSQL would keep:

* which enum labels were added *in the transaction still open* (``ADD VALUE`` outside an
  autocommit block): using one before a commit is SQLSTATE 55P04;
* whether a ``lock_timeout`` is in force (``SET LOCAL`` dies at the next commit, a plain
  ``SET`` lasts for the session, the pgenum env.py sets one for every statement);
* which CHECK constraints were added ``NOT VALID`` in the open transaction (a
  ``VALIDATE`` there keeps the ACCESS EXCLUSIVE lock through the scan);
* which tables the revision created (a CHECK on an empty table scans nothing);
* the pieces of a hand-written v2 swap, reported once per function.

Commits happen at ``with ...autocommit_block():`` (on entering and on leaving), around
our operations that commit midway (``enum_add_value``, ``check_enum_create``,
``check_enum_set_values``, ``enum_to_check``, ``check_to_enum``: their plans have
``Boundary.OWN`` steps), and at a raw ``COMMIT``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from . import sql_reader as sql
from .envpy import EnvFacts
from .findings import Finding, Span
from .knowledge import DEFAULT_SCHEMA, EnumRegistry, Key, key
from .python_reader import (
    Autocommit,
    ColumnDecl,
    EnumDecl,
    Event,
    Function,
    OpCall,
    SqlText,
    TypeInfo,
    TypeObjectCall,
)

COMMITTING_OPS = frozenset(
    {"enum_add_value", "check_enum_create", "check_enum_set_values", "enum_to_check",
     "check_to_enum"}
)
"""Our operations whose plan commits the revision's transaction midway."""

_SWAP_SUFFIX = re.compile(r"(_new|_v\d+|_tmp|_next|_old|_2)$")


@dataclass(frozen=True)
class AddedLabel:
    """A label added by a raw ``ADD VALUE`` whose transaction has not committed yet."""

    type: Key
    label: str
    span: Span
    path: str
    fix: str


@dataclass
class _Swap:
    created: dict[Key, tuple[tuple[str, ...], Span]] = field(default_factory=dict)
    renames: list[tuple[Key, str, Span]] = field(default_factory=list)
    alters: list[tuple[Key, Span]] = field(default_factory=list)


def _py(value: Any) -> str:
    return repr(list(value) if isinstance(value, tuple) else value)


def op_call(name: str, *args: Any, **kwargs: Any) -> str:
    """``op.name(...)`` as it would be written, keyword arguments that are None left out."""
    parts = [_py(a) for a in args]
    parts += [f"{k}={_py(v)}" for k, v in kwargs.items() if v is not None]
    return f"op.{name}({', '.join(parts)})"


def _qualified(schema: str | None, name: str) -> str:
    return f"{schema}.{name}" if schema else name


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
        self.path = path
        self.function = function
        self.registry = registry
        self.env = env
        self.revision = revision or path
        self.findings: list[Finding] = []
        self.autocommit = False
        self.pending: list[AddedLabel] = list(carried)
        self.local_timeout: bool | None = None
        self.session_timeout: bool | None = None
        self.not_valid: dict[tuple[Key, str], Span] = {}
        self.created_tables: set[Key] = set()
        self.swap = _Swap()

    # --- plumbing ---

    def report(self, code: str, span: Span, message: str, fix: str) -> None:
        self.findings.append(Finding(code, self.path, span, message, fix, self.function.name))

    def commit(self) -> None:
        self.pending = []
        self.local_timeout = None
        self.not_valid = {}

    def run(self) -> list[Finding]:
        for event in self.function.events:
            self.event(event)
        self.finish_swap()
        return self.findings

    def event(self, event: Event) -> None:
        if isinstance(event, Autocommit):
            self.commit()
            self.autocommit = event.enter
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

    def uncommitted_labels(self) -> list[AddedLabel]:
        """Labels still uncommitted at the end (carried into the next revision when
        env.py runs every revision in one transaction)."""
        return [] if self.autocommit else list(self.pending)

    # --- lock_timeout ---

    def lock_timeout(self) -> tuple[bool, str]:
        """Whether a lock_timeout is in force now, and if not, why the linter thinks so."""
        if not self.autocommit and self.local_timeout is not None:
            return self.local_timeout, "SET LOCAL lock_timeout turned it off"
        if self.session_timeout is not None:
            return self.session_timeout, "lock_timeout was reset or set to 0 earlier"
        if self.env.lock_timeout:
            return True, ""
        if self.env.path is None:
            return False, (
                "no SET lock_timeout before it, and no env.py was found for this file, so "
                "the linter cannot tell whether the environment sets one"
            )
        if self.env.how:
            return False, f"no SET lock_timeout before it, and env.py turns it off ({self.env.how})"
        return False, f"no SET lock_timeout before it, and {self.env.path.name} sets none"

    def check_rewrite(self, table: Key | None, what: str, span: Span) -> None:
        if table is not None and table in self.created_tables:
            return
        in_force, why = self.lock_timeout()
        if in_force:
            return
        where = f"{table[0]}.{table[1]}" if table else "the table"
        self.report(
            "EO303", span,
            f"{what} rewrites {where} under an ACCESS EXCLUSIVE lock with no lock_timeout "
            f"in force ({why}): while it waits for its lock, every query on the table "
            "queues behind it",
            "op.execute(\"SET LOCAL lock_timeout = '2s'\") just before it (and retry on "
            "SQLSTATE 55P03), or run migrations with the pgenum env.py, which sets "
            "lock_timeout on every statement"
            + (" (if the project's env.py does, lint with -c path/to/alembic.ini)"
               if self.env.path is None else ""),
        )

    # --- op.<name>(...) ---

    def op(self, call: OpCall) -> None:
        if call.name in COMMITTING_OPS:
            self.commit()
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
            self.created_tables.add(key(schema, table))
        for column in call.columns:
            self.enum_column(call, column, table, schema, creates=True)

    def op_add_column(self, call: OpCall) -> None:
        table = _str(call.arg(0, "table_name"))
        schema = _str(call.kwargs.get("schema"))
        for column in call.columns:
            self.enum_column(call, column, table, schema, creates=False)
            if column.rewrite:
                self.check_rewrite(key(schema, table) if table else None,
                                   f"op.add_column ({column.rewrite})", call.span)

    def enum_column(
        self, call: OpCall, column: ColumnDecl, table: str | None, schema: str | None,
        *, creates: bool,
    ) -> None:
        decl = column.type.enum
        if decl is None or decl.name is None:
            return
        where = _qualified(schema, table or "?")
        # at the type when it is written inside the call, else at the column using it
        inline = call.span.first_line <= decl.span.line <= call.span.last_line
        at = column.span.at(decl.span.line, decl.span.col) if inline else column.span
        type_schema = schema if decl.inherit_schema else decl.schema
        explicit = decl.schema_given or decl.inherit_schema
        if schema and not explicit and (schema != DEFAULT_SCHEMA):
            if not self.registry.known_in(None, decl.name):
                self.report(
                    "EO402", at,
                    f"enum {decl.name!r} of column {column.name or '?'} has no schema= but "
                    f"table {where} is in schema {schema!r}: the type is "
                    + ("created in" if creates and decl.creates_type else "looked up through")
                    + " the default schema (search_path), not in "
                    f"{schema!r} -- 'type \"{schema}.{decl.name}\" does not exist', or a "
                    "second type of that name that shadows the first",
                    f"schema={schema!r} on the enum type (or the schema the type really "
                    "lives in, e.g. schema='public')",
                )
        if creates and decl.creates_type:
            existing = self.registry.get(type_schema, decl.name)
            if existing is not None and existing.implicit != self.revision:
                label = _qualified(type_schema or DEFAULT_SCHEMA, decl.name)
                self.report(
                    "EO401", at,
                    f"op.create_table({table!r}) fires CREATE TYPE {label} for column "
                    f"{column.name or '?'}, but that type already exists at this revision: "
                    f"'type \"{decl.name}\" already exists' (DuplicateObject) at run time",
                    "create_type=False on the column's type, e.g. "
                    + self._enum_with_create_type_false(decl),
                )
            elif existing is None:
                self.registry.create(type_schema, decl.name, decl.labels, implicit=self.revision)

    @staticmethod
    def _enum_with_create_type_false(decl: EnumDecl) -> str:
        args = [_py(label) for label in decl.labels or ()] or ["..."]
        args.append(f"name={decl.name!r}")
        if decl.schema:
            args.append(f"schema={decl.schema!r}")
        args.append("create_type=False")
        return f"postgresql.ENUM({', '.join(args)})"

    def op_alter_column(self, call: OpCall) -> None:
        table = _str(call.arg(0, "table_name"))
        column = _str(call.arg(1, "column_name")) or "?"
        schema = _str(call.kwargs.get("schema"))
        new, old = call.type_, call.existing_type
        if new is None:
            return
        using = call.kwargs.get("postgresql_using")
        table_key = key(schema, table) if table else None
        where = _qualified(schema, table or "?")
        to_enum = new.kind == "enum"
        from_enum = old is not None and old.kind == "enum" and new.kind not in {"string", "enum"}
        if (to_enum or from_enum) and using is None:
            target = (
                _qualified(new.enum.schema, new.enum.name or "?") if new.enum else new.name
            )
            self.report_no_using(
                call.span, where, column, target,
                fix_using=f"postgresql_using={self._using(column, new)!r}",
            )
        if to_enum and isinstance(using, str) and _through_text(using) and new.enum:
            self.swap.alters.append((key(new.enum.schema, new.enum.name or "?"), call.span))
        same = old is not None and old.kind == new.kind and old.name == new.name and (
            new.kind != "enum"
        )
        strings = new.kind == "string" and old is not None and old.kind == "string"
        if not (same or strings):  # varchar(n) -> varchar(m) / text: no rewrite
            self.check_rewrite(table_key, f"op.alter_column({column!r}, type_=...)", call.span)

    @staticmethod
    def _using(column: str, new: TypeInfo) -> str:
        if new.enum is not None and new.enum.name:
            target = _qualified(new.enum.schema, new.enum.name) + ("[]" if new.enum.array else "")
            text = "text[]" if new.enum.array else "text"
            return f"{column}::{text}::{target}"
        return f"{column}::text::<{new.name or 'the new type'}>"

    def report_no_using(
        self, span: Span, where: str, column: str, target: str, *, fix_using: str
    ) -> None:
        self.report(
            "EO302", span,
            f"ALTER COLUMN {column} TYPE {target} on {where} without USING: PostgreSQL has no "
            "automatic cast between an enum and another type, so this fails with 'column "
            f"\"{column}\" cannot be cast automatically' (and a swap done this way checks no "
            "data and carries no default, index or view)",
            f"{fix_using}; or op.enum_swap(...) to change an enum's labels, "
            "op.check_to_enum(...) / op.enum_to_check(...) to convert between text + CHECK "
            "and an enum",
        )

    def op_create_check_constraint(self, call: OpCall) -> None:
        name = _str(call.arg(0, "constraint_name"))
        table = _str(call.arg(1, "table_name"))
        schema = _str(call.kwargs.get("schema"))
        if table is None:
            return
        table_key = key(schema, table)
        if call.kwargs.get("postgresql_not_valid") is True:
            if not self.autocommit and name:
                self.not_valid[(table_key, name)] = call.span
            return
        if table_key in self.created_tables:
            return
        self.report_check(call.span, _qualified(schema, table), name)

    def report_check(self, span: Span, where: str, name: str | None) -> None:
        self.report(
            "EO501", span,
            f"CHECK constraint {name or ''} added to existing table {where} without NOT VALID: "
            "the whole table is scanned under an ACCESS EXCLUSIVE lock, blocking every read "
            "and write for the length of the scan".replace("  ", " "),
            "add it NOT VALID (postgresql_not_valid=True), then VALIDATE CONSTRAINT in a "
            "later transaction; for an enum-like column: op.check_enum_create(table, column, "
            "values, schema=...), which does both and refuses first if rows break it",
        )

    def op_bulk_insert(self, call: OpCall) -> None:
        for value in call.strings:
            self.check_use(value, None, call.span)

    # --- raw SQL ---

    def sql_text(self, event: SqlText) -> None:
        if event.text is None:
            self.report(
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
            self.report(
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
        if self.pending and not statement.defines_labels:
            for use in statement.strings:
                self.check_use(use.value, use.cast_to, at(use.offset))
        for ref in statement.type_refs:
            if ref.type.schema is None and self.registry.is_enum_name(ref.type.name):
                self.report_unqualified(ref.type.name, at(ref.offset),
                                        "cast" if ref.cast else "column type")
        for fact in statement.facts:
            self.fact(fact, here, statement)

    def fact(self, fact: sql.Fact, here: Span, statement: sql.Statement) -> None:
        if isinstance(fact, sql.DropType):
            self.drop_type(fact, here)
        elif isinstance(fact, sql.CreateEnum):
            self.registry.create(fact.type.schema, fact.type.name, fact.labels)
            self.swap.created[key(fact.type.schema, fact.type.name)] = (fact.labels, here)
            if fact.type.schema is None:
                self.report_unqualified(fact.type.name, here, "CREATE TYPE")
        elif isinstance(fact, sql.AddValue):
            self.add_value(fact, here)
        elif isinstance(fact, sql.RenameValue):
            self.registry.rename_label(fact.type.schema, fact.type.name, fact.old, fact.new)
            self.unqualified_ddl(fact.type, here, "ALTER TYPE")
        elif isinstance(fact, sql.RenameType):
            self.registry.rename(fact.type.schema, fact.type.name, fact.new_name)
            self.swap.renames.append((key(fact.type.schema, fact.type.name), fact.new_name, here))
            self.unqualified_ddl(fact.type, here, "ALTER TYPE")
        elif isinstance(fact, sql.SetTypeSchema):
            self.registry.move(fact.type.schema, fact.type.name, fact.new_schema)
        elif isinstance(fact, sql.AlterColumnType):
            self.alter_column_type(fact, here)
        elif isinstance(fact, sql.TableRewrite):
            self.check_rewrite(key(fact.table.schema, fact.table.name), fact.what, here)
        elif isinstance(fact, sql.AddCheck):
            table = key(fact.table.schema, fact.table.name)
            if fact.not_valid:
                if not self.autocommit and fact.name:
                    self.not_valid[(table, fact.name)] = here
            elif table not in self.created_tables:
                self.report_check(here, str(fact.table), fact.name)
        elif isinstance(fact, sql.ValidateConstraint):
            self.validate(fact, here)
        elif isinstance(fact, sql.CreateTable):
            self.created_tables.add(key(fact.table.schema, fact.table.name))
        elif isinstance(fact, sql.Setting):
            self.setting(fact)
        elif isinstance(fact, sql.TransactionControl):
            self.transaction_control(fact, here)
        elif isinstance(fact, sql.CatalogEdit):
            self.catalog_edit(fact, here)

    def drop_type(self, fact: sql.DropType, here: Span) -> None:
        for name in fact.names:
            self.registry.drop(name.schema, name.name)
        if not fact.cascade:
            return
        kind = "DOMAIN" if fact.domain else "TYPE"
        names = ", ".join(str(n) for n in fact.names)
        if fact.domain:
            fix = f"DROP DOMAIN {names} without CASCADE, after converting or dropping what uses it"
        else:
            fix = " ; ".join(
                op_call("enum_drop", n.name, schema=n.schema,
                        if_exists=True if fact.if_exists else None)
                for n in fact.names
            ) + (
                " -- it never cascades: it refuses while anything depends on the type and "
                "names each dependent, so you convert or drop them on purpose first"
            )
        self.report(
            "EO101", here,
            f"DROP {kind} {names} CASCADE also drops, without a word, every column, view, "
            "function and default that uses the type -- the data in those columns is gone",
            fix,
        )

    def add_value(self, fact: sql.AddValue, here: Span) -> None:
        type_key = key(fact.type.schema, fact.type.name)
        before = fact.neighbor if fact.neighbor and not fact.after else None
        after = fact.neighbor if fact.neighbor and fact.after else None
        if fact.neighbor is None:
            labels = self.registry.labels(fact.type.schema, fact.type.name)
            after = labels[-1] if labels else None
        fix = op_call(
            "enum_add_value", fact.type.name, fact.label, schema=fact.type.schema,
            before=before, after=after,
        )
        if fact.neighbor is None:
            known_last = after is not None
            self.report(
                "EO203", here,
                f"ALTER TYPE {fact.type} ADD VALUE {fact.label!r} has no BEFORE/AFTER: the "
                "label goes last" + (f" (after {after!r})" if known_last else "")
                + "; if it belongs elsewhere in the sort order (ORDER BY, <, >), say so",
                fix if known_last else fix[:-1] + ", after='<the label it follows>')",
            )
        if fact.type.schema is None and self.registry.is_enum_name(fact.type.name):
            self.report_unqualified(fact.type.name, here, "ALTER TYPE")
        if not self.autocommit:
            self.report(
                "EO201", here,
                f"ALTER TYPE {fact.type} ADD VALUE {fact.label!r} runs inside the migration's "
                "transaction: it holds an EXCLUSIVE lock on the type until the revision "
                "commits, and the new label cannot be used before that commit (SQLSTATE "
                "55P04, 'unsafe use of new value') -- in this revision, or in the next ones "
                "when env.py runs them all in one transaction",
                f"{fix} -- it commits the value in a transaction of its own (IF NOT EXISTS, so "
                "a re-run passes), under lock_timeout; or wrap the raw statement in "
                "'with op.get_context().autocommit_block():'",
            )
            self.pending.append(AddedLabel(type_key, fact.label, here, self.path, fix))
        self.registry.add_label(fact.type.schema, fact.type.name, fact.label, before, after)

    def check_use(self, value: str, cast_to: sql.QName | None, span: Span) -> None:
        for added in self.pending:
            if added.label != value:
                continue
            if cast_to is not None and cast_to.name != added.type[1]:
                continue
            where = f"line {added.span.line}" if added.path == self.path else (
                f"{added.path}:{added.span.line}, an earlier revision run in the same "
                "transaction (env.py does not set transaction_per_migration=True)"
            )
            certain = "" if cast_to is not None else (
                " (if it is compared with, or stored in, a column of that type)"
            )
            self.report(
                "EO202", span,
                f"{value!r} was added to {added.type[0]}.{added.type[1]} by a raw ADD VALUE at "
                f"{where} and its transaction has not committed: using it here{certain} fails "
                "with SQLSTATE 55P04 'unsafe use of new value'",
                f"add the label with {added.fix} (it commits the value first), or move this "
                "statement to a later revision",
            )
            return

    def report_unqualified(self, name: str, span: Span, what: str) -> None:
        schemas = self.registry.schemas_of(name)
        target = f"{schemas[0]}.{name}" if len(schemas) == 1 else f"<schema>.{name}"
        known = ", ".join(f"{s}.{name}" for s in schemas) if schemas else name
        verb = (
            "is created in whichever schema comes first on search_path"
            if what == "CREATE TYPE" else "resolves through search_path"
        )
        self.report(
            "EO403", span,
            f"enum type {name!r} is named without its schema in a {what}: it {verb} "
            f"(known: {known}), so a same-named type earlier on search_path shadows it, and "
            f"a connection with another search_path gets 'type \"{name}\" does not exist'",
            f"qualify it: {target}",
        )

    def unqualified_ddl(self, name: sql.QName, here: Span, what: str) -> None:
        if name.schema is None and self.registry.is_enum_name(name.name):
            self.report_unqualified(name.name, here, what)

    def alter_column_type(self, fact: sql.AlterColumnType, here: Span) -> None:
        table = key(fact.table.schema, fact.table.name)
        target = key(fact.type.schema, fact.type.name)
        target_is_enum = (
            self.registry.is_enum_name(fact.type.name) or target in self.swap.created
        )
        if target_is_enum and fact.using is None:
            using = f"USING {fact.column}::text::{fact.type}" + ("[]" if fact.array else "")
            self.report_no_using(here, str(fact.table), fact.column, str(fact.type),
                                 fix_using=using)
        if target_is_enum and fact.via_text:
            self.swap.alters.append((target, here))
        self.check_rewrite(table, f"ALTER COLUMN {fact.column} TYPE {fact.type}", here)

    def validate(self, fact: sql.ValidateConstraint, here: Span) -> None:
        table = key(fact.table.schema, fact.table.name)
        added = self.not_valid.get((table, fact.name))
        if added is None or self.autocommit:
            return
        self.report(
            "EO502", here,
            f"VALIDATE CONSTRAINT {fact.name} on {fact.table} runs in the transaction that "
            f"added it NOT VALID (line {added.line}): the ACCESS EXCLUSIVE lock of the ADD is "
            "held through the whole validating scan, which is what NOT VALID was meant to "
            "avoid",
            "validate in a later transaction: 'with op.get_context().autocommit_block(): "
            f"op.execute(\"ALTER TABLE {fact.table} VALIDATE CONSTRAINT {fact.name}\")', or "
            "op.check_enum_create(...), which commits between the two",
        )

    def setting(self, fact: sql.Setting) -> None:
        if fact.name.lower() not in {"lock_timeout", "*"}:
            return
        if fact.local:
            if not self.autocommit:
                self.local_timeout = fact.enabled
        else:
            self.session_timeout = fact.enabled
            self.local_timeout = None

    def transaction_control(self, fact: sql.TransactionControl, here: Span) -> None:
        self.report(
            "EO204", here,
            f"{fact.verb} sent as SQL ends or opens a transaction behind Alembic's back: the "
            "revision is no longer atomic, alembic_version may not match what ran, and "
            "--sql scripts get an unbalanced transaction",
            "'with op.get_context().autocommit_block():' around the statements that must "
            "run outside the transaction (or op.enum_add_value for ADD VALUE)",
        )
        if fact.verb != "BEGIN":
            self.commit()

    def catalog_edit(self, fact: sql.CatalogEdit, here: Span) -> None:
        fixes = {
            "DELETE": "op.enum_remove_value(name, value, schema=..., replace_with=...) or "
                      "op.enum_swap(...)",
            "UPDATE": "op.enum_rename_value(name, old, new, schema=...) to rename a label, "
                      "op.enum_swap(...) to reorder",
            "INSERT": "op.enum_add_value(name, value, schema=..., before=/after=...)",
        }
        self.report(
            "EO102", here,
            f"{fact.verb} on pg_enum edits the catalog by hand: rows still holding a deleted "
            "label become unreadable ('invalid internal value for enum'), sort order and "
            "OIDs can break, and nothing checks the data first",
            fixes.get(fact.verb, "op.enum_swap(...)"),
        )

    # --- the hand-written swap, once per function ---

    def finish_swap(self) -> None:
        swap = self.swap
        spans: list[Span] = [s for _, s in swap.alters]
        final: tuple[str, str] | None = None
        labels: tuple[str, ...] | None = None
        for created, (created_labels, span) in swap.created.items():
            for old, new_name, rename_span in swap.renames:
                if old != created:
                    continue
                if (rename_span.line, rename_span.col) > (span.line, span.col):
                    final = (created[0], new_name)  # x_v2 created, renamed to x at the end
                else:
                    final = created  # x renamed away (x_old), then a new x created
                labels = created_labels
                spans += [span, rename_span]
        if swap.alters and final is None:
            target = swap.alters[0][0]
            created_info = swap.created.get(target)
            if created_info is not None:
                labels = created_info[0]
                spans.append(created_info[1])
            final = (target[0], _SWAP_SUFFIX.sub("", target[1]))
        if final is None or not spans:
            return
        first = min(spans, key=lambda s: (s.line, s.col))
        new_values: Any = list(labels) if labels else "[...labels in their new order...]"
        fix = op_call("enum_swap", final[1], new_values, schema=final[0])
        if isinstance(new_values, str):
            fix = fix.replace(repr(new_values), new_values)
        self.report(
            "EO301", first,
            f"hand-written v2 swap of {final[0]}.{final[1]} (new type, ALTER COLUMN ... USING "
            "...::text::..., drop, rename): it checks no data first (a row holding a removed "
            "label fails the whole revision midway), misses columns it does not name (other "
            "tables, arrays), and breaks on defaults, indexes, CHECKs and views on the column",
            f"{fix[:-1]}, mapping={{'<removed>': '<kept>'}})" " -- one statement that checks the "
            "data first (or maps it), and carries arrays, defaults, indexes, CHECKs and views",
        )


def _through_text(using: str) -> bool:
    return bool(re.search(r"::\s*(text|varchar|character varying)\b|\bAS\s+text\b", using, re.I))
