"""The harness itself: a live server answers and each test gets a fresh database."""

from __future__ import annotations

from tests.support.catalog import execute, query
from tests.support.server import Server


def test_server_answers_and_database_is_fresh(pg_server: Server, db_url: str) -> None:
    assert query(db_url, "SELECT count(*) FROM pg_type WHERE typtype = 'e'") == [(0,)]
    execute(db_url, "CREATE TYPE leftover AS ENUM ('x')")
    assert query(db_url, "SELECT count(*) FROM pg_type WHERE typtype = 'e'") == [(1,)]


def test_databases_are_isolated(db_url: str, second_db_url: str) -> None:
    execute(db_url, "CREATE TABLE only_here (i int)")
    assert query(second_db_url, "SELECT to_regclass('only_here') IS NULL") == [(True,)]


def test_server_origin_follows_the_configuration(pg_server: Server) -> None:
    """CI runs the suite once with ENUM_OPS_TEST_NO_LOCAL=1: that run must really use
    the embedded server, or the no-PostgreSQL path would go untested."""
    import os

    if os.environ.get("ENUM_OPS_TEST_URL"):
        assert pg_server.origin == "env"
    elif os.environ.get("ENUM_OPS_TEST_NO_LOCAL") == "1":
        assert pg_server.origin == "embedded"
    else:
        assert pg_server.origin in {"local", "embedded"}
