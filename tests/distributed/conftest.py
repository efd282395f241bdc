"""Fixtures of the distributed tests: a Citus coordinator given by
``$ENUM_OPS_CITUS_URL`` (skipped cleanly without one), a schema of the test's own on it,
and an Alembic project pointed at the coordinator that keeps its version table there."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.support.citus import CITUS_URL_ENV, citus_url_from_env, sqlalchemy_url
from tests.support.project import AlembicProject


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/distributed/" in item.nodeid.replace("\\", "/"):
            item.add_marker(pytest.mark.citus)


@pytest.fixture(scope="session")
def citus_url() -> str:
    """The coordinator's SQLAlchemy URL; the test is skipped when none is given.  A URL
    that is given must reach a coordinator with ``citus``: that is a failure, not a
    skip."""
    url = citus_url_from_env()
    if url is None:
        pytest.skip(f"no Citus cluster: set {CITUS_URL_ENV} (see docs/distributed.md)")
    url = sqlalchemy_url(url)
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            version = conn.exec_driver_sql(
                "SELECT extversion FROM pg_extension WHERE extname = 'citus'"
            ).scalar()
            workers = conn.exec_driver_sql(
                "SELECT count(*) FROM pg_dist_node WHERE isactive AND groupid <> 0"
            ).scalar()
    finally:
        engine.dispose()
    assert version is not None, f"{CITUS_URL_ENV}: no citus extension in that database"
    assert workers, f"{CITUS_URL_ENV}: the coordinator has no active worker"
    return url


@pytest.fixture
def schema(citus_url: str) -> Iterator[str]:
    """A fresh schema on the cluster (propagated to the workers), dropped with
    everything in it afterwards, and so is any schema whose name starts with it."""
    name = f"eo_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(citus_url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{name}"')
        yield name
    finally:
        with engine.begin() as conn:
            # tables first: DROP SCHEMA ... CASCADE over a table distributed by an enum
            # column fails in Citus 13.2 ("cache lookup failed for type")
            conn.exec_driver_sql(
                "DO $$DECLARE t text; BEGIN FOR t IN SELECT format('%I.%I', schemaname, "
                f"tablename) FROM pg_tables WHERE schemaname LIKE '{name}%' LOOP "
                "EXECUTE 'DROP TABLE IF EXISTS ' || t || ' CASCADE'; END LOOP; "
                "FOR t IN SELECT quote_ident(nspname) FROM pg_namespace "
                f"WHERE nspname LIKE '{name}%' LOOP "
                "EXECUTE 'DROP SCHEMA IF EXISTS ' || t || ' CASCADE'; END LOOP; END$$",
                execution_options={"no_parameters": True},
            )
        engine.dispose()


@pytest.fixture
def citus_project(tmp_path: Path, citus_url: str, schema: str) -> AlembicProject:
    """An Alembic project on the coordinator; its version table lives in the test's
    schema.  Autogenerate looks at every schema, as a user's would: the tests run one
    at a time on the cluster, and each drops its schemas when done."""
    return AlembicProject(
        tmp_path / "project", citus_url, configure={"version_table_schema": schema}
    )
