"""The swap through asyncpg (``run_sync``), as the ``pgenum_async`` template runs it:
the DO block goes through asyncpg's protocol, refusals keep their message and hint."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy.ext.asyncio import create_async_engine

from alembic_enum_ops import UnsafeOperationError
from tests.support.catalog import enum_snapshot, execute, query

pytest.importorskip("asyncpg")


def _run_async(url: str, fn: Any) -> None:
    async_url = sa.make_url(url).set(drivername="postgresql+asyncpg")

    def migrate(connection: sa.Connection) -> None:
        context = MigrationContext.configure(connection)
        with context.begin_transaction():
            fn(Operations(context))

    async def main() -> None:
        engine = create_async_engine(async_url)
        try:
            async with engine.connect() as connection:
                await connection.run_sync(migrate)
                await connection.commit()
        finally:
            await engine.dispose()

    asyncio.run(main())


def test_swap_and_refusal_through_asyncpg(db_url: str) -> None:
    execute(
        db_url,
        "CREATE TYPE st AS ENUM ('a', 'b', 'c')",
        "CREATE TABLE t (x st DEFAULT 'a', xs st[])",
        "CREATE VIEW v AS SELECT x FROM t WHERE x <> 'c'",
        "INSERT INTO t VALUES ('c', '{c,a}'), ('b', NULL)",
    )
    _run_async(db_url, lambda op: op.enum_swap("st", ["b", "a"], mapping={"c": "a"}))
    assert enum_snapshot(db_url) == {("public", "st"): ("b", "a")}
    assert query(db_url, "SELECT x::text, xs::text FROM t ORDER BY 1") == [
        ("a", "{a,a}"), ("b", None),
    ]
    with pytest.raises(UnsafeOperationError) as caught:
        _run_async(db_url, lambda op: op.enum_swap("st", ["a"]))
    message = str(caught.value)
    assert message.startswith("alembic_enum_ops: refusing to swap enum public.st")
    assert "public.t.x: 1 row(s) hold 'b'" in message
    assert "Pass mapping={old: new}" in message
    assert enum_snapshot(db_url) == {("public", "st"): ("b", "a")}


def test_engine_warnings_reach_the_log_through_asyncpg(
    db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    execute(
        db_url,
        "CREATE TYPE st AS ENUM ('a', 'b')",
        "CREATE TABLE t (x st)",
        "CREATE VIEW v AS SELECT x FROM t WHERE x::text = 'b'",
    )
    with caplog.at_level("WARNING", logger="alembic_enum_ops"):
        _run_async(db_url, lambda op: op.enum_swap("st", ["a", "c"], mapping={"b": "c"}))
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert any("view public.v names 'b' in a form the swap does not remap" in w
               for w in warnings), warnings
