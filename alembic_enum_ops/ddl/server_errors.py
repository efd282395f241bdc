"""What a server error says, whatever the driver, and the engine's refusals as our
exceptions.

Our server-side blocks refuse with their own SQLSTATEs: ``EO001`` (the operation would
lose data or break a dependent) and ``EO002`` (the database is not in the state the
operation expects); ``EO003`` carries a preview or a description back (a JSON detail).
"""

from __future__ import annotations

from ..errors import EnumOpsError, EnumStateError, StatementFailedError, UnsafeOperationError

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


CONTEXT_LINES = 4
"""How much of the server's CONTEXT a failed statement's error shows (where in a
PL/pgSQL block, and the inner statement that failed)."""

CONTEXT_LINE_CHARS = 300


def server_context(exc: BaseException) -> str | None:
    """The first lines of the server's CONTEXT (psycopg, psycopg2, asyncpg), shortened."""
    orig = getattr(exc, "orig", exc)
    diag = getattr(orig, "diag", None)
    text = getattr(diag, "context", None) if diag is not None else getattr(
        getattr(orig, "__cause__", None), "context", None
    )
    if not isinstance(text, str) or not text.strip():
        return None
    lines = [
        line if len(line) <= CONTEXT_LINE_CHARS else line[: CONTEXT_LINE_CHARS - 3] + "..."
        for line in text.strip().splitlines()
    ]
    if len(lines) > CONTEXT_LINES:
        lines = [*lines[:CONTEXT_LINES], f"... ({len(lines) - CONTEXT_LINES} more line(s))"]
    return "\n".join(lines)


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


def refusal(
    sqlstate: str | None, message: str, hint: str | None = None
) -> EnumOpsError | None:
    """Our exception for a refusal of ours (``EO001``/``EO002``), or None."""
    text = "\n".join(p for p in (message, hint) if p)
    if sqlstate == SQLSTATE_UNSAFE:
        return UnsafeOperationError(text)
    if sqlstate == SQLSTATE_STATE:
        return EnumStateError(text)
    return None


def statement_error(exc: BaseException, description: str) -> EnumOpsError:
    """Our exception for a server error one of our statements met: the engine's
    refusals as :func:`refusal` gives them, anything else a
    :class:`~alembic_enum_ops.errors.StatementFailedError` naming the step
    (``description``) with the server's message, detail, hint and context, and never
    the statement (the swap engine is hundreds of lines).  Raise it ``from None``."""
    sqlstate = sqlstate_of(exc)
    message, detail, hint = server_error_parts(exc)
    error = refusal(sqlstate, "\n".join(p for p in (message, detail, hint) if p))
    if error is not None:
        return error
    lines = [f"alembic_enum_ops: {description}: the server refused a statement "
             f"(SQLSTATE {sqlstate or 'unknown'}): {message}"]
    lines.extend(f"{label}: {text}" for label, text in (
        ("DETAIL", detail), ("HINT", hint), ("CONTEXT", server_context(exc))
    ) if text)
    lines.append("(The statement is not repeated here: `alembic upgrade --sql` prints it.)")
    return StatementFailedError(
        "\n".join(lines), sqlstate=sqlstate, orig=getattr(exc, "orig", exc)
    )
