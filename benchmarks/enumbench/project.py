"""A throw-away Alembic project per tool, driven by real ``python -m alembic``.

All tools get the same ``env.py``; only one import line differs (``import
alembic_enum_ops``, ``import alembic_postgresql_enum`` or nothing).  The env.py times
``context.run_migrations()`` with ``time.monotonic()`` (CLOCK_MONOTONIC, comparable
across processes, so the migration window lines up with the load's samples) and counts
the SQL statements sent inside that window with an engine event.  It writes both to
the JSON file named by ``$BENCH_STATS``.
"""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ENV_PY = '''
import json
import os
import time

import sqlalchemy as sa
from alembic import context
from sqlalchemy.pool import NullPool

{tool_import}

try:
    import models
    target_metadata = models.metadata
except ImportError:
    target_metadata = None

EXTRA = {extra!r}
counter = {{"n": 0, "on": False}}


def _count(conn, cursor, statement, parameters, ctx, executemany):
    if counter["on"]:
        counter["n"] += 1


def run_migrations_online():
    engine = sa.create_engine(os.environ["BENCH_URL"], poolclass=NullPool)
    sa.event.listen(engine, "before_cursor_execute", _count)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            include_schemas=True,
            compare_type=True,
            transaction_per_migration=True,
            **EXTRA,
        )
        counter["on"] = True
        start = time.monotonic()
        with context.begin_transaction():
            context.run_migrations()
        end = time.monotonic()
        counter["on"] = False
    engine.dispose()
    with open(os.environ["BENCH_STATS"], "w") as fh:
        json.dump({{"start": start, "end": end, "statements": counter["n"]}}, fh)


run_migrations_online()
'''

ALEMBIC_INI = """[alembic]
script_location = %(here)s/migrations
prepend_sys_path = .

[loggers]
keys = root,sqlalchemy,alembic

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARNING
handlers = console
qualname =

[logger_sqlalchemy]
level = WARNING
handlers =
qualname = sqlalchemy.engine

[logger_alembic]
level = INFO
handlers =
qualname = alembic

[handler_console]
class = logging.StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %(levelname)-5.5s [%(name)s] %(message)s
"""


@dataclass
class AlembicRun:
    """What one ``alembic`` command did."""

    returncode: int
    wall: float  # whole process, seconds
    start: float | None  # monotonic, from env.py
    end: float | None
    statements: int | None
    stdout: str
    stderr: str
    proc_start: float = 0.0
    proc_end: float = 0.0

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    @property
    def migration_seconds(self) -> float | None:
        if self.start is None or self.end is None:
            return None
        return self.end - self.start

    def error_tail(self, lines: int = 6) -> str:
        text = (self.stderr or self.stdout).strip().splitlines()
        return "\n".join(text[-lines:])


@dataclass
class Project:
    root: Path
    python: str
    tool_import: str
    extra_configure: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        (self.root / "migrations" / "versions").mkdir(parents=True, exist_ok=True)
        (self.root / "migrations" / "env.py").write_text(
            ENV_PY.format(tool_import=self.tool_import, extra=self.extra_configure)
        )
        (self.root / "migrations" / "script.py.mako").write_text("")
        (self.root / "alembic.ini").write_text(ALEMBIC_INI)

    def write_models(self, code: str) -> None:
        (self.root / "models.py").write_text(code)

    def set_revision(self, upgrade_body: str, imports: str = "") -> None:
        """Make the project hold exactly one revision, ``r1``, with this upgrade body."""
        for old in (self.root / "migrations" / "versions").glob("*.py"):
            old.unlink()
        body = (
            '"""benchmark revision"""\n'
            "import sqlalchemy as sa\n"
            "from alembic import op\n"
            f"{textwrap.dedent(imports)}\n\n"
            "revision = 'r1'\n"
            "down_revision = None\n"
            "branch_labels = None\n"
            "depends_on = None\n\n\n"
            "def upgrade():\n"
            + textwrap.indent(textwrap.dedent(upgrade_body).strip() or "pass", "    ")
            + "\n\n\ndef downgrade():\n    pass\n"
        )
        (self.root / "migrations" / "versions" / "r1.py").write_text(body)

    def start(self, url: str, *args: str) -> tuple[subprocess.Popen[str], Path, float]:
        stats = self.root / f"stats_{time.monotonic_ns()}.json"
        env = {
            **os.environ,
            "BENCH_URL": url,
            "BENCH_STATS": str(stats),
            "PYTHONDONTWRITEBYTECODE": "1",
            # One hash seed for every command: with some seeds vanilla Alembic reflects a
            # table twice (set iteration order), which would add ~9 statements per table
            # to whichever tool drew that seed.
            "PYTHONHASHSEED": "0",
        }
        env.pop("PYTHONPATH", None)
        started = time.monotonic()
        proc = subprocess.Popen(
            [self.python, "-m", "alembic", "-c", str(self.root / "alembic.ini"), *args],
            cwd=self.root,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        return proc, stats, started

    @staticmethod
    def finish(
        proc: subprocess.Popen[str], stats: Path, started: float, timeout: float = 900
    ) -> AlembicRun:
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            stdout, stderr = proc.communicate()
            stderr += f"\n[benchmark] killed after {timeout}s"
        ended = time.monotonic()
        data: dict[str, Any] = {}
        if stats.exists():
            data = json.loads(stats.read_text())
            stats.unlink()
        return AlembicRun(
            returncode=proc.returncode,
            wall=ended - started,
            start=data.get("start"),
            end=data.get("end"),
            statements=data.get("statements"),
            stdout=stdout,
            stderr=stderr,
            proc_start=started,
            proc_end=ended,
        )

    def run(self, url: str, *args: str, timeout: float = 900) -> AlembicRun:
        proc, stats, started = self.start(url, *args)
        return self.finish(proc, stats, started, timeout)
