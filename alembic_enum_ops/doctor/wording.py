"""The words of doctor's findings: how an object, a blocker, a label list or a label
drift is written, and the Python and SQL lines a fix suggests.  Kept apart from the
checks so that every finding says the same thing the same way."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..catalog import (
    EnumDependent,
    EnumType,
)
from ..ddl import sqltext
from ..ddl.swap_preview import Blocker
from .report import DbObject

VALUES_CALLABLE = "values_callable=lambda e: [m.value for m in e]"

KIND_LABEL = {
    "view_column": "view",
    "matview_column": "materialized_view",
    "composite_attribute": "composite_type",
    "foreign_column": "foreign_table_column",
}


def type_object(schema: str, name: str) -> DbObject:
    return DbObject("type", schema, name)


def py_str(value: str) -> str:
    """A Python string literal for a fix line (repr, double quotes when possible)."""
    text = repr(value)
    if text.startswith("'") and '"' not in value:
        text = '"' + text[1:-1].replace("\\'", "'") + '"'
    return text


def sql_ident(name: str) -> str:
    """Identifier as it must appear in a suggested SQL line (quoted when needed)."""
    return sqltext.ident(sqltext.default_dialect(), name)


def sql_qualified(schema: str, name: str) -> str:
    return sqltext.qualified(sqltext.default_dialect(), schema, name)


def sentence(text: str) -> str:
    return text + ("" if text.endswith(".") else ".")


def labels_text(labels: Iterable[str]) -> str:
    return ", ".join(repr(x) for x in labels)


def dependent_object(dep: EnumDependent) -> DbObject:
    kind = KIND_LABEL.get(dep.kind, dep.kind)
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


REASONS = {
    "casts": "its body casts to the type",
    "partition_key": "in the partition key: its type cannot change",
    "generated": "a generated column",
    "distribution_column": "the table's Citus distribution column: its type cannot change",
}


def blocker_text(blocker: Blocker) -> str:
    text = str(dependent_object(blocker.object))
    reason = REASONS.get(blocker.reason)
    return f"{text} ({reason})" if reason else text


def column_label(dep: EnumDependent) -> str:
    return f"{dep.schema}.{dep.relation}.{dep.column}" + ("[]" if dep.via_array else "")


def drift(found: EnumType, want: Sequence[str]) -> tuple[str, str]:
    """How ``found``'s labels differ from ``want``, and the revision that fixes it."""
    db = found.labels
    missing = [x for x in want if x not in db]
    extra = [x for x in db if x not in want]
    details = []
    if missing:
        details.append(f"missing in the database: {labels_text(missing)}")
    if extra:
        details.append(f"not in the model: {labels_text(extra)}")
    if not missing and not extra:
        details.append("same labels in another order")
    if extra or (not missing):
        fix = (
            f"In a revision: op.enum_swap({py_str(found.name)}, "
            f"[{', '.join(py_str(x) for x in want)}], "
            f"schema={py_str(found.schema)}"
            + (", mapping={...}" if extra else "")
            + ") (`alembic revision --autogenerate` writes it; map or rename labels "
            "that rows still hold)"
        )
    else:
        fix = "In a revision: " + "; ".join(
            f"op.enum_add_value({py_str(found.name)}, {py_str(x)}, schema={py_str(found.schema)}"
            + (f", after={py_str(want[want.index(x) - 1])}" if want.index(x) > 0 else "")
            + ")"
            for x in missing
        ) + " (`alembic revision --autogenerate` writes them)"
    return "; ".join(details), sentence(fix)
