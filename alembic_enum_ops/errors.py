"""Exceptions raised by alembic-enum-ops.

Every error a user can meet subclasses :class:`EnumOpsError`, so a deploy script can
catch them in one place.  Input errors also subclass :class:`ValueError`, because that
is what they are: the call was wrong, nothing was sent to the database.

The names of 0.1 without the ``Error`` suffix (``InvalidEnumInput``,
``LockTimeoutExhausted``) still work: they are the same classes, and using them warns
(:class:`DeprecationWarning`).
"""

from __future__ import annotations

import warnings


class EnumOpsError(Exception):
    """Base class of every alembic-enum-ops error."""


class InvalidEnumInputError(EnumOpsError, ValueError):
    """Bad arguments to an operation, detected before any SQL is sent."""


class UnsafeOperationError(EnumOpsError):
    """The operation would lose data or break a dependent object, so it refused.

    Raised before the operation changes anything.  The message names every schema,
    table, column, value and row count involved, and what to do instead; when steps
    of the revision that ran before it are already committed (``ADD VALUE``...), it
    names them too: they stay.
    """


class LockTimeoutExhaustedError(EnumOpsError):
    """A statement kept hitting ``lock_timeout`` (SQLSTATE 55P03) after every retry."""


class EnumStateError(EnumOpsError):
    """The database is not in the state the operation expects (missing type, label...)."""


class StatementFailedError(EnumOpsError):
    """A statement an operation sent failed on the server, and it is not one of our
    refusals (e.g. an error inside the swap engine, a ``statement_timeout``).

    The message names the step and gives the server's message, detail, hint and
    context once; the statement itself is not repeated (``alembic upgrade --sql``
    prints it).  ``sqlstate`` is the server's code; ``orig`` the driver's exception.
    """

    def __init__(
        self, message: str, *, sqlstate: str | None = None, orig: BaseException | None = None
    ) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate
        self.orig = orig


DEPRECATED_NAMES = {
    "InvalidEnumInput": InvalidEnumInputError,
    "LockTimeoutExhausted": LockTimeoutExhaustedError,
}
"""Old name -> class, for modules that re-export these errors."""


def deprecated_name(module: str, name: str) -> type[EnumOpsError]:
    """The class an old name stands for, with a :class:`DeprecationWarning`; raises
    ``AttributeError`` for any other name (for a module's ``__getattr__``)."""
    try:
        cls = DEPRECATED_NAMES[name]
    except KeyError:
        raise AttributeError(f"module {module!r} has no attribute {name!r}") from None
    warnings.warn(
        f"{module}.{name} is deprecated; use {cls.__name__}",
        DeprecationWarning,
        stacklevel=3,
    )
    return cls


def __getattr__(name: str) -> type[EnumOpsError]:
    return deprecated_name(__name__, name)
