"""Database URLs: which driver a URL without one gets, and which synchronous driver
reads an async URL.

Hosting platforms hand out bare ``postgres://`` / ``postgresql://`` URLs; SQLAlchemy
would pick psycopg2 for them, which this package does not depend on.  Both the
templates' ``env.py`` (through :func:`alembic_enum_ops.environment.database_url`) and
the command line (``--url``) send such URLs to psycopg 3, the driver this package
depends on; a URL that names a driver is used as it is by ``env.py``.

The command line (``doctor``, ``demo``) reads the catalog synchronously, so it reads an
async URL (``postgresql+asyncpg://``, ``postgresql+psycopg_async://``: what the
``pgenum_async`` template's users keep in ``$DATABASE_URL``) through its synchronous
twin, psycopg 3 (:func:`sync_driver`).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import URL

DEFAULT_DRIVER = "postgresql+psycopg"
BARE_SCHEMES = frozenset({"postgres", "postgresql"})

SYNC_TWINS = {
    "postgresql+asyncpg": DEFAULT_DRIVER,
    "postgresql+psycopg_async": DEFAULT_DRIVER,
}
"""Async drivers and the synchronous driver that reads the same server and database."""

# asyncpg's URL query spells some libpq settings its own way or has keys libpq
# refuses ("invalid connection option"); psycopg_async already speaks libpq
_ASYNCPG_SSL = {"true": "require", "false": "disable"}
_ASYNCPG_ONLY = frozenset({
    "prepared_statement_cache_size", "prepared_statement_name_func", "command_timeout",
    "timeout", "max_cached_statement_lifetime", "max_cacheable_statement_size",
})


def with_default_driver(url: str | URL) -> URL:
    """``url`` parsed, a bare ``postgres``/``postgresql`` scheme pointed at psycopg 3.

    Raises SQLAlchemy's ``ArgumentError`` for a string that is not a URL.
    """
    parsed = sa.make_url(url)
    if parsed.drivername in BARE_SCHEMES:
        parsed = parsed.set(drivername=DEFAULT_DRIVER)
    return parsed


def sync_driver(url: str | URL) -> URL:
    """:func:`with_default_driver`, and an async driver replaced by its synchronous twin
    (:data:`SYNC_TWINS`), with asyncpg's query keys turned into libpq's (``ssl`` ->
    ``sslmode``; asyncpg-only keys dropped).  Other URLs are returned as parsed."""
    parsed = with_default_driver(url)
    twin = SYNC_TWINS.get(parsed.drivername)
    if twin is None:
        return parsed
    query = dict(parsed.query)
    if parsed.drivername == "postgresql+asyncpg":
        for key in _ASYNCPG_ONLY:
            query.pop(key, None)
        if "ssl" in query and "sslmode" not in query:
            ssl = query.pop("ssl")
            value = ssl if isinstance(ssl, str) else ssl[-1]
            query["sslmode"] = _ASYNCPG_SSL.get(value.lower(), value)
    return parsed.set(drivername=twin, query=query)
