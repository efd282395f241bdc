"""``lock_timeout`` bounds the waits on the workers too: a shard lock held by a session
on a worker makes each attempt of a swap give up after ``lock_timeout`` and retry, not
wait for that session (Citus does not send the coordinator's ``SET LOCAL`` to the
workers unless ``citus.propagate_set_commands = 'local'``, which the runner sets)."""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
from sqlalchemy.engine import make_url

from tests.support.citus import distribute_sql, labels_by_node, worker_shard
from tests.support.project import AlembicProject

pytestmark = pytest.mark.e2e


def libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextmanager
def shard_lock_held(citus_url: str, table: str) -> Iterator[threading.Event]:
    """A session on the worker holding one shard of ``table`` (ACCESS SHARE, as a long
    read does) in a thread of its own, until the event it yields is set (at the latest
    when the block ends)."""
    worker_url, shard = worker_shard(citus_url, table)
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with psycopg.connect(libpq(worker_url)) as conn:
            conn.execute(f"SELECT count(*) FROM {shard}")  # the transaction holds it now
            holding.set()
            release.wait(timeout=120)
            conn.rollback()

    holder = threading.Thread(target=hold, daemon=True)
    holder.start()
    assert holding.wait(timeout=30), "the holder did not get its lock"
    try:
        yield release
    finally:
        release.set()
        holder.join(timeout=30)


def set_options(project: AlembicProject, **options: object) -> None:
    settings = dict(lock_timeout="1s", retry_backoff=0.2, retry_backoff_max=0.5, **options)
    project.write_models(
        f"import sqlalchemy as sa\nmetadata = sa.MetaData()\nENUM_OPS = {settings!r}\n"
    )


def test_a_lock_held_on_a_worker_is_bounded_by_lock_timeout(
    citus_project: AlembicProject, schema: str
) -> None:
    s = schema
    insert = f"INSERT INTO {s}.d SELECT g, 'busy' FROM generate_series(1, 20) g"
    citus_project.write_revision(
        "0001",
        f'op.enum_create("status", ["new", "busy", "done"], schema={s!r})\n'
        f"op.execute({f'CREATE TABLE {s}.d (id int PRIMARY KEY, s {s}.status)'!r})\n"
        f"op.execute({distribute_sql('distributed', f'{s}.d')!r})\n"
        f"op.execute({insert!r})",
    )
    citus_project.upgrade()
    citus_project.write_revision(
        "0002",
        f'op.enum_remove_value("status", "busy", schema={s!r}, replace_with="done")',
        down_revision="0001",
    )
    with shard_lock_held(citus_project.url, f"{s}.d") as release:
        # one attempt, no retry: it gives up after lock_timeout (1s), on the worker
        set_options(citus_project, lock_retries=0)
        started = time.monotonic()
        failed = citus_project.alembic("upgrade", "head", check=False)
        one_attempt = time.monotonic() - started
        assert failed.returncode != 0
        assert "within lock_timeout 1s after 1 attempts" in failed.stderr
        # the holder is named, on its worker
        worker_url, shard = worker_shard(citus_project.url, f"{s}.d")
        node = f"{make_url(worker_url).host}:{make_url(worker_url).port}"
        assert f"on worker {node} (postgres, " in failed.stderr
        assert f"holds AccessShareLock on shard {shard}; its query: " in failed.stderr
        assert one_attempt < 6, one_attempt  # alembic's start-up + 1s, not the holder's

        # retries: the holder leaves after 3s, the swap goes through after it
        set_options(citus_project, lock_retries=10)
        threading.Timer(3.0, release.set).start()
        started = time.monotonic()
        citus_project.alembic("upgrade", "head")
        took = time.monotonic() - started
    assert took >= 2.5
    assert set(labels_by_node(citus_project.url, s, "status").values()) == {("new", "done")}


def test_without_propagation_the_worker_waits_for_the_holder(
    citus_project: AlembicProject, schema: str
) -> None:
    """The measured fact the runner works around (``distributed=False``): the
    coordinator's lock_timeout does not reach the worker, so the swap waits for the
    holder however long it holds."""
    s = schema
    citus_project.write_revision(
        "0001",
        f'op.enum_create("status", ["new", "busy", "done"], schema={s!r})\n'
        f"op.execute({f'CREATE TABLE {s}.d (id int PRIMARY KEY, s {s}.status)'!r})\n"
        f"op.execute({distribute_sql('distributed', f'{s}.d')!r})",
    )
    citus_project.upgrade()
    citus_project.write_revision(
        "0002", f'op.enum_remove_value("status", "busy", schema={s!r})', down_revision="0001"
    )
    set_options(citus_project, lock_retries=0, distributed=False)
    with shard_lock_held(citus_project.url, f"{s}.d") as release:
        threading.Timer(4.0, release.set).start()
        started = time.monotonic()
        run = subprocess.run(
            citus_project.command("upgrade", "head"), cwd=citus_project.root,
            env=citus_project.environment(), capture_output=True, text=True, timeout=120,
            check=False,
        )
        took = time.monotonic() - started
    assert run.returncode == 0, run.stderr
    assert took >= 3.5, took  # waited for the holder: lock_timeout 1s did not apply
