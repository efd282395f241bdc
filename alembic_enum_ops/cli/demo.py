"""``alembic-enum-ops demo``: the user's whole story, end to end, in under a minute.

The story itself is :mod:`.demo_story`; this module is the subcommand and the server
it runs on.

Safety: without ``--url`` the server is a throwaway embedded PostgreSQL (pgserver) in a
temporary directory, removed afterwards; with ``--url`` the demo creates a scratch
database ``enum_ops_demo_<random>`` on that server and drops it at the end — the
database named in the URL is only used to connect.  ``$DATABASE_URL`` is pointed at
the scratch database for the duration, so the template's env.py cannot reach
anything else.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sys
import tempfile
import time
import uuid
import warnings
from collections.abc import Iterator
from typing import Any, TextIO

import sqlalchemy as sa

from .common import CommandError, database_url
from .demo_story import MODELS_MODULE, Demo, DemoError, first_line


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="run the whole enum story on a throwaway database",
        description=(
            "Create a temporary Alembic project from the pgenum template with the model "
            "ai.ingestion_queue.status (type ai.ingestionstatus) and run autogenerate, "
            "upgrade, insert rows, add a status, remove a status with a mapping, check "
            "and downgrade, printing each revision and the SQL it ran. Without --url it "
            "starts an embedded PostgreSQL (pip install 'alembic-enum-ops[demo]'); with "
            "--url it creates a scratch database on that server and drops it afterwards."
        ),
    )
    parser.add_argument(
        "--url",
        help="a server to use (any database on it; the demo creates and drops its own)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    return run_demo(url=args.url)




@contextlib.contextmanager
def scratch_database(url: str) -> Iterator[str]:
    """Create ``enum_ops_demo_<random>`` on the server of ``url``; drop it afterwards."""
    base = sa.make_url(url)
    name = f"enum_ops_demo_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool,
                             connect_args={"connect_timeout": 5})
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except sa.exc.DBAPIError as exc:
        admin.dispose()
        raise CommandError(
            f"cannot create a scratch database on "
            f"{base.render_as_string(hide_password=True)}: {first_line(exc.orig or exc)}"
        ) from exc
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@contextlib.contextmanager
def embedded_server(out: TextIO) -> Iterator[str]:
    """A throwaway pgserver instance in a temporary directory."""
    directory = tempfile.mkdtemp(prefix="enum_ops_demo_pg_")
    started = time.monotonic()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns about XDG_RUNTIME_DIR
        try:
            from pgserver.postgres_server import get_server
        except ImportError as exc:
            shutil.rmtree(directory, ignore_errors=True)
            raise CommandError(
                "the embedded PostgreSQL needs pgserver: pip install "
                "'alembic-enum-ops[demo]' (or pass --url postgresql://user@host/db to use a "
                "server you have)"
            ) from exc
        try:
            server = get_server(directory, cleanup_mode="stop")
        except Exception as exc:
            shutil.rmtree(directory, ignore_errors=True)
            raise CommandError(
                f"the embedded PostgreSQL did not start: {first_line(exc)}"
            ) from exc
    print(f"    started in {time.monotonic() - started:.1f}s ({directory})", file=out)
    try:
        url = sa.make_url(server.get_uri()).set(drivername="postgresql+psycopg")
        yield url.render_as_string(hide_password=False)
    finally:
        server.cleanup()
        shutil.rmtree(directory, ignore_errors=True)


def run_demo(url: str | None = None, out: TextIO | None = None) -> int:
    """The ``demo`` subcommand; returns the exit status (0 when every step ran)."""
    out = out or sys.stdout
    started = time.monotonic()
    previous_env = os.environ.get("DATABASE_URL")
    demo: Demo | None = None
    try:
        with contextlib.ExitStack() as stack:
            if url is None:
                print("==> Starting a throwaway embedded PostgreSQL (pgserver)", file=out)
                server_url = stack.enter_context(embedded_server(out))
            else:
                server_url = database_url(url).render_as_string(hide_password=False)
                shown = sa.make_url(server_url).render_as_string(hide_password=True)
                print(f"==> Using {shown} (a scratch database, dropped afterwards)", file=out)
            scratch = stack.enter_context(scratch_database(server_url))
            print(f"    scratch database: {sa.make_url(scratch).database}", file=out)
            os.environ["DATABASE_URL"] = scratch
            demo = Demo(scratch, out)
            stack.callback(demo.close)
            sys.path.insert(0, str(demo.root))
            stack.callback(sys.path.remove, str(demo.root))
            stack.callback(sys.modules.pop, MODELS_MODULE, None)
            stack.enter_context(demo.recorder.listening())
            demo.run()
    except DemoError as exc:
        where = f"step {demo.step_no} ({demo.title})" if demo is not None else "set-up"
        print(f"alembic-enum-ops demo: {where} is unavailable or failed: {exc}",
              file=sys.stderr)
        return 1
    finally:
        if previous_env is None:
            os.environ.pop("DATABASE_URL", None)
        else:
            os.environ["DATABASE_URL"] = previous_env
    print(f"\nDemo finished in {time.monotonic() - started:.1f}s; everything it created "
          "was removed.", file=out)
    return 0
