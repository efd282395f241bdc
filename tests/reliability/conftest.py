"""Fixtures of the reliability suites."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.databases import create_database, drop_database
from tests.support.oracle import reset_database
from tests.support.server import Server


@pytest.fixture(scope="module")
def twin_dbs(pg_server: Server) -> Iterator[tuple[str, str]]:
    """Two databases shared by every example of every hypothesis test in a module: the
    first for the online run, the second for the offline script replayed with psql.
    Each example starts with :func:`tests.reliability.helpers.reset_database` on
    both (creating and dropping databases costs seconds on a busy server)."""
    names = [create_database(pg_server, "enum_ops_rel"), create_database(pg_server, "enum_ops_rel")]
    try:
        yield pg_server.url_for(names[0]), pg_server.url_for(names[1])
    finally:
        for name in names:
            drop_database(pg_server, name)


@pytest.fixture(scope="module")
def reliability_db(pg_server: Server) -> Iterator[str]:
    """One database per module for the tests below (see ``db_url``)."""
    name = create_database(pg_server, "enum_ops_rel")
    try:
        yield pg_server.url_for(name)
    finally:
        drop_database(pg_server, name)


@pytest.fixture
def db_url(reliability_db: str) -> str:
    """Overrides the suite's fresh-database fixture in this folder: the module's
    database, emptied (every other session on it ended, every user schema dropped).
    Dropping a database costs seconds on a busy server, and these tests run dozens."""
    reset_database(reliability_db)
    return reliability_db
