"""The changes measured and what each tool writes in its revision for them.

* ``ours``: the operations of alembic-enum-ops, as a user writes them.
* ``peer``: alembic-postgresql-enum's operations exactly as its autogenerate renders them
  (``add_enum_value``, ``sync_enum_values``); for a rename the user fills in
  ``enum_values_to_rename``, as its README says.  It has nothing for VARCHAR + CHECK.
* ``hand``: the recipe from the user's research (BRIEF §1): ``ADD VALUE`` in an
  autocommit block, ``RENAME VALUE``, the v2 swap (create ``name_v2``, ``ALTER COLUMN
  ... USING col::text::name_v2``, drop, rename) in the migration transaction, and for
  CHECK a plain drop + ``create_check_constraint`` (validated at once); for the
  conversions, ``ALTER COLUMN ... TYPE`` with a validated CHECK added or dropped.
* ``online``: the same operations of alembic-enum-ops with ``online=True`` (shadow
  column, sync trigger, batched backfill, concurrent indexes, short cut-over), for the
  changes that rewrite a table: removing a value and the two conversions.  The removal
  names ``replace_with='pending'`` (no row holds the removed label, so the data is the
  same as the rewrite's; the trigger maps writes of it).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from . import db

TOOLS = ("ours", "peer", "hand", "online")


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


def _expect_check(
    expected: tuple[str, ...], table: str = db.CHECK_TABLE, column_type: str | None = None
) -> Callable[[str, str], tuple[bool, str]]:
    def verify(dsn: str, dbname: str) -> tuple[bool, str]:
        if column_type is not None:
            have = db.column_type(dsn, dbname, table)
            if have != column_type:
                return False, f"status is {have}"
        constraints = db.check_constraints(dsn, dbname, table)
        if len(constraints) != 1:
            return False, f"{len(constraints)} CHECK constraints"
        name, definition, validated = constraints[0]
        labels = set(re.findall(r"'([^']*)'", definition))
        ok = validated and labels == set(expected)
        return ok, f"{name} validated={validated} {sorted(labels)}"

    return verify


def _expect_enum_column(
    table: str, type_name: str, expected: list[str]
) -> Callable[[str, str], tuple[bool, str]]:
    def verify(dsn: str, dbname: str) -> tuple[bool, str]:
        have_type = db.column_type(dsn, dbname, table)
        labels = db.enum_labels(dsn, dbname, type_name)
        checks = db.check_constraints(dsn, dbname, table)
        ok = have_type == f"{db.SCHEMA}.{type_name}" and labels == expected and not checks
        return ok, f"{have_type} [{','.join(labels)}] {len(checks)} CHECKs"

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
            "online": (
                f"op.enum_remove_value({E!r}, 'obsolete', schema={S!r}, "
                f"replace_with='pending', old_values=[{_q(INITIAL)}], online=True)"
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


def _enum_to_check() -> Change:
    condition = "status IN (" + ", ".join(f"'{x}'" for x in INITIAL) + ")"
    call = (
        f"op.enum_to_check({T!r}, 'status', schema={S!r}, type_name={E!r}, "
        f"values=[{_q(INITIAL)}], constraint_name='ck_queue_status', length=32"
    )
    return Change(
        key="enum_to_check",
        title="convert an enum column to VARCHAR + CHECK",
        table=T,
        revisions={
            "ours": call + ")",
            "online": call + ", online=True)",
            "peer": None,
            "hand": "\n".join(
                [
                    f"op.execute(\"ALTER TABLE {S}.{T} ALTER COLUMN status TYPE varchar(32) "
                    "USING status::text\")",
                    f"op.execute(\"ALTER TABLE {S}.{T} ADD CONSTRAINT ck_queue_status "
                    f"CHECK ({condition})\")",
                    f"op.execute(\"DROP TYPE {TYPE}\")",
                ]
            ),
        },
        imports={},
        verify=_expect_check(tuple(INITIAL), T, "character varying(32)"),
    )


def _check_to_enum() -> Change:
    name = db.CHECK_ENUM
    labels = list(db.CHECK_INITIAL)
    call = (
        f"op.check_to_enum({db.CHECK_TABLE!r}, 'status', {name!r}, [{_q(labels)}], "
        f"schema={S!r}, constraint_name={db.CHECK_CONSTRAINT!r}"
    )
    return Change(
        key="check_to_enum",
        title="convert a VARCHAR + CHECK column to an enum",
        table=db.CHECK_TABLE,
        revisions={
            "ours": call + ")",
            "online": call + ", online=True)",
            "peer": None,
            "hand": "\n".join(
                [
                    f"op.execute(\"CREATE TYPE {S}.{name} AS ENUM ({_q(labels)})\")",
                    f"op.drop_constraint({db.CHECK_CONSTRAINT!r}, {db.CHECK_TABLE!r}, "
                    f"schema={S!r}, type_='check')",
                    f"op.execute(\"ALTER TABLE {S}.{db.CHECK_TABLE} ALTER COLUMN status TYPE "
                    f"{S}.{name} USING status::{S}.{name}\")",
                ]
            ),
        },
        imports={},
        verify=_expect_enum_column(db.CHECK_TABLE, name, labels),
    )


CHANGES: tuple[Change, ...] = (
    _added(), _middle(), _renamed(), _removed(), _check_set(), _enum_to_check(),
    _check_to_enum(),
)
CHANGE_KEYS = tuple(c.key for c in CHANGES)


def tool_import(tool: str) -> str:
    return {
        "ours": "import alembic_enum_ops  # registers the operations (and comparators)",
        "online": "import alembic_enum_ops  # registers the operations (and comparators)",
        "peer": "import alembic_postgresql_enum  # registers its operations and comparator",
        "hand": "",
        "vanilla": "",
    }[tool]
