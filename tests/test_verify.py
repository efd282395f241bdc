"""``alembic_enum_ops.verify(bind, metadata)``: a worker's start-up check, on a real server."""

from __future__ import annotations

import asyncio
import enum

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

import alembic_enum_ops
from alembic_enum_ops import EnumVerificationError, averify, verify
from alembic_enum_ops.doctor import Severity
from tests.support.catalog import execute

LABELS = "'pending', 'processing', 'completed', 'failed'"


class IngestionStatus(enum.Enum):
    PENDING = "pending"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"


class Priority(enum.Enum):
    LOW = "low"
    HIGH = "high"


def model() -> sa.MetaData:
    """Two enums in schema ai: the queue's status and a priority."""
    metadata = sa.MetaData()
    values = {"values_callable": lambda e: [m.value for m in e]}
    sa.Table(
        "ingestion_queue",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("status", sa.Enum(IngestionStatus, name="ingestionstatus", schema="ai",
                                    **values)),
        sa.Column("priority", sa.Enum(Priority, name="priority", schema="ai", **values)),
        schema="ai",
    )
    return metadata


def healthy(url: str) -> None:
    execute(
        url,
        "CREATE SCHEMA ai",
        f"CREATE TYPE ai.ingestionstatus AS ENUM ({LABELS})",
        "CREATE TYPE ai.priority AS ENUM ('low', 'high')",
        "CREATE TABLE ai.ingestion_queue (id serial PRIMARY KEY, "
        "status ai.ingestionstatus, priority ai.priority)",
    )


def everything_broken(url: str) -> None:
    """The user's story at its worst: UPPERCASE labels in ai, a shadowing public copy,
    the priority type created in public by create_all, plus an orphan and a function
    that would block a swap (warnings: they must not make verify fail)."""
    execute(
        url,
        "CREATE SCHEMA ai",
        "CREATE TYPE ai.ingestionstatus AS ENUM ('PENDING', 'PROCESSING', 'COMPLETED', "
        "'FAILED')",
        f"CREATE TYPE public.ingestionstatus AS ENUM ({LABELS})",
        "CREATE TYPE public.priority AS ENUM ('low', 'high')",
        "CREATE TABLE ai.ingestion_queue (id serial PRIMARY KEY, "
        "status ai.ingestionstatus, priority public.priority)",
        "CREATE TYPE public.leftover AS ENUM ('x')",
        "CREATE FUNCTION ai.done(s ai.ingestionstatus) RETURNS boolean LANGUAGE sql "
        "AS 'SELECT true'",
    )


def test_exported_from_the_package() -> None:
    assert "verify" in alembic_enum_ops.__all__
    assert "averify" in alembic_enum_ops.__all__
    assert issubclass(EnumVerificationError, alembic_enum_ops.EnumStateError)


def test_passes_on_a_healthy_database_with_engine_and_connection(db_url: str) -> None:
    healthy(db_url)
    engine = sa.create_engine(db_url)
    try:
        report = verify(engine, model())
        assert report.errors == []
        with engine.connect() as conn:
            assert not conn.in_transaction()
            verify(conn, model())
            assert not conn.in_transaction()  # verify left it as it found it
            conn.exec_driver_sql("CREATE TABLE public.mine (x int)")
            verify(conn, [model()])  # a list of MetaData, inside the caller's transaction
            assert conn.in_transaction()
            conn.commit()
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT to_regclass('public.mine')").scalar()
    finally:
        engine.dispose()


def test_raises_once_listing_every_mismatch(db_url: str) -> None:
    everything_broken(db_url)
    engine = sa.create_engine(db_url)
    try:
        with pytest.raises(EnumVerificationError) as raised:
            verify(engine, model())
    finally:
        engine.dispose()
    error = raised.value
    found = {f.code for f in error.findings}
    assert found == {"duplicate-type-name", "labels-are-member-names", "type-wrong-schema"}
    assert all(f.severity is Severity.ERROR for f in error.findings)
    message = str(error)
    assert message.startswith("3 enum problem(s) between the database and the model:")
    for finding in error.findings:
        assert f"- [{finding.code}] {finding.message}" in message
        assert f"  fix: {finding.fix}" in message
    assert "ai.priority" in message and "public.priority" in message
    assert "'PENDING'" in message
    # the orphan and the blocking function are warnings: not in the exception
    assert "leftover" not in message and "ai.done" not in message


def test_problems_of_enums_outside_the_model_do_not_fail_the_worker(db_url: str) -> None:
    healthy(db_url)
    execute(
        db_url,
        "CREATE SCHEMA other",
        "CREATE TYPE other.color AS ENUM ('red')",
        "CREATE TYPE public.color AS ENUM ('red')",
        "CREATE TABLE other.paint (c other.color)",
    )
    engine = sa.create_engine(db_url)
    try:
        report = verify(engine, model())
    finally:
        engine.dispose()
    assert [f.code for f in report.errors] == ["duplicate-type-name"]  # color, not ours


@pytest.mark.parametrize("driver", ["psycopg", "asyncpg"])
def test_async_engine_and_connection(db_url: str, driver: str) -> None:
    pytest.importorskip(driver)
    everything_broken(db_url)
    async_url = sa.make_url(db_url).set(drivername=f"postgresql+{driver}")

    async def main() -> list[str]:
        engine = create_async_engine(async_url)
        messages = []
        try:
            with pytest.raises(EnumVerificationError) as by_engine:
                await averify(engine, model())
            messages.append(str(by_engine.value))
            async with engine.connect() as conn:
                with pytest.raises(EnumVerificationError) as by_connection:
                    await averify(conn, model())
                messages.append(str(by_connection.value))
                with pytest.raises(EnumVerificationError) as by_run_sync:
                    await conn.run_sync(verify, model())
                messages.append(str(by_run_sync.value))
                with pytest.raises(TypeError, match=r"await averify\(bind, metadata\)"):
                    verify(conn, model())  # type: ignore[arg-type]
                with pytest.raises(TypeError, match="await averify"):
                    verify(engine, model())  # type: ignore[arg-type]
        finally:
            await engine.dispose()
        return messages

    messages = asyncio.run(main())
    assert len(set(messages)) == 1
    assert messages[0].startswith("3 enum problem(s)")


def test_wrong_bind_types() -> None:
    with pytest.raises(TypeError, match="needs an Engine or a Connection, got str"):
        verify("postgresql://x", model())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="needs an AsyncEngine or AsyncConnection"):
        asyncio.run(averify(sa.create_engine("postgresql+psycopg://x@h/d"), model()))
