"""Database URLs: which driver a URL without one gets.

Hosting platforms hand out bare ``postgres://`` / ``postgresql://`` URLs; SQLAlchemy
would pick psycopg2 for them, which this package does not depend on.  Both the
templates' ``env.py`` (through :func:`alembic_enum_ops.environment.database_url`) and
the command line (``--url``) send such URLs to psycopg 3, the driver this package
depends on; a URL that names a driver is used as it is.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import URL

DEFAULT_DRIVER = "postgresql+psycopg"
BARE_SCHEMES = frozenset({"postgres", "postgresql"})


def with_default_driver(url: str | URL) -> URL:
    """``url`` parsed, a bare ``postgres``/``postgresql`` scheme pointed at psycopg 3.

    Raises SQLAlchemy's ``ArgumentError`` for a string that is not a URL.
    """
    parsed = sa.make_url(url)
    if parsed.drivername in BARE_SCHEMES:
        parsed = parsed.set(drivername=DEFAULT_DRIVER)
    return parsed
