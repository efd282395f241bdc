"""Hypothesis strategies for hostile names and labels.

Text is built from fragments: arbitrary unicode (no NUL, no surrogates — neither can
exist in a UTF-8 database) mixed with the tokens that break naive SQL building
(quotes, backslashes, dollar quotes, semicolons, comments, ``%`` and ``:name``
placeholders, keywords the identifier quoter might miss), sometimes repeated past
PostgreSQL's 63-byte limit.  Lists of fragments shrink to short, readable cases.
"""

from __future__ import annotations

from hypothesis import strategies as st

from alembic_enum_ops.validation import MAX_IDENTIFIER_BYTES

HOSTILE_FRAGMENTS = (
    "'",
    "''",
    '"',
    '""',
    "\\",
    "\\'",
    "$$",
    "$enum_ops$",
    "$1",
    ";",
    "--",
    "/*",
    "*/",
    "%",
    "%s",
    "%(x)s",
    "%%",
    ":name",
    ":1",
    "?",
    " ",
    "\t",
    "\n",
    "\r\n",
    "E'",
    "U&'",
    "\\x41",
    "'); DROP TABLE public.canary; --",
    "select",
    "SELECT",
    "lateral",
    "collation",
    "int",
    "user",
    "public",
    "é",
    "ß",
    "İ",
    "🚀",
    "\u200b",
    "\ufeff",
    "\u202e",
    "Ω",
)

_chars = st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",))

fragment = st.one_of(st.sampled_from(HOSTILE_FRAGMENTS), st.text(_chars, min_size=1, max_size=6))

hostile_text = st.one_of(
    st.lists(fragment, max_size=5).map("".join),
    # long ones, around and past the 63-byte limit
    st.tuples(fragment, st.integers(min_value=8, max_value=40)).map(lambda p: p[0] * p[1]),
    st.text(_chars, min_size=55, max_size=70),
)


def fits(value: str) -> bool:
    return len(value.encode("utf-8")) <= MAX_IDENTIFIER_BYTES


def name_ok(value: str) -> bool:
    """What PostgreSQL keeps intact as an identifier: 1..63 bytes, no NUL."""
    return value != "" and "\x00" not in value and fits(value)


def label_ok(value: str) -> bool:
    """What PostgreSQL accepts as an enum label: 0..63 bytes, no NUL."""
    return "\x00" not in value and fits(value)


def schema_creatable(value: str) -> bool:
    """Schemas the test can create: PostgreSQL reserves ``pg_*`` for itself, and the
    snapshots skip ``information_schema``."""
    return name_ok(value) and not value.startswith("pg_") and value != "information_schema"


def clip(value: str) -> str:
    """Cut to at most 63 UTF-8 bytes on a character boundary (many land exactly on
    the limit, the edge worth testing); much cheaper than filtering long text."""
    return value.encode("utf-8")[:MAX_IDENTIFIER_BYTES].decode("utf-8", errors="ignore")


names = hostile_text
labels = hostile_text
valid_label = hostile_text.map(clip)
valid_name = hostile_text.map(clip).filter(name_ok)
valid_schema = hostile_text.map(clip).filter(schema_creatable)
label_lists = st.lists(valid_label, min_size=1, max_size=5, unique=True)
