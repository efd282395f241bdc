"""The changes measured and what each tool writes in its revision for them.

* ``ours``: the operations of alembic-enum-ops, as a user writes them.
* ``peer``: alembic-postgresql-enum's operations exactly as its autogenerate renders them
  (``add_enum_value``, ``sync_enum_values``); for a rename the user fills in
  ``enum_values_to_rename``, as its README says.  It has nothing for VARCHAR + CHECK.
* ``hand``: the recipe from the user's research (BRIEF §1): ``ADD VALUE`` in an
  autocommit block, ``RENAME VALUE``, the v2 swap (create ``name_v2``, ``ALTER COLUMN
  ... USING col::text::name_v2``, drop, rename) in the migration transaction, and for
  CHECK a plain drop + ``create_check_constraint`` (validated at once).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from . import db

TOOLS = ("ours", "peer", "hand")


@dataclass(frozen=True)
class Change:
    key: str
    title: str
    table: str
    revisions: dict[str, str | None]  # tool -> upgrade body (None: the tool cannot)
    imports: dict[str, str]
    verify: Callable[[str, str], tuple[bool, str]]  # (dsn, dbname) -> (ok, what is there)


def _q(labels: tuple[str, ...] | list[str]) -> str:
    return ", ".join(repr(x) for x in labels)


def _expect_labels(expected: list[str]) -> Callable[[str, str], tuple[bool, str]]:
    def verify(dsn: str, dbname: str) -> tuple[bool, str]:
        have = db.enum_labels(dsn, dbname)
        return have == expected, ",".join(have)

    return verify


def _expect_check(expected: tuple[str, ...]) -> Callable[[str, str], tuple[bool, str]]:
    def verify(dsn: str, dbname: str) -> tuple[bool, str]:
        constraints = db.check_constraints(dsn, dbname)
        if len(constraints) != 1:
            return False, f"{len(constraints)} CHECK constraints"
        name, definition, validated = constraints[0]
        labels = set(re.findall(r"'([^']*)'", definition))
        ok = validated and labels == set(expected)
        return ok, f"{name} validated={validated} {sorted(labels)}"

    return verify


S, E, T = db.SCHEMA, db.ENUM, db.ENUM_TABLE
TYPE = f"{S}.{E}"
INITIAL = list(db.INITIAL_LABELS)
PEER_IMPORT = "from alembic_postgresql_enum import TableReference"
PEER_COLUMNS = (
    f"[TableReference(table_schema={S!r}, table_name={T!r}, column_name='status')]"
)


def _added() -> Change:
    expected = [*INITIAL, "archived"]
    return Change(
        key="add_value",
        title="add a value (append)",
        table=T,
        revisions={
            "ours": f"op.enum_add_value({E!r}, 'archived', schema={S!r})",
            "peer": f"op.add_enum_value(enum_schema={S!r}, enum_name={E!r}, new_value='archived')",
            "hand": (
                "with op.get_context().autocommit_block():\n"
                f"    op.execute(\"ALTER TYPE {TYPE} ADD VALUE IF NOT EXISTS 'archived'\")"
            ),
        },
        imports={},
        verify=_expect_labels(expected),
    )


def _middle() -> Change:
    expected = ["pending", "queued", "processing", "succeeded", "failed", "obsolete"]
    return Change(
        key="add_middle",
        title="add a value in the middle",
        table=T,
        revisions={
            "ours": f"op.enum_add_value({E!r}, 'queued', schema={S!r}, before='processing')",
            # as the peer's autogenerate renders it (it then emits AFTER 'processing')
            "peer": (
                f"op.add_enum_value(enum_schema={S!r}, enum_name={E!r}, new_value='queued', "
                "before_value='processing')"
            ),
            "hand": (
                "with op.get_context().autocommit_block():\n"
                f"    op.execute(\"ALTER TYPE {TYPE} ADD VALUE IF NOT EXISTS 'queued' "
                "AFTER 'pending'\")"
            ),
        },
        imports={},
        verify=_expect_labels(expected),
    )


def _renamed() -> Change:
    expected = ["pending", "processing", "succeeded", "errored", "obsolete"]
    return Change(
        key="rename_value",
        title="rename a value",
        table=T,
        revisions={
            "ours": f"op.enum_rename_value({E!r}, 'failed', 'errored', schema={S!r})",
            "peer": (
                f"op.sync_enum_values(enum_schema={S!r}, enum_name={E!r}, "
                f"new_values=[{_q(expected)}], affected_columns={PEER_COLUMNS}, "
                "enum_values_to_rename=[('failed', 'errored')])"
            ),
            "hand": f"op.execute(\"ALTER TYPE {TYPE} RENAME VALUE 'failed' TO 'errored'\")",
        },
        imports={"peer": PEER_IMPORT},
        verify=_expect_labels(expected),
    )


def _removed() -> Change:
    expected = ["pending", "processing", "succeeded", "failed"]
    v2 = f"{TYPE}_v2"
    return Change(
        key="remove_value",
        title="remove a value (swap)",
        table=T,
        revisions={
            "ours": (
                f"op.enum_remove_value({E!r}, 'obsolete', schema={S!r}, "
                f"old_values=[{_q(INITIAL)}])"
            ),
            "peer": (
                f"op.sync_enum_values(enum_schema={S!r}, enum_name={E!r}, "
                f"new_values=[{_q(expected)}], affected_columns={PEER_COLUMNS}, "
                "enum_values_to_rename=[])"
            ),
            "hand": "\n".join(
                [
                    f"op.execute(\"CREATE TYPE {v2} AS ENUM "
                    f"({', '.join(repr(x) for x in expected)})\")",
                    f"op.execute(\"ALTER TABLE {S}.{T} ALTER COLUMN status TYPE {v2} "
                    f"USING status::text::{v2}\")",
                    f"op.execute(\"DROP TYPE {TYPE}\")",
                    f"op.execute(\"ALTER TYPE {v2} RENAME TO {E}\")",
                ]
            ),
        },
        imports={"peer": PEER_IMPORT},
        verify=_expect_labels(expected),
    )


def _check_set() -> Change:
    target = db.CHECK_TARGET
    condition = "status IN (" + ", ".join(f"'{x}'" for x in target) + ")"
    return Change(
        key="check_set",
        title="change a VARCHAR + CHECK set",
        table=db.CHECK_TABLE,
        revisions={
            "ours": (
                f"op.check_enum_set_values({db.CHECK_TABLE!r}, 'status', [{_q(target)}], "
                f"schema={S!r}, constraint_name={db.CHECK_CONSTRAINT!r})"
            ),
            "peer": None,
            "hand": "\n".join(
                [
                    f"op.drop_constraint({db.CHECK_CONSTRAINT!r}, {db.CHECK_TABLE!r}, "
                    f"schema={S!r}, type_='check')",
                    f"op.create_check_constraint({db.CHECK_CONSTRAINT!r}, {db.CHECK_TABLE!r}, "
                    f"{condition!r}, schema={S!r})",
                ]
            ),
        },
        imports={},
        verify=_expect_check(target),
    )


CHANGES: tuple[Change, ...] = (_added(), _middle(), _renamed(), _removed(), _check_set())
CHANGE_KEYS = tuple(c.key for c in CHANGES)


def tool_import(tool: str) -> str:
    return {
        "ours": "import alembic_enum_ops  # registers the operations (and comparators)",
        "peer": "import alembic_postgresql_enum  # registers its operations and comparator",
        "hand": "",
        "vanilla": "",
    }[tool]
