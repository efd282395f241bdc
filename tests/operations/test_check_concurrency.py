"""During VALIDATE, another session reads and writes the table: proved by locks.

No timing is asserted.  The VALIDATE runs in a thread (the real operation, through a
real MigrationContext); the test waits until pg_locks shows that backend holding
ShareUpdateExclusiveLock on the table while pg_stat_activity shows it running
VALIDATE, then a second connection with a short lock_timeout inserts and updates
rows, and pg_stat_activity confirms the VALIDATE was still running afterwards.

The allowed set is a few hundred long values, so checking each of the few hundred
thousand rows costs a linear scan of the set: VALIDATE runs for seconds, which is
what gives the second session room to act, not a sleep.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import sqlalchemy as sa

import alembic_enum_ops  # noqa: F401  (registers the operations)
from tests.support.catalog import query
from tests.support.migrate import run_online

PREFIX = "value-with-a-long-common-prefix-so-each-comparison-costs-"
VALUES = [f"{PREFIX}{i}" for i in range(300)]
ROWS = 250_000

_VALIDATE_HOLDER = """
SELECT a.pid, l.mode
FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'relation' AND l.relation = 'big'::regclass AND l.granted
  AND a.state = 'active' AND strpos(a.query, 'VALIDATE CONSTRAINT') > 0
"""


def test_writes_go_on_during_validate(db_url: str) -> None:
    engine = sa.create_engine(db_url)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE big (id bigserial PRIMARY KEY, status text)")
            conn.execute(
                sa.text(
                    "INSERT INTO big (status) SELECT :v FROM generate_series(1, :n)"
                ),
                {"v": VALUES[-1], "n": ROWS},
            )
        errors: list[BaseException] = []

        def migrate() -> None:
            try:
                run_online(
                    db_url, lambda op: op.check_enum_create("big", "status", VALUES)
                )
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        worker = threading.Thread(target=migrate)
        worker.start()
        try:
            holder: list[Any] = []
            deadline = time.monotonic() + 60
            with engine.connect() as watcher:
                while not holder and worker.is_alive() and time.monotonic() < deadline:
                    holder = list(watcher.exec_driver_sql(_VALIDATE_HOLDER).all())
                    watcher.rollback()
            assert holder, f"never saw VALIDATE holding a lock on big (errors: {errors})"
            validate_pid = holder[0][0]
            assert {mode for _, mode in holder} == {"ShareUpdateExclusiveLock"}

            with engine.connect() as writer:
                writer.exec_driver_sql("SET lock_timeout = '200ms'")
                writer.execute(
                    sa.text("INSERT INTO big (status) VALUES (:v)"), {"v": VALUES[0]}
                )
                updated = writer.execute(
                    sa.text("UPDATE big SET status = :v WHERE id IN (1, 2, 3)"),
                    {"v": VALUES[1]},
                ).rowcount
                read = writer.exec_driver_sql("SELECT count(*) FROM big WHERE id < 10").scalar()
                writer.commit()
            assert updated == 3 and read == 9

            with engine.connect() as watcher:
                still = watcher.execute(
                    sa.text(
                        "SELECT state, query FROM pg_stat_activity WHERE pid = :pid"
                    ),
                    {"pid": validate_pid},
                ).one()
            assert still[0] == "active" and "VALIDATE CONSTRAINT" in still[1], still
        finally:
            worker.join(timeout=120)
        assert not errors, errors
        assert query(
            db_url,
            "SELECT convalidated FROM pg_constraint WHERE conname = 'ck_big_status_enum'",
        ) == [(True,)]
        assert query(db_url, "SELECT count(*) FROM big") == [(ROWS + 1,)]
    finally:
        engine.dispose()
