"""Fixtures of the reliability suites."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.databases import create_database, drop_database
from tests.support.server import Server


@pytest.fixture
def twin_dbs(pg_server: Server) -> Iterator[tuple[str, str]]:
    """Two databases reused by every example of a hypothesis test: the first for the
    online run, the second for the offline script replayed with psql.  Examples reset
    them with :func:`tests.reliability.helpers.reset_database`."""
    names = [create_database(pg_server, "enum_ops_rel"), create_database(pg_server, "enum_ops_rel")]
    try:
        yield pg_server.url_for(names[0]), pg_server.url_for(names[1])
    finally:
        for name in names:
            drop_database(pg_server, name)
