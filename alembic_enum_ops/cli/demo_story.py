"""The story ``alembic-enum-ops demo`` tells: the model, each stage and what it prints.

A temporary project from the ``pgenum`` template, the model
``ai.ingestion_queue.status`` (type ``ai.ingestionstatus``), and real Alembic commands
run in this process: autogenerate → upgrade → insert rows → add a status → remove a
status with a mapping → ``check`` → downgrade.  Each generated revision and every
statement sent to the server (``before_cursor_execute``, plus BEGIN/COMMIT) is
printed, then a summary of labels and row counts after each stage.
"""

from __future__ import annotations

import ast
import contextlib
import io
import shutil
import sys
import tempfile
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import sqlalchemy as sa

MODELS_MODULE = "enum_ops_demo_models"
ALL_LABELS = ("pending", "processing", "completed", "failed")

MODELS = '''\
"""The worker's model: every table in schema ai, the status a native enum there."""
import enum

import sqlalchemy as sa


class IngestionStatus(str, enum.Enum):
{members}


metadata = sa.MetaData()

ingestion_queue = sa.Table(
    "ingestion_queue",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column(
        "status",
        sa.Enum(
            IngestionStatus,
            name="ingestionstatus",
            schema="ai",  # always explicit: the type lives beside its table
            values_callable=lambda e: [m.value for m in e],  # store "pending", not "PENDING"
        ),
        nullable=False,
    ),
    schema="ai",
)
'''

ROWS = {"pending": 3, "processing": 2, "completed": 4, "failed": 2}


class DemoError(Exception):
    """A step could not run; the message says which and why."""


def models_source(labels: tuple[str, ...]) -> str:
    members = "\n".join(f"    {label.upper()} = {label!r}" for label in labels)
    return MODELS.format(members=members)


@dataclass
class Stage:
    name: str
    labels: tuple[str, ...]
    counts: dict[str, int]


LONG_STATEMENT = 12  # lines; longer statements (the swap's DO block) are shortened


@dataclass
class Recorder:
    """Collects what the server receives while a step runs: statements, the BEGIN and
    COMMIT of real transactions, and server notices (the swap's DO block reports each
    statement it executes as a NOTICE)."""

    active: bool = False
    statements: list[str] = field(default_factory=list)
    reads: int = 0

    def on_execute(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not self.active:
            return
        text = statement.strip()
        if text.upper().startswith(("SELECT", "WITH", "SHOW")):
            self.reads += 1
        else:
            self.statements.append(text)

    @staticmethod
    def _autocommit(conn: Any) -> bool:
        dbapi = getattr(conn.connection, "dbapi_connection", None)
        return bool(getattr(dbapi, "autocommit", False))

    def on_begin(self, conn: Any) -> None:
        if self.active and not self._autocommit(conn):
            self.statements.append("BEGIN")

    def on_end(self, conn: Any, word: str) -> None:
        if not self.active or self._autocommit(conn):
            return
        if self.statements and self.statements[-1] == "BEGIN":
            self.statements.pop()  # an empty transaction: not worth a line
        else:
            self.statements.append(word)

    def on_commit(self, conn: Any) -> None:
        self.on_end(conn, "COMMIT")

    def on_rollback(self, conn: Any) -> None:
        self.on_end(conn, "ROLLBACK")

    def on_notice(self, diagnostic: Any) -> None:
        message = getattr(diagnostic, "message_primary", None)
        if self.active and message:
            self.statements.append(f"-- NOTICE: {message}")

    def on_connect(self, dbapi_connection: Any, record: Any) -> None:
        driver = getattr(dbapi_connection, "driver_connection", dbapi_connection)
        add = getattr(driver, "add_notice_handler", None)
        if add is not None:
            add(self.on_notice)

    @contextlib.contextmanager
    def listening(self) -> Iterator[None]:
        events: list[tuple[Any, str, Callable[..., None]]] = [
            (sa.engine.Engine, "before_cursor_execute", self.on_execute),
            (sa.engine.Engine, "begin", self.on_begin),
            (sa.engine.Engine, "commit", self.on_commit),
            (sa.engine.Engine, "rollback", self.on_rollback),
            (sa.pool.Pool, "connect", self.on_connect),
        ]
        for target, name, fn in events:
            sa.event.listen(target, name, fn)
        try:
            yield
        finally:
            for target, name, fn in events:
                sa.event.remove(target, name, fn)


def shorten(statement: str) -> str:
    lines = statement.splitlines()
    if len(lines) <= LONG_STATEMENT:
        return statement
    return "\n".join(
        [*lines[:3], f"    ... ({len(lines) - 5} more lines) ...", *lines[-2:]]
    )


class Demo:
    """Runs the story against ``url`` (a scratch database) in a temporary project."""

    def __init__(self, url: str, out: TextIO) -> None:
        self.url = url
        self.out = out
        self.recorder = Recorder()
        self.stages: list[Stage] = []
        self.step_no = 0
        self.title = ""
        self.root = Path(tempfile.mkdtemp(prefix="enum_ops_demo_"))
        self.engine = sa.create_engine(url, poolclass=sa.pool.NullPool)

    # -- output helpers ------------------------------------------------------------------
    def say(self, text: str = "") -> None:
        print(text, file=self.out, flush=True)

    def step(self, title: str) -> None:
        self.title = title
        self.step_no += 1
        self.say()
        self.say(f"==> [{self.step_no}/9] {title}")

    def show_sql(self) -> None:
        statements = [s for s in self.recorder.statements if s]
        self.say(f"    SQL sent ({len(statements)} statements, "
                 f"{self.recorder.reads} catalog/read queries not shown):")
        for statement in statements:
            if statement.startswith("-- NOTICE"):
                self.say(f"        {statement}")
                continue
            self.say(textwrap.indent(shorten(statement.rstrip(";")) + ";", "      "))

    @contextlib.contextmanager
    def recording(self) -> Iterator[None]:
        self.recorder.statements.clear()
        self.recorder.reads = 0
        self.recorder.active = True
        try:
            yield
        finally:
            self.recorder.active = False
        self.show_sql()

    # -- alembic, in this process -----------------------------------------------------------
    def config(self) -> Any:
        from alembic.config import Config

        config = Config(str(self.root / "alembic.ini"), stdout=io.StringIO())
        config.set_main_option("sqlalchemy.url", self.url.replace("%", "%%"))
        return config

    def alembic(self, what: str, fn: Callable[[Any], Any]) -> Any:
        """Run one alembic command with the current models freshly imported."""
        sys.modules.pop(MODELS_MODULE, None)
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                return fn(self.config())
        except DemoError:
            raise
        except Exception as exc:  # any failure is reported as "this step failed"
            raise DemoError(f"{what}: {type(exc).__name__}: {first_line(exc)}") from exc

    def write_models(self, labels: tuple[str, ...]) -> None:
        (self.root / f"{MODELS_MODULE}.py").write_text(models_source(labels))
        for cached in (self.root / "__pycache__").glob(f"{MODELS_MODULE}*.pyc"):
            cached.unlink()

    def autogenerate(self, message: str) -> Path:
        from alembic import command

        before = set(self.versions.glob("*.py"))
        self.alembic(
            "alembic revision --autogenerate",
            lambda c: command.revision(c, message=message, autogenerate=True),
        )
        created = sorted(set(self.versions.glob("*.py")) - before)
        if len(created) != 1:
            raise DemoError("alembic revision --autogenerate wrote no revision")
        return created[0]

    def print_revision(self, path: Path) -> None:
        self.say(f"    generated {path.relative_to(self.root)}:")
        text = path.read_text()
        body = text[text.index("def upgrade"):] if "def upgrade" in text else text
        self.say(textwrap.indent(body.rstrip(), "      | "))

    @property
    def versions(self) -> Path:
        return self.root / "migrations" / "versions"

    # -- the story --------------------------------------------------------------------------
    def snapshot(self, name: str) -> None:
        with self.engine.connect() as conn:
            labels = conn.exec_driver_sql(
                "SELECT coalesce(array_agg(e.enumlabel::text ORDER BY e.enumsortorder), "
                "'{}') FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid "
                "JOIN pg_namespace n ON n.oid = t.typnamespace "
                "WHERE n.nspname = 'ai' AND t.typname = 'ingestionstatus'"
            ).scalar_one()
            exists = conn.exec_driver_sql(
                "SELECT to_regclass('ai.ingestion_queue') IS NOT NULL"
            ).scalar_one()
            counts: dict[str, int] = {}
            if exists:
                for status, count in conn.exec_driver_sql(
                    "SELECT status::text, count(*) FROM ai.ingestion_queue "
                    "GROUP BY 1 ORDER BY 1"
                ):
                    counts[status] = int(count)
        self.stages.append(Stage(name, tuple(labels), counts))

    def run(self) -> None:
        from alembic import command

        from ..templates import template_path

        self.step("Project from the pgenum template: alembic init -t pgenum")
        try:
            template = template_path("pgenum")
        except (ValueError, FileNotFoundError) as exc:
            raise DemoError(f"the pgenum template is unavailable: {exc}") from exc
        from alembic.config import Config

        init_config = Config(str(self.root / "alembic.ini"), stdout=io.StringIO())
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                command.init(init_config, str(self.root / "migrations"), template=str(template))
        except Exception as exc:
            raise DemoError(f"alembic init -t pgenum: {first_line(exc)}") from exc
        self.wire_env()
        self.write_models(ALL_LABELS)
        with self.engine.begin() as conn:
            conn.exec_driver_sql("CREATE SCHEMA ai")
        self.say(f"    project in {self.root}; schema ai created; model "
                 f"{MODELS_MODULE}.py: ai.ingestion_queue.status of type ai.ingestionstatus "
                 f"{list(ALL_LABELS)}")

        self.step("alembic revision --autogenerate -m 'ingestion queue'")
        self.print_revision(self.autogenerate("ingestion queue"))

        self.step("alembic upgrade head")
        with self.recording():
            self.alembic("alembic upgrade head", lambda c: command.upgrade(c, "head"))
        self.snapshot("after the first upgrade")

        self.step("The worker inserts rows")
        rows = ", ".join(f"('{status}', {count})" for status, count in ROWS.items())
        with self.recording(), self.engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO ai.ingestion_queue (payload, status)\n"
                "SELECT 'doc-' || s || '-' || g, CAST(s AS ai.ingestionstatus)\n"
                f"FROM (VALUES {rows}) AS v(s, n), generate_series(1, n) AS g"
            )
        self.snapshot("rows inserted")

        added = ("pending", "processing", "retrying", "completed", "failed")
        self.step("Add a status: 'retrying' between 'processing' and 'completed'")
        self.write_models(added)
        self.print_revision(self.autogenerate("add retrying"))
        with self.recording():
            self.alembic("alembic upgrade head (add a value)",
                         lambda c: command.upgrade(c, "head"))
        self.snapshot("'retrying' added")

        removed = ("pending", "processing", "retrying", "completed")
        self.step("Remove 'failed', moving its rows to 'retrying' (mapping)")
        self.write_models(removed)
        path = self.autogenerate("remove failed")
        add_mapping(path, {"failed": "retrying"})
        self.say("    (the demo added mapping={'failed': 'retrying'} to the generated swap, "
                 "as its comment asks)")
        self.print_revision(path)
        with self.recording():
            self.alembic("alembic upgrade head (remove a value with a mapping: enum_swap)",
                         lambda c: command.upgrade(c, "head"))
        self.snapshot("'failed' removed")

        self.step("alembic check: is the database in sync with the model?")
        self.alembic("alembic check", lambda c: command.check(c))
        self.say("    No new upgrade operations detected.")

        self.step("alembic downgrade -1: put 'failed' back")
        with self.recording():
            self.alembic("alembic downgrade -1", lambda c: command.downgrade(c, "-1"))
        self.snapshot("after downgrade -1")

        self.step("Summary")
        self.summary()

    def wire_env(self) -> None:
        env = self.root / "migrations" / "env.py"
        text = env.read_text()
        marker = "target_metadata = None"
        if marker not in text:
            raise DemoError("the pgenum template's env.py has no 'target_metadata = None'")
        env.write_text(text.replace(
            marker,
            f"import {MODELS_MODULE}  # the demo's model\n"
            f"target_metadata = {MODELS_MODULE}.metadata",
            1,
        ))
        ini = self.root / "alembic.ini"
        ini.write_text(ini.read_text().replace(
            "[logger_alembic]\nlevel = INFO", "[logger_alembic]\nlevel = WARNING"
        ).replace(
            "[logger_alembic_enum_ops]\nlevel = INFO", "[logger_alembic_enum_ops]\nlevel = WARNING"
        ))

    def summary(self) -> None:
        width = max(len(s.name) for s in self.stages)
        for stage in self.stages:
            counts = ", ".join(f"{k}={v}" for k, v in stage.counts.items()) or "no rows"
            self.say(f"    {stage.name.ljust(width)}  labels: {', '.join(stage.labels)}")
            self.say(f"    {''.ljust(width)}  rows:   {counts} "
                     f"(total {sum(stage.counts.values())})")
        totals = {sum(s.counts.values()) for s in self.stages[1:]}
        self.say("    rows kept through every migration: "
                 + ("yes" if len(totals) == 1 else f"NO ({sorted(totals)})"))

    def close(self) -> None:
        self.engine.dispose()
        shutil.rmtree(self.root, ignore_errors=True)


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def add_mapping(path: Path, mapping: dict[str, str]) -> None:
    """Add ``mapping=`` to the ``op.enum_swap(...)`` call of ``upgrade()`` in a revision."""
    source = path.read_text()
    tree = ast.parse(source)
    calls = [
        node for fn in tree.body
        if isinstance(fn, ast.FunctionDef) and fn.name == "upgrade"
        for node in ast.walk(fn)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
        and node.func.attr == "enum_swap"
    ]
    if len(calls) != 1 or calls[0].end_lineno is None or calls[0].end_col_offset is None:
        raise DemoError(
            f"autogenerate did not emit one op.enum_swap for the removal in {path.name}"
        )
    call = calls[0]
    end_line, end_col = calls[0].end_lineno, calls[0].end_col_offset
    if any(k.arg == "mapping" for k in call.keywords):
        return
    lines = source.splitlines(keepends=True)
    # ast columns count UTF-8 bytes
    last = lines[end_line - 1].encode()[:end_col].decode()
    offset = sum(len(line) for line in lines[: end_line - 1]) + len(last) - 1
    head, tail = source[:offset], source[offset:]
    separator = " " if head.rstrip().endswith(",") else ", "
    path.write_text(f"{head.rstrip()}{separator}mapping={mapping!r}{tail}")


