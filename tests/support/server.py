"""Where the test suite's PostgreSQL comes from.

In order: ``$ENUM_OPS_TEST_URL`` when set; else the local server on 127.0.0.1:5432 when
it answers (skipped when ``ENUM_OPS_TEST_NO_LOCAL=1``, which is how CI proves the
next path); else a throwaway embedded server (``pgserver``) started for the session
and removed at its end.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg
from sqlalchemy.engine import make_url

LOCAL_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


@dataclass(frozen=True)
class Server:
    """A reachable server and the admin database URL on it."""

    admin_url: str  # SQLAlchemy URL (postgresql+psycopg://...)
    origin: str  # "env", "local" or "embedded"

    def url_for(self, database: str) -> str:
        return make_url(self.admin_url).set(database=database).render_as_string(
            hide_password=False
        )


def libpq_url(sa_url: str) -> str:
    """A SQLAlchemy URL as libpq/psql take it."""
    url = make_url(sa_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def answers(sa_url: str) -> bool:
    try:
        with psycopg.connect(libpq_url(sa_url), connect_timeout=3):
            return True
    except psycopg.Error:
        return False


@contextmanager
def test_server() -> Iterator[Server]:
    env_url = os.environ.get("ENUM_OPS_TEST_URL")
    if env_url:
        yield Server(env_url, "env")
        return
    if os.environ.get("ENUM_OPS_TEST_NO_LOCAL") != "1" and answers(LOCAL_URL):
        yield Server(LOCAL_URL, "local")
        return
    with embedded_server() as url:
        yield Server(url, "embedded")


@contextmanager
def embedded_server() -> Iterator[str]:
    """Start a pgserver instance in a temporary directory; remove it afterwards."""
    import pgserver  # imported lazily: only this path needs it

    directory = tempfile.mkdtemp(prefix="enum_ops_pg_")
    server = pgserver.get_server(directory, cleanup_mode="stop")
    try:
        uri = make_url(server.get_uri()).set(drivername="postgresql+psycopg")
        yield uri.render_as_string(hide_password=False)
    finally:
        server.cleanup()
        shutil.rmtree(directory, ignore_errors=True)
