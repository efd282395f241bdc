"""Shared fixtures: a live PostgreSQL server and a fresh database per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.databases import create_database, drop_database, ensure_template
from tests.support.project import AlembicProject
from tests.support.server import Server, test_server


@pytest.fixture(scope="session")
def pg_server() -> Iterator[Server]:
    """The session's server (env URL, local server, or an embedded one)."""
    with test_server() as server:
        ensure_template(server)
        yield server


def pytest_report_header(config: pytest.Config) -> list[str]:
    return ["alembic-enum-ops: PostgreSQL from $ENUM_OPS_TEST_URL, 127.0.0.1:5432, or pgserver"]


@pytest.fixture
def db_url(pg_server: Server) -> Iterator[str]:
    """A SQLAlchemy URL to a fresh, empty database, dropped after the test."""
    name = create_database(pg_server)
    try:
        yield pg_server.url_for(name)
    finally:
        drop_database(pg_server, name)


@pytest.fixture
def second_db_url(pg_server: Server) -> Iterator[str]:
    """Another fresh database, e.g. to replay an offline script beside an online run."""
    name = create_database(pg_server)
    try:
        yield pg_server.url_for(name)
    finally:
        drop_database(pg_server, name)


@pytest.fixture
def third_db_url(pg_server: Server) -> Iterator[str]:
    """A third fresh database: an online swap, the rewrite swap and the online swap's
    ``--sql`` replay, side by side."""
    name = create_database(pg_server)
    try:
        yield pg_server.url_for(name)
    finally:
        drop_database(pg_server, name)


@pytest.fixture
def project(tmp_path: Path, db_url: str) -> AlembicProject:
    """A temporary Alembic project pointed at the test's database."""
    return AlembicProject(tmp_path / "project", db_url)
