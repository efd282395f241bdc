"""What a server error says, whatever the driver, and the engine's refusals as our
exceptions.

Our server-side blocks refuse with their own SQLSTATEs: ``EO001`` (the operation would
lose data or break a dependent) and ``EO002`` (the database is not in the state the
operation expects); ``EO003`` carries a preview or a description back (a JSON detail).
"""

from __future__ import annotations

from ..errors import EnumStateError, UnsafeOperationError

SQLSTATE_UNSAFE = "EO001"
"""Raised by the engine when the swap would lose data or break a dependent."""

SQLSTATE_STATE = "EO002"
"""Raised by the engine when the database is not in the state the swap expects."""

SQLSTATE_PREVIEW = "EO003"
"""Raised by a preview or a description, its detail the JSON document it hands back."""

LOCK_NOT_AVAILABLE = "55P03"


def sqlstate_of(exc: BaseException) -> str | None:
    """The SQLSTATE of a DBAPI error, whatever the driver (psycopg, psycopg2, asyncpg)."""
    orig = getattr(exc, "orig", exc)
    for attr in ("sqlstate", "pgcode"):
        code = getattr(orig, attr, None)
        if isinstance(code, str):
            return code
    cause = getattr(orig, "__cause__", None)
    if cause is not None and cause is not orig:
        code = getattr(cause, "sqlstate", None)
        if isinstance(code, str):
            return code
    return None


def server_error_parts(exc: BaseException) -> tuple[str, str | None, str | None]:
    """Message, detail and hint of a server error, whatever the driver: psycopg and
    psycopg2 expose ``diag``; with asyncpg the server error is the adapted
    exception's cause."""
    orig = getattr(exc, "orig", exc)
    diag = getattr(orig, "diag", None)
    if diag is not None:
        return (diag.message_primary or str(orig), diag.message_detail, diag.message_hint)
    cause = getattr(orig, "__cause__", None)
    return (
        getattr(cause, "message", None) or str(orig),
        getattr(cause, "detail", None),
        getattr(cause, "hint", None),
    )


def refusal(sqlstate: str | None, message: str, hint: str | None = None) -> Exception | None:
    """Our exception for a refusal of ours (``EO001``/``EO002``), or None."""
    text = "\n".join(p for p in (message, hint) if p)
    if sqlstate == SQLSTATE_UNSAFE:
        return UnsafeOperationError(text)
    if sqlstate == SQLSTATE_STATE:
        return EnumStateError(text)
    return None


def engine_error(exc: BaseException, sqlstate: str | None) -> BaseException:
    """The engine's refusals (SQLSTATE ``EO001``/``EO002``) as our exceptions, with the
    server's message, detail and hint; any other error unchanged."""
    if sqlstate not in (SQLSTATE_UNSAFE, SQLSTATE_STATE):
        return exc
    message = "\n".join(p for p in server_error_parts(exc) if p)
    error = refusal(sqlstate, message)
    assert error is not None
    return error
