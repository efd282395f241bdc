"""The common shape of alembic-enum-ops operations and the checks their arguments share.

Each operation is a ``MigrateOperation`` registered on Alembic's ``Operations`` at import,
so ``op.enum_create(...)`` and friends exist as soon as ``alembic_enum_ops`` is
imported in ``env.py``.  Like Alembic's own operations, each knows its ``reverse()``
(autogenerate writes the downgrade from it) and its ``to_diff_tuple()`` (what
``alembic check`` and ``compare_metadata`` report).  Arguments are validated in the
constructors, so a bad call fails before any SQL is built, with a message naming the
type and the offending value.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from alembic.operations import MigrateOperation, Operations

from ..errors import InvalidEnumInputError
from ..validation import check_name, check_schema, qualified_label

OperationClass = TypeVar("OperationClass", bound=type[MigrateOperation])

_REGISTERED: dict[str, type[MigrateOperation]] = {}


def operation(name: str) -> Callable[[OperationClass], OperationClass]:
    """Class decorator: register the class as ``op.<name>`` on Alembic's ``Operations``
    (once, at import) and under ``name`` here, for :func:`operation_class`."""

    def register(cls: OperationClass) -> OperationClass:
        Operations.register_operation(name)(cls)
        _REGISTERED[name] = cls
        _NAMES[cls] = name
        return cls

    return register


_NAMES: dict[type[MigrateOperation], str] = {}


def operation_name(op: MigrateOperation) -> str:
    """The ``op.<name>`` an operation is called by in a revision."""
    return _NAMES[type(op)]



def operation_class(name: str) -> type[MigrateOperation]:
    """The class registered as ``op.<name>``: lets one family's ``reverse()`` build
    another family's operation without the two modules importing each other."""
    return _REGISTERED[name]


def label_for(schema: str | None, name: object) -> str:
    """``schema.name`` for messages, even before ``name`` is known to be a string."""
    return qualified_label(schema, name if isinstance(name, str) else repr(name))


class EnumOperation(MigrateOperation):
    """Common base: every enum operation targets one type ``schema.name``."""

    name: str
    schema: str | None

    @property
    def type_label(self) -> str:
        return qualified_label(self.schema, self.name)

    @property
    def described_target(self) -> str:
        """What the operation works on, for a reader (revision headers)."""
        return self.type_label



def check_values(values: object, *, where: str) -> tuple[str, ...]:
    """Values allowed by a CHECK: a non-empty list of distinct strings without NUL.

    Unlike enum labels they have no 63-byte limit (a CHECK compares text).
    """
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence | set | frozenset):
        raise InvalidEnumInputError(f"{where}: values must be a list of strings, got {values!r}")
    result: list[str] = []
    for value in values:
        if not isinstance(value, str):
            raise InvalidEnumInputError(
                f"{where}: values must be strings, got {value!r} ({type(value).__name__})"
            )
        if "\x00" in value:
            raise InvalidEnumInputError(f"{where}: value {value!r} contains a NUL byte")
        if value in result:
            raise InvalidEnumInputError(f"{where}: duplicate value {value!r}")
        result.append(value)
    if not result:
        raise InvalidEnumInputError(f"{where}: the list of values is empty")
    return tuple(result)


class CheckEnumOperation(MigrateOperation):
    """Common base: a text column ``schema.table.column`` whose values a CHECK limits."""

    table: str
    column: str
    schema: str | None
    constraint_name: str | None

    def _init_target(
        self, table: str, column: str, schema: str | None, constraint_name: str | None
    ) -> None:
        self.table = check_name(table, what="table name")
        self.column = check_name(column, what="column name")
        self.schema = check_schema(schema)
        self.constraint_name = (
            None
            if constraint_name is None
            else check_name(constraint_name, what="constraint name")
        )

    @property
    def column_label(self) -> str:
        table = f"{self.schema}.{self.table}" if self.schema else self.table
        return f"column {table}.{self.column}"

    @property
    def described_target(self) -> str:
        """What the operation works on, for a reader (revision headers)."""
        return f"{qualified_label(self.schema, self.table)}.{self.column}"




def check_length(
    column_label: str, what: str, length: int | None, values: Sequence[str] | None
) -> int | None:
    """``length`` (a ``varchar(n)`` size) when it is a positive integer that fits every
    value; a clear error otherwise."""
    if length is None:
        return None
    if isinstance(length, bool) or not isinstance(length, int) or length < 1:
        raise InvalidEnumInputError(
            f"{column_label}: {what} must be a positive integer, got {length!r}"
        )
    if values:
        longest = max(len(v) for v in values)
        if longest > length:
            raise InvalidEnumInputError(
                f"{column_label}: {what}={length} is shorter than the longest "
                f"value ({longest} characters)"
            )
    return length


