"""Exceptions raised by alembic-enum-ops.

Every error a user can meet subclasses :class:`EnumOpsError`, so a deploy script can
catch them in one place.  Input errors also subclass :class:`ValueError`, because that
is what they are: the call was wrong, nothing was sent to the database.
"""

from __future__ import annotations


class EnumOpsError(Exception):
    """Base class of every alembic-enum-ops error."""


class InvalidEnumInput(EnumOpsError, ValueError):
    """Bad arguments to an operation, detected before any SQL is sent."""


class UnsafeOperationError(EnumOpsError):
    """The operation would lose data or break a dependent object, so it refused.

    Raised before anything is changed.  The message names every schema, table, column,
    value and row count involved, and what to do instead.
    """


class LockTimeoutExhausted(EnumOpsError):
    """A statement kept hitting ``lock_timeout`` (SQLSTATE 55P03) after every retry."""


class EnumStateError(EnumOpsError):
    """The database is not in the state the operation expects (missing type, label...)."""
