"""The facts a SQL statement is reduced to: the vocabulary the rules read.

Each fact is small and frozen and says what PostgreSQL will do (drop a type, add a
label, rewrite a table, set a timeout), not how the parse tree spelled it, so the
rules in :mod:`..checks` do not depend on pglast's node classes, which change between
its major versions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ZERO = re.compile(r"^0+(\.0*)?\s*(us|ms|s|min|h|d)?$")


@dataclass(frozen=True)
class QName:
    """A possibly schema-qualified name as written (``schema`` None: unqualified)."""

    schema: str | None
    name: str

    def __str__(self) -> str:
        return f"{self.schema}.{self.name}" if self.schema else self.name


@dataclass(frozen=True)
class DropType:
    """``DROP TYPE`` / ``DROP DOMAIN`` of one or more names."""

    names: tuple[QName, ...]
    cascade: bool
    if_exists: bool
    domain: bool


@dataclass(frozen=True)
class CreateEnum:
    """``CREATE TYPE ... AS ENUM (...)``."""

    type: QName
    labels: tuple[str, ...]


@dataclass(frozen=True)
class AddValue:
    """``ALTER TYPE ... ADD VALUE [IF NOT EXISTS] ... [BEFORE|AFTER ...]``."""

    type: QName
    label: str
    neighbor: str | None
    after: bool
    if_not_exists: bool


@dataclass(frozen=True)
class RenameValue:
    """``ALTER TYPE ... RENAME VALUE old TO new``."""

    type: QName
    old: str
    new: str


@dataclass(frozen=True)
class RenameType:
    """``ALTER TYPE ... RENAME TO new_name``."""

    type: QName
    new_name: str


@dataclass(frozen=True)
class SetTypeSchema:
    """``ALTER TYPE ... SET SCHEMA new_schema``."""

    type: QName
    new_schema: str


@dataclass(frozen=True)
class AlterColumnType:
    """``ALTER TABLE t ALTER COLUMN c TYPE x [USING ...]``: a rewrite of ``t``."""

    table: QName
    column: str
    type: QName
    array: bool
    using: str | None
    """The USING expression as written (None: no USING)."""
    via_text: bool
    """USING casts through text (``c::text::x``): the v2 swap's signature."""


@dataclass(frozen=True)
class TableRewrite:
    """A statement other than ALTER COLUMN TYPE that rewrites (or copies) a table."""

    table: QName
    what: str


@dataclass(frozen=True)
class AddCheck:
    """``ALTER TABLE ... ADD CONSTRAINT ... CHECK (...) [NOT VALID]``."""

    table: QName
    name: str | None
    not_valid: bool


@dataclass(frozen=True)
class ValidateConstraint:
    """``ALTER TABLE ... VALIDATE CONSTRAINT name``."""

    table: QName
    name: str


@dataclass(frozen=True)
class CreateTable:
    """``CREATE TABLE``: the table is empty for the rest of the revision."""

    table: QName


@dataclass(frozen=True)
class Setting:
    """``SET [LOCAL] name ...``, ``RESET name`` or ``set_config(name, value, is_local)``."""

    name: str
    value: str | None
    """None for RESET / SET ... TO DEFAULT."""
    local: bool

    @property
    def enabled(self) -> bool:
        """For a timeout: a value other than 0 (which disables it)."""
        return self.value is not None and not _ZERO.match(self.value.strip().lower())


@dataclass(frozen=True)
class TransactionControl:
    """``COMMIT``, ``BEGIN``, ``ROLLBACK`` or ``PREPARE TRANSACTION`` sent as SQL."""

    verb: str  # COMMIT, BEGIN, ROLLBACK, PREPARE TRANSACTION


@dataclass(frozen=True)
class CatalogEdit:
    """``INSERT``/``UPDATE``/``DELETE``/``MERGE`` on a system catalog (``pg_enum``)."""

    verb: str  # INSERT, UPDATE, DELETE, MERGE
    relation: str


Fact = (
    DropType | CreateEnum | AddValue | RenameValue | RenameType | SetTypeSchema
    | AlterColumnType | TableRewrite | AddCheck | ValidateConstraint | CreateTable
    | Setting | TransactionControl | CatalogEdit
)


@dataclass(frozen=True)
class TypeRef:
    """A type named in an expression or a column definition (not in ALTER/DROP TYPE)."""

    type: QName
    offset: int
    cast: bool


@dataclass(frozen=True)
class StringUse:
    """A string literal, and the type it is cast to when written ``'x'::t``."""

    value: str
    offset: int
    cast_to: QName | None


@dataclass(frozen=True)
class Statement:
    """One statement of a SQL text: its facts and what it mentions."""

    offset: int
    """Character offset of the statement in the text."""
    kind: str
    """The parse node's class, e.g. ``UpdateStmt``."""
    facts: tuple[Fact, ...]
    type_refs: tuple[TypeRef, ...]
    strings: tuple[StringUse, ...]

    @property
    def defines_labels(self) -> bool:
        """Statements whose string literals are labels being defined, not values used."""
        return self.kind in {"AlterEnumStmt", "CreateEnumStmt", "CommentStmt"}

