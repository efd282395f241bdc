"""The checks ``doctor`` runs: pure Python over a fixed number of catalog reads."""

from __future__ import annotations

import dataclasses
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence

from sqlalchemy.engine import Connection

from ..catalog import (
    ColumnType,
    EnumDependent,
    EnumType,
    SearchPath,
    read_column_types,
    read_enums,
    read_search_path,
)
from ..ddl import sqltext
from ..ddl.swap_preview import Blocker, SwapDescription, describe_swaps
from ..schema_map import SchemaResolver
from .nodes import node_findings
from .report import DbObject, ExpectedEnum, Finding, Report, Severity

# --- helpers -------------------------------------------------------------------------

_VALUES_CALLABLE = "values_callable=lambda e: [m.value for m in e]"

_KIND_LABEL = {
    "view_column": "view",
    "matview_column": "materialized_view",
    "composite_attribute": "composite_type",
    "foreign_column": "foreign_table_column",
}


def _type(schema: str, name: str) -> DbObject:
    return DbObject("type", schema, name)


def _py(value: str) -> str:
    """A Python string literal for a fix line (repr, double quotes when possible)."""
    text = repr(value)
    if text.startswith("'") and '"' not in value:
        text = '"' + text[1:-1].replace("\\'", "'") + '"'
    return text


def _sql_ident(name: str) -> str:
    """Identifier as it must appear in a suggested SQL line (quoted when needed)."""
    return sqltext.ident(sqltext.default_dialect(), name)


def _sql_qualified(schema: str, name: str) -> str:
    return sqltext.qualified(sqltext.default_dialect(), schema, name)


def _sentence(text: str) -> str:
    return text + ("" if text.endswith(".") else ".")


def _labels(labels: Iterable[str]) -> str:
    return ", ".join(repr(x) for x in labels)


def _dependent_object(dep: EnumDependent) -> DbObject:
    kind = _KIND_LABEL.get(dep.kind, dep.kind)
    if dep.kind in {"column", "view_column", "matview_column", "foreign_column",
                    "composite_attribute"}:
        if dep.kind in {"view_column", "matview_column"}:
            return DbObject(kind, dep.schema, dep.relation or "?")
        name = f"{dep.relation}.{dep.column}"
        return DbObject("array_column" if dep.via_array else kind, dep.schema, name)
    if dep.kind == "default":
        return DbObject("default", dep.schema, f"{dep.relation}.{dep.column}")
    if dep.kind in {"index", "check", "constraint", "rule", "trigger"}:
        name = f"{dep.name} on {dep.relation}" if dep.kind != "index" else dep.name or "?"
        if dep.kind == "index":
            kind = "partial_index" if dep.partial else "expression_index"
        return DbObject(kind, dep.schema, name)
    return DbObject(kind, dep.schema, dep.name or dep.description)


_REASONS = {
    "casts": "its body casts to the type",
    "partition_key": "in the partition key: its type cannot change",
    "generated": "a generated column",
    "distribution_column": "the table's Citus distribution column: its type cannot change",
}


def _blocker_text(blocker: Blocker) -> str:
    text = str(_dependent_object(blocker.object))
    reason = _REASONS.get(blocker.reason)
    return f"{text} ({reason})" if reason else text


def _column_label(dep: EnumDependent) -> str:
    return f"{dep.schema}.{dep.relation}.{dep.column}" + ("[]" if dep.via_array else "")


def _drift(found: EnumType, want: Sequence[str]) -> tuple[str, str]:
    """How ``found``'s labels differ from ``want``, and the revision that fixes it."""
    db = found.labels
    missing = [x for x in want if x not in db]
    extra = [x for x in db if x not in want]
    details = []
    if missing:
        details.append(f"missing in the database: {_labels(missing)}")
    if extra:
        details.append(f"not in the model: {_labels(extra)}")
    if not missing and not extra:
        details.append("same labels in another order")
    if extra or (not missing):
        fix = (
            f"In a revision: op.enum_swap({_py(found.name)}, "
            f"[{', '.join(_py(x) for x in want)}], "
            f"schema={_py(found.schema)}"
            + (", mapping={...}" if extra else "")
            + ") (`alembic revision --autogenerate` writes it; map or rename labels "
            "that rows still hold)"
        )
    else:
        fix = "In a revision: " + "; ".join(
            f"op.enum_add_value({_py(found.name)}, {_py(x)}, schema={_py(found.schema)}"
            + (f", after={_py(want[want.index(x) - 1])}" if want.index(x) > 0 else "")
            + ")"
            for x in missing
        ) + " (`alembic revision --autogenerate` writes them)"
    return "; ".join(details), _sentence(fix)


# --- the diagnosis ---------------------------------------------------------------------


def diagnose(connection: Connection, expected: Sequence[ExpectedEnum] | None = None) -> Report:
    """Read the catalog (at most five queries, whatever the number of types; one more
    on a Citus coordinator: every worker's types) and report.

    With ``expected`` (the metadata's enums) the model is compared too; without it
    only what the catalog alone shows is reported.
    """
    schemas = SchemaResolver.of(connection)
    if schemas.mapping is not None and expected is not None:
        expected = [_translated(model, schemas) for model in expected]
    # types an extension owns (citus.distribution_type...) are the extension's business;
    # Citus's own types say the database is a Citus one (no query more on one server)
    every_enum = read_enums(connection)
    citus = any(e.extension == "citus" for e in every_enum)
    enums = [e for e in every_enum if e.extension is None]
    names = {e.name for e in enums} | {x.name for x in expected or ()}
    path = read_search_path(connection, names)
    default_schema = path.current_schema
    if schemas.mapping is not None and None in schemas.mapping:
        default_schema = schemas.default  # the tenant's schema, whatever search_path says
    # what uses each type, as the swap engine sees it: columns, what a swap recreates
    # and what blocks it (one statement for every type)
    swaps = describe_swaps(connection, [e.key for e in enums])
    wanted = sorted({
        (col.schema or default_schema or "", col.table, col.column)
        for model in expected or () for col in model.columns
    })
    column_types = read_column_types(connection, wanted)
    version = connection.dialect.server_version_info or ()
    findings = _Analysis(
        enums, swaps, path, expected, column_types,
        default_schema=default_schema, translated=schemas.mapping is not None,
    ).run()
    if citus:  # each worker's labels (one query)
        findings += node_findings(connection, enums)
    return Report(
        findings=findings,
        search_path=path,
        enum_count=len(enums),
        server_version=".".join(str(v) for v in version),
        database=connection.engine.url.render_as_string(hide_password=True),
        checked_metadata=expected is not None,
    )


def _translated(model: ExpectedEnum, schemas: SchemaResolver) -> ExpectedEnum:
    """The model's named schemas through the connection's ``schema_translate_map``
    (``schema=None`` stays None: it is the default schema, see :func:`diagnose`)."""

    def named(schema: str | None) -> str | None:
        return None if schema is None else schemas.database(schema)

    return dataclasses.replace(
        model,
        schema=named(model.schema),
        columns=tuple(
            dataclasses.replace(c, schema=named(c.schema)) for c in model.columns
        ),
    )


class _Analysis:
    """The checks, each a method appending findings; pure Python over catalog data."""

    def __init__(
        self,
        enums: list[EnumType],
        swaps: dict[tuple[str, str], SwapDescription],
        path: SearchPath,
        expected: Sequence[ExpectedEnum] | None,
        column_types: Sequence[ColumnType] = (),
        *,
        default_schema: str | None = None,
        translated: bool = False,
    ) -> None:
        self.enums = {e.key: e for e in enums}
        self.column_types = {(c.schema, c.table, c.column): c for c in column_types}
        self.by_name: dict[str, list[EnumType]] = defaultdict(list)
        for e in enums:
            self.by_name[e.name].append(e)
        self.swaps = swaps
        self.path = path
        self.default_schema = default_schema or path.current_schema
        self.expected = list(expected or [])
        self.translated = translated
        """The connection translates schemas (a schema per tenant): SQLAlchemy
        qualifies the application's SQL itself, and every tenant has its copy of each
        type, so copies of a name in other schemas are expected."""
        self.findings: list[Finding] = []

    def run(self) -> list[Finding]:
        self.search_path()
        self.duplicates()
        for model in self.expected:
            self.model_enum(model)
        self.unused()
        self.cross_schema()
        self.swap_dependents()
        return self.findings

    def add(self, severity: Severity, code: str, objects: Iterable[DbObject],
            message: str, fix: str) -> None:
        self.findings.append(Finding(severity, code, tuple(objects), message, fix))

    def expected_key(self, model: ExpectedEnum) -> tuple[str, str] | None:
        schema = model.schema or self.default_schema
        return None if schema is None else (schema, model.name)

    def table_columns(self, key: tuple[str, str]) -> list[EnumDependent]:
        """Columns of tables (partitions included) using the type or its array."""
        swap = self.swaps.get(key)
        return [] if swap is None else [c.object for c in swap.columns if c.is_table_column]

    def used(self, key: tuple[str, str]) -> bool:
        """Anything uses the type; one the engine could not describe counts as used."""
        swap = self.swaps.get(key)
        return swap is None or swap.used

    # -- when the model is the wrong side -----------------------------------------------
    @staticmethod
    def values_pitfall(model: ExpectedEnum, labels: Sequence[str]) -> bool:
        """The model persists member NAMES (no ``values_callable``) while ``labels``
        are member VALUES (all of them, or with labels the model lacks or adds)."""
        names, values = model.member_names, model.member_values
        if model.persists_values or names is None or values is None or names == values:
            return False
        held = set(labels)
        return bool(held & set(values)) and not held & (set(names) - set(values))

    def model_fix(self, model: ExpectedEnum, schema: str | None, values: bool) -> str:
        """The ``sa.Enum(...)`` arguments the model lacks, as the first fix."""
        args = [f"name={_py(model.name)}"]
        if schema is not None:
            args.append(f"schema={_py(schema)}")
        if values:
            args.append(_VALUES_CALLABLE)
        return f"Fix the model: sa.Enum(..., {', '.join(args)})"

    def implicit_schema_copy(
        self, model: ExpectedEnum, copies: Sequence[EnumType]
    ) -> EnumType | None:
        """With no ``schema=`` in the model (the default schema), the copy that is
        really the model's: the one its columns use, else the one next to its tables."""
        if model.schema is not None:
            return None
        wanted = {(c.schema or self.default_schema, c.table, c.column) for c in model.columns}
        used = [e for e in copies if any(
            (d.schema, d.relation, d.column) in wanted for d in self.table_columns(e.key))]
        if len(used) == 1:
            return used[0]
        tables = {c.schema for c in model.columns if c.schema is not None}
        beside = [e for e in copies if e.schema in tables]
        return beside[0] if len(beside) == 1 else None

    # -- search_path ------------------------------------------------------------------
    def search_path(self) -> None:
        path = self.path
        off_path = sorted({s for s, _ in self.enums} - set(path.schemas))
        objects = [DbObject("setting", None, "search_path")]
        if path.current_schema is None:
            self.add(
                Severity.WARNING, "search-path", objects,
                f"search_path is {path.setting!s}, but none of its schemas exists: "
                "unqualified CREATE TYPE / CREATE TABLE fail and schema=None cannot "
                "be resolved.",
                "Create the schema or set search_path (ALTER ROLE ... SET search_path = "
                "...), and pass schema= to every enum.",
            )
            return
        message = (
            f"search_path is {path.setting} (existing schemas: "
            f"{', '.join(path.schemas) or 'none'}; default schema "
            f"{path.current_schema})."
        )
        if off_path:
            message += (
                f" Enum types in {', '.join(off_path)} are not on it: unqualified SQL "
                "such as CAST(x AS name) cannot see them."
            )
        self.add(
            Severity.INFO, "search-path", objects, message,
            "Always schema-qualify enum types in raw SQL (CAST(:x AS schema.name)) and "
            "in the model (sa.Enum(..., schema=...)); do not rely on search_path.",
        )

    # -- the same name in several schemas --------------------------------------------
    def duplicates(self) -> None:
        expected = {m.name: self.expected_key(m) for m in self.expected}
        for name, copies in sorted(self.by_name.items()):
            if len(copies) < 2:
                continue
            resolved = self.path.resolves_to.get(name)
            used = {c.key: self.table_columns(c.key) for c in copies}
            parts = []
            for c in copies:
                cols = ", ".join(_column_label(d) for d in used[c.key]) or "no table column"
                parts.append(f"{c.schema}.{name} (used by {cols})")
            where = (
                "nothing (no copy is on the search_path)" if resolved is None
                else f"{resolved[0]}.{resolved[1]}"
            )
            message = (
                f"Type name {name!r} exists in {len(copies)} schemas: {'; '.join(parts)}. "
                f"Unqualified SQL such as CAST(x AS {name}) resolves through search_path "
                f"({self.path.setting}) to {where}."
            )
            want = expected.get(name)
            used_keys = [k for k, cols in used.items() if cols]
            wrong_target = (
                (want is not None and resolved != want)
                or (want is None and resolved is not None and not used.get(resolved)
                    and bool(used_keys))
            )
            if want is not None:
                message += f" The metadata expects {want[0]}.{want[1]}."
            unused = [c for c in copies if not self.used(c.key) and c.key != want]
            fixes = [
                f"Remove the unused copy in a revision: op.enum_drop({_py(name)}, "
                f"schema={_py(c.schema)}) (DROP TYPE {_sql_qualified(c.schema, name)})"
                for c in unused
            ]
            target = want or (used_keys[0] if len(used_keys) == 1 else None)
            if target is not None:
                fixes.append(
                    "Schema-qualify every cast: CAST(:x AS "
                    f"{_sql_qualified(target[0], target[1])})"
                )
            else:
                fixes.append("Move every column onto one copy, then drop the others")
            self.add(
                Severity.ERROR if wrong_target and not self.translated else Severity.WARNING,
                "duplicate-type-name",
                [_type(c.schema, name) for c in copies]
                + [_dependent_object(d) for c in copies for d in used[c.key]],
                message,
                _sentence(". ".join(fixes)),
            )

    # -- the metadata's enums -----------------------------------------------------------
    def model_enum(self, model: ExpectedEnum) -> None:
        key = self.expected_key(model)
        if key is None:
            return
        schema, name = key
        self.non_enum_columns(model, key)
        found = self.enums.get(key)
        if found is None:
            elsewhere = self.by_name.get(name, [])
            if elsewhere:
                where = ", ".join(f"{e.schema}.{name}" for e in elsewhere)
                first = elsewhere[0]
                message = (
                    f"The metadata expects enum {schema}.{name}, but the database has "
                    f"{where} and no {schema}.{name}: SQL qualified with {schema} fails "
                    f"with 'type \"{schema}.{name}\" does not exist'."
                )
                move = (
                    f"op.enum_set_schema({_py(name)}, {_py(schema)}, "
                    f"schema={_py(first.schema)}) (ALTER TYPE "
                    f"{_sql_qualified(first.schema, name)} SET SCHEMA {_sql_ident(schema)})"
                )
                own = self.implicit_schema_copy(model, elsewhere)
                if own is not None:
                    # no schema= in the model, and the type sits with its table: the
                    # model is the wrong side
                    message += (
                        f" The model's sa.Enum has no schema=, so it means the default "
                        f"schema ({schema}); the type is in {own.schema}, with its table."
                    )
                    fix = (
                        self.model_fix(model, own.schema,
                                       self.values_pitfall(model, own.labels))
                        + "; `alembic revision --autogenerate` then sees no change. Only "
                        f"if the type belongs in {schema}, move it in a revision instead: "
                        + move.replace(f"schema={_py(first.schema)}",
                                       f"schema={_py(own.schema)}")
                        .replace(_sql_qualified(first.schema, name),
                                 _sql_qualified(own.schema, name))
                    )
                else:
                    fix = (
                        f"Move it in a revision: {move}; `alembic revision --autogenerate` "
                        "emits it. If the model is wrong, set "
                        f"sa.Enum(..., schema={_py(first.schema)}) instead"
                    )
                self.add(
                    Severity.ERROR, "type-wrong-schema",
                    [_type(schema, name)] + [_type(e.schema, name) for e in elsewhere],
                    message, _sentence(fix),
                )
            else:
                self.add(
                    Severity.ERROR, "type-missing", [_type(schema, name)],
                    f"The metadata expects enum {schema}.{name} "
                    f"({_labels(model.labels)}), but no type of that name exists in "
                    "any schema.",
                    "Create it with a migration: `alembic revision --autogenerate` emits "
                    f"op.enum_create({_py(name)}, [...], schema={_py(schema)}); then run "
                    "`alembic upgrade head`.",
                )
            return
        self.model_labels(model, found)
        self.model_columns(model, key)

    def model_labels(self, model: ExpectedEnum, found: EnumType) -> None:
        db, want = found.labels, model.labels
        if db == want:
            return
        obj = [_type(found.schema, found.name)]
        qname = f"{found.schema}.{found.name}"
        names, values = model.member_names, model.member_values
        if (model.persists_values and names is not None and db == names
                and names != want):
            renames = "; ".join(
                f"op.enum_rename_value({_py(found.name)}, {_py(old)}, {_py(new)}, "
                f"schema={_py(found.schema)})"
                for old, new in zip(names, want, strict=True) if old != new
            )
            self.add(
                Severity.ERROR, "labels-are-member-names", obj,
                f"Enum {qname} holds the Python enum's member NAMES ({_labels(db)}), but "
                f"the model persists its VALUES ({_labels(want)}) through values_callable: "
                "every insert from the application fails with 'invalid input value for "
                "enum'. The type was probably created before values_callable was set.",
                f"Rename the labels in a revision (instant, no table rewrite): {renames}. "
                "If the application really stores names, remove values_callable instead.",
            )
            return
        if (not model.persists_values and values is not None and db == values
                and values != want):
            self.add(
                Severity.ERROR, "labels-are-member-values", obj,
                f"Enum {qname} holds the Python enum's member VALUES ({_labels(db)}), but "
                f"the model persists its member NAMES ({_labels(want)}): SQLAlchemy stores "
                "names unless values_callable is set (the values_callable pitfall).",
                "Add values_callable=lambda e: [m.value for m in e] to the model's "
                "sa.Enum(...) so SQLAlchemy sends the values the database holds.",
            )
            return
        if values is not None and self.values_pitfall(model, db):
            details, then = _drift(found, values)
            self.add(
                Severity.ERROR, "labels-are-member-values", obj,
                f"Enum {qname} holds the Python enum's member VALUES ({_labels(db)}), but "
                f"the model persists its member NAMES ({_labels(want)}): SQLAlchemy stores "
                "names unless values_callable is set (the values_callable pitfall). "
                f"Against the member values the labels still differ: {details}.",
                f"Add {_VALUES_CALLABLE} to the model's sa.Enum(...) so SQLAlchemy sends "
                f"the values the database holds; then {then[0].lower()}{then[1:]}",
            )
            return
        details, fix = _drift(found, want)
        self.add(
            Severity.ERROR, "label-drift", obj,
            f"Enum {qname} has labels ({_labels(db)}) but the model has ({_labels(want)}): "
            + details + ".",
            fix,
        )

    def model_columns(self, model: ExpectedEnum, key: tuple[str, str]) -> None:
        by_column: dict[tuple[str | None, str | None, str | None], EnumDependent] = {}
        for described in self.swaps:
            for d in self.table_columns(described):
                by_column[(d.schema, d.relation, d.column)] = d
        for col in model.columns:
            schema = col.schema or self.default_schema
            dep = by_column.get((schema, col.table, col.column))
            if dep is None or dep.type_key == key:
                continue
            qcol = f"{schema}.{col.table}.{col.column}"
            target = _sql_qualified(*key)
            cast = f"{_sql_ident(col.column)}::text::{target}"
            if dep.via_array:
                cast = f"{_sql_ident(col.column)}::text[]::{target}[]"
            convert = (
                f"ALTER TABLE {_sql_qualified(schema or '', col.table)} ALTER COLUMN "
                f"{_sql_ident(col.column)} TYPE {target}{'[]' if dep.via_array else ''} "
                f"USING {cast}; then drop the unused copy"
            )
            used = self.enums.get(dep.type_key)
            target_labels = self.enums[key].labels if key in self.enums else ()
            lacking = [x for x in used.labels if x not in target_labels] if used else []
            if lacking:
                convert += (
                    f" (it fails while rows hold {_labels(lacking)}, which "
                    f"{key[0]}.{key[1]} lacks)"
                )
            message = (
                f"Column {qcol} uses {dep.type_schema}.{dep.type_name}, but the model "
                f"expects {key[0]}.{key[1]}."
            )
            own = used and self.implicit_schema_copy(model, [used])
            if own:
                # no schema= in the model: it is the model that points at the wrong copy
                message += (
                    " The model's sa.Enum has no schema=, so it means the default schema "
                    f"({key[0]})."
                )
                fix = (
                    self.model_fix(model, own.schema, self.values_pitfall(model, own.labels))
                    + f", the type the column uses. Only if the column belongs on {key[0]}."
                    f"{key[1]}, convert it in a revision, under a lock_timeout (rewrites the "
                    f"table): {convert}."
                )
            else:
                fix = (
                    "Convert it in a revision, under a lock_timeout (rewrites the table): "
                    f"{convert}."
                )
            self.add(
                Severity.ERROR, "column-type-mismatch",
                [DbObject("column", schema, f"{col.table}.{col.column}"),
                 _type(dep.type_schema, dep.type_name), _type(*key)],
                message, fix,
            )

    def non_enum_columns(self, model: ExpectedEnum, key: tuple[str, str]) -> None:
        """Model columns declared with the native enum whose database column is not one
        (the ``native_enum=False`` "fix": every ``CAST(x AS ai.type)`` then breaks)."""
        for col in model.columns:
            schema = col.schema or self.default_schema or ""
            found = self.column_types.get((schema, col.table, col.column))
            if found is None or found.is_enum:
                continue
            exists = key in self.enums
            labels = ", ".join(_py(x) for x in model.labels)
            # varchar(n): the downgrade restores it (check_to_enum's existing_length)
            sized = re.fullmatch(r"character varying\((\d+)\)", found.type_sql)
            length = int(sized.group(1)) if sized else None
            self.add(
                Severity.ERROR, "column-not-enum",
                [DbObject("column", schema, f"{col.table}.{col.column}"), _type(*key)],
                f"Column {schema}.{col.table}.{col.column} is {found.type_sql} in the "
                f"database, but the model declares it as the native enum {key[0]}.{key[1]} "
                "(e.g. created with native_enum=False): casts to the enum type and "
                "enum comparisons fail.",
                f"Convert it in a revision (rewrites the table, under a lock_timeout): "
                f"op.check_to_enum({_py(col.table)}, {_py(col.column)}, {_py(key[1])}, "
                f"[{labels}], schema={_py(schema)}, type_schema={_py(key[0])}"
                + (", create_type=False" if exists else "")
                + (f", existing_length={length}" if length else "")
                + "); or declare the column as it is (native_enum=False) in the model.",
            )

    # -- unused types -------------------------------------------------------------------
    def unused(self) -> None:
        declared = {self.expected_key(m) for m in self.expected}
        for key, found in sorted(self.enums.items()):
            if self.used(key) or key in declared:
                continue
            self.add(
                Severity.WARNING, "unused-type", [_type(*key)],
                f"Enum {key[0]}.{key[1]} ({_labels(found.labels)}) is used by no column, "
                "domain, function or other object (e.g. left behind by drop_all()).",
                f"Drop it in a revision: op.enum_drop({_py(key[1])}, schema={_py(key[0])}) "
                f"(DROP TYPE {_sql_qualified(*key)}; no CASCADE needed), or keep it if "
                "something outside the database needs it.",
            )

    # -- columns whose type lives in another schema -----------------------------------
    def cross_schema(self) -> None:
        for key in sorted(self.swaps):
            for d in self.table_columns(key):
                if d.schema == key[0]:
                    continue
                self.add(
                    Severity.WARNING, "cross-schema-column",
                    [DbObject("column", d.schema, f"{d.relation}.{d.column}"), _type(*key)],
                    f"Column {_column_label(d)} (schema {d.schema}) uses enum "
                    f"{key[0]}.{key[1]} from another schema: create_all(), drop_all() and "
                    "unqualified SQL easily pick or create a copy in the wrong schema.",
                    "Declare the schema explicitly in the model "
                    f"(sa.Enum(..., name={_py(key[1])}, schema={_py(key[0])})), or move the "
                    f"type next to its table with op.enum_set_schema({_py(key[1])}, "
                    f"{_py(d.schema or '')}, schema={_py(key[0])}) if nothing else uses it.",
                )

    # -- what a swap must handle ------------------------------------------------------
    def swap_dependents(self) -> None:
        """What a swap of each type would block on or carry over: the swap engine's own
        description (``describe`` mode), so this can never disagree with the swap."""
        for key, swap in sorted(self.swaps.items()):
            qname = f"{key[0]}.{key[1]}"
            # a generation expression is reported with its generated column
            blocking = [b for b in swap.blockers
                        if b.object.kind != "generation_expression"]
            rewritten = list(swap.recreated) + [
                c.object for c in swap.columns
                if c.is_table_column and c.converted and c.object.via_array
            ]
            if blocking:
                self.add(
                    Severity.WARNING, "swap-blocked",
                    [_type(*key)] + [_dependent_object(b.object) for b in blocking],
                    f"A swap of {qname} (removing or reordering labels) is blocked by: "
                    + ", ".join(_blocker_text(b) for b in blocking)
                    + ". op.enum_swap refuses to touch them; DROP TYPE fails while they "
                    "exist.",
                    "In the revision, drop these objects before op.enum_swap(...) and "
                    "recreate them after it"
                    + ("; a partition-key, generated or distribution column cannot "
                       "change type: rebuild that table (undistribute_table() for a "
                       "distribution column) or keep the labels"
                       if any(b.reason in ("partition_key", "generated",
                                           "distribution_column") for b in blocking)
                       else "")
                    + "; adding labels (op.enum_add_value) and renaming them "
                    "(op.enum_rename_value) are not blocked.",
                )
            if rewritten:
                tables = sorted({f"{d.schema}.{d.relation}" for d in self.table_columns(key)})
                self.add(
                    Severity.INFO, "swap-rewrites",
                    [_type(*key)] + [_dependent_object(d) for d in rewritten],
                    f"A swap of {qname} must drop and recreate or convert: "
                    + ", ".join(str(_dependent_object(d)) for d in rewritten)
                    + f"; it rewrites {len(tables)} table(s) under ACCESS EXCLUSIVE"
                    + (f" ({', '.join(tables)})" if tables else "") + ".",
                    "Nothing to do for op.enum_swap, which carries them over under a "
                    "lock_timeout; a hand-written v2 swap must drop and recreate each one "
                    "(views: 'cannot alter type of a column used by a view', defaults and "
                    "CHECKs: 'operator does not exist').",
                )


