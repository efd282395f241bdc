"""doctor's checks of the model against the catalog: each enum of the metadata --
its schema, labels and columns -- and, when the mismatch is the model's (member names
persisted instead of values, a missing ``schema=``), the model change as the first
fix."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..catalog import (
    EnumDependent,
    EnumType,
)
from .report import DbObject, ExpectedEnum, Severity
from .state import AnalysisState
from .wording import (
    VALUES_CALLABLE,
    drift,
    labels_text,
    py_str,
    sentence,
    sql_ident,
    sql_qualified,
    type_object,
)


class ModelChecks(AnalysisState):
    """The checks that compare the metadata's enums with the catalog."""

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
        args = [f"name={py_str(model.name)}"]
        if schema is not None:
            args.append(f"schema={py_str(schema)}")
        if values:
            args.append(VALUES_CALLABLE)
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
                    f"op.enum_set_schema({py_str(name)}, {py_str(schema)}, "
                    f"schema={py_str(first.schema)}) (ALTER TYPE "
                    f"{sql_qualified(first.schema, name)} SET SCHEMA {sql_ident(schema)})"
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
                        + move.replace(f"schema={py_str(first.schema)}",
                                       f"schema={py_str(own.schema)}")
                        .replace(sql_qualified(first.schema, name),
                                 sql_qualified(own.schema, name))
                    )
                else:
                    fix = (
                        f"Move it in a revision: {move}; `alembic revision --autogenerate` "
                        "emits it. If the model is wrong, set "
                        f"sa.Enum(..., schema={py_str(first.schema)}) instead"
                    )
                self.add(
                    Severity.ERROR, "type-wrong-schema",
                    [type_object(schema, name)] + [type_object(e.schema, name) for e in elsewhere],
                    message, sentence(fix),
                )
            else:
                self.add(
                    Severity.ERROR, "type-missing", [type_object(schema, name)],
                    f"The metadata expects enum {schema}.{name} "
                    f"({labels_text(model.labels)}), but no type of that name exists in "
                    "any schema.",
                    "Create it with a migration: `alembic revision --autogenerate` emits "
                    f"op.enum_create({py_str(name)}, [...], schema={py_str(schema)}); then run "
                    "`alembic upgrade head`.",
                )
            return
        self.model_labels(model, found)
        self.model_columns(model, key)

    def model_labels(self, model: ExpectedEnum, found: EnumType) -> None:
        db, want = found.labels, model.labels
        if db == want:
            return
        obj = [type_object(found.schema, found.name)]
        qname = f"{found.schema}.{found.name}"
        names, values = model.member_names, model.member_values
        if (model.persists_values and names is not None and db == names
                and names != want):
            renames = "; ".join(
                f"op.enum_rename_value({py_str(found.name)}, {py_str(old)}, {py_str(new)}, "
                f"schema={py_str(found.schema)})"
                for old, new in zip(names, want, strict=True) if old != new
            )
            self.add(
                Severity.ERROR, "labels-are-member-names", obj,
                f"Enum {qname} holds the Python enum's member NAMES ({labels_text(db)}), but "
                f"the model persists its VALUES ({labels_text(want)}) through values_callable: "
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
                f"Enum {qname} holds the Python enum's member VALUES ({labels_text(db)}), but "
                f"the model persists its member NAMES ({labels_text(want)}): SQLAlchemy stores "
                "names unless values_callable is set (the values_callable pitfall).",
                "Add values_callable=lambda e: [m.value for m in e] to the model's "
                "sa.Enum(...) so SQLAlchemy sends the values the database holds.",
            )
            return
        if values is not None and self.values_pitfall(model, db):
            details, then = drift(found, values)
            self.add(
                Severity.ERROR, "labels-are-member-values", obj,
                f"Enum {qname} holds the Python enum's member VALUES ({labels_text(db)}), but "
                f"the model persists its member NAMES ({labels_text(want)}): SQLAlchemy stores "
                "names unless values_callable is set (the values_callable pitfall). "
                f"Against the member values the labels still differ: {details}.",
                f"Add {VALUES_CALLABLE} to the model's sa.Enum(...) so SQLAlchemy sends "
                f"the values the database holds; then {then[0].lower()}{then[1:]}",
            )
            return
        details, fix = drift(found, want)
        self.add(
            Severity.ERROR, "label-drift", obj,
            f"Enum {qname} has labels ({labels_text(db)}) but the model has ({labels_text(want)}): "
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
            target = sql_qualified(*key)
            cast = f"{sql_ident(col.column)}::text::{target}"
            if dep.via_array:
                cast = f"{sql_ident(col.column)}::text[]::{target}[]"
            convert = (
                f"ALTER TABLE {sql_qualified(schema or '', col.table)} ALTER COLUMN "
                f"{sql_ident(col.column)} TYPE {target}{'[]' if dep.via_array else ''} "
                f"USING {cast}; then drop the unused copy"
            )
            used = self.enums.get(dep.type_key)
            target_labels = self.enums[key].labels if key in self.enums else ()
            lacking = [x for x in used.labels if x not in target_labels] if used else []
            if lacking:
                convert += (
                    f" (it fails while rows hold {labels_text(lacking)}, which "
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
                 type_object(dep.type_schema, dep.type_name), type_object(*key)],
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
            labels = ", ".join(py_str(x) for x in model.labels)
            # varchar(n): the downgrade restores it (check_to_enum's existing_length)
            sized = re.fullmatch(r"character varying\((\d+)\)", found.type_sql)
            length = int(sized.group(1)) if sized else None
            self.add(
                Severity.ERROR, "column-not-enum",
                [DbObject("column", schema, f"{col.table}.{col.column}"), type_object(*key)],
                f"Column {schema}.{col.table}.{col.column} is {found.type_sql} in the "
                f"database, but the model declares it as the native enum {key[0]}.{key[1]} "
                "(e.g. created with native_enum=False): casts to the enum type and "
                "enum comparisons fail.",
                f"Convert it in a revision (rewrites the table, under a lock_timeout): "
                f"op.check_to_enum({py_str(col.table)}, {py_str(col.column)}, {py_str(key[1])}, "
                f"[{labels}], schema={py_str(schema)}, type_schema={py_str(key[0])}"
                + (", create_type=False" if exists else "")
                + (f", existing_length={length}" if length else "")
                + "); or declare the column as it is (native_enum=False) in the model.",
            )
