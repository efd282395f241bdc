"""SQL text to statements: bind parameters, PostgreSQL's grammar, syntax errors.

The text goes to pglast as the server would receive it (SQLAlchemy's ``:name``
parameters neutralized first, without moving any offset), each statement is found
where its first token is, and a syntax error is placed on the character it names.
"""

from __future__ import annotations

import re

import pglast
from pglast import ast
from pglast.parser import ParseError

from .extraction import facts
from .facts import Statement
from .mentions import Mentions


class SqlSyntaxError(Exception):
    """The text is not valid SQL for PostgreSQL's grammar."""

    def __init__(self, message: str, offset: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


# SQLAlchemy's own pattern for ":name" parameters in text() (sqlalchemy.sql.elements):
# Alembic's op.execute("...") wraps a string in text(), so ":name" is a parameter at
# run time and must not reach the SQL parser as such.
_BIND = re.compile(r"(?<![:\w\x5c]):(\w+)(?!:)", re.UNICODE)


def neutralize_binds(text: str) -> str:
    """Replace ``:name`` parameters by ``$1`` padded to the same length (so every
    offset still points at the same character), and ``\\:`` escapes by `` :``."""

    def placeholder(match: re.Match[str]) -> str:
        return "$1".ljust(len(match.group(0)))

    return _BIND.sub(placeholder, text).replace("\\:", " :")


def parse(text: str, *, bind_params: bool = True) -> list[Statement]:
    """The statements of ``text``; :class:`SqlSyntaxError` when PostgreSQL would reject it.

    ``bind_params``: the text goes through SQLAlchemy's ``text()`` (``op.execute``,
    ``connection.execute(text(...))``), so ``:name`` is a parameter.
    """
    source = neutralize_binds(text) if bind_params else text
    if "\x00" in source:  # libpg_query would stop there; the server refuses it
        raise SqlSyntaxError("the text contains a NUL character", source.index("\x00"))
    try:
        raw = pglast.parse_sql(source)
    except ParseError as exc:
        message, offset = (*exc.args, None)[:2]
        where = _error_offset(source, str(message), offset if isinstance(offset, int) else None)
        raise SqlSyntaxError(str(message), where) from None
    except (ValueError, RecursionError) as exc:  # e.g. a NUL character in the text
        raise SqlSyntaxError(str(exc), None) from None
    return [_statement(item, source) for item in raw]


_LEADING = re.compile(r"(?:\s+|--[^\n]*(?:\n|$)|/\*.*?\*/)*", re.S)


_NEAR = re.compile(r'at or near "(?P<token>.*)"$')


def _error_offset(text: str, message: str, reported: int | None) -> int | None:
    """The character offset of a syntax error.  Releases of pglast before 8.8 count
    multi-byte characters wrongly, so the token the message names ("at or near X") is
    looked up around the reported offset; "at end of input" is the end of the text."""
    if reported is None:
        return len(text.rstrip()) if message.endswith("end of input") else None
    near = _NEAR.search(message)
    if near is None or not near.group("token"):
        return min(reported, len(text))
    token = near.group("token")
    found = [m.start() for m in re.finditer(re.escape(token), text)]
    return min(found, key=lambda at: abs(at - reported)) if found else min(reported, len(text))


def _statement(raw: ast.RawStmt, text: str) -> Statement:
    node = raw.stmt
    # where the statement's first token is (older pglast releases point at the end of
    # the previous statement, before whitespace and comments)
    start = raw.stmt_location or 0
    skipped = _LEADING.match(text, start)
    offset = skipped.end() if skipped else start
    mentions = Mentions(offset, text)
    mentions.walk(node)
    return Statement(
        offset=offset,
        kind=type(node).__name__,
        facts=tuple(facts(node)),
        type_refs=tuple(mentions.type_refs),
        strings=tuple(mentions.strings),
    )
