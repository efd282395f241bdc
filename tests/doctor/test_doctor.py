"""``alembic-enum-ops doctor`` on the broken states of the user's story, on a real server.

Each test builds one state with plain SQL (as create_all / a DBA / an old migration
left it), runs the diagnosis, and checks severity, objects and fix; where the fix is
an operation, the test runs it and checks that the finding is gone.
"""

from __future__ import annotations

import enum
import json
import os
import pty
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from alembic_enum_ops import EnumVerificationError, UnsafeOperationError, cli, verify
from alembic_enum_ops.doctor import (
    ExpectedColumn,
    ExpectedEnum,
    Finding,
    Report,
    Severity,
    diagnose,
    render_json,
    render_text,
)
from alembic_enum_ops.verify import expected_enums
from tests.support.catalog import enum_snapshot, execute
from tests.support.migrate import run_online

LABELS = ("pending", "processing", "completed", "failed")
NAMES = ("PENDING", "PROCESSING", "COMPLETED", "FAILED")


class IngestionStatus(enum.Enum):
    PENDING = "pending"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"


def model(*, values: bool = True, schema: str | None = "ai") -> sa.MetaData:
    """The user's model: ai.ingestion_queue.status of type ai.ingestionstatus."""
    metadata = sa.MetaData()
    kwargs: dict[str, Any] = {"name": "ingestionstatus", "schema": schema}
    if values:
        kwargs["values_callable"] = lambda e: [m.value for m in e]
    sa.Table(
        "ingestion_queue",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("status", sa.Enum(IngestionStatus, **kwargs), nullable=False),
        schema="ai",
    )
    return metadata


def sql_labels(labels: tuple[str, ...]) -> str:
    return ", ".join(f"'{x}'" for x in labels)


def story(url: str, *, type_schema: str = "ai", labels: tuple[str, ...] = LABELS) -> None:
    """Schema ai, the type, and the queue table using it."""
    execute(
        url,
        "CREATE SCHEMA ai",
        f"CREATE TYPE {type_schema}.ingestionstatus AS ENUM ({sql_labels(labels)})",
        "CREATE TABLE ai.ingestion_queue (id serial PRIMARY KEY, "
        f"status {type_schema}.ingestionstatus NOT NULL)",
    )


def run(url: str, metadata: sa.MetaData | None = None) -> Report:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return diagnose(conn, None if metadata is None else expected_enums(metadata))
    finally:
        engine.dispose()


def only(report: Report, code: str) -> Finding:
    found = [f for f in report.findings if f.code == code]
    assert len(found) == 1, (code, report.findings)
    return found[0]


def codes(report: Report) -> set[str]:
    return {f.code for f in report.findings}


def apply_fix(url: str, finding: Finding) -> None:
    """Run the ``op.`` calls a fix suggests, in one revision-like transaction."""
    calls = re.findall(r"op\.\w+\([^()]*\)", finding.fix)
    assert calls, finding.fix

    def upgrade(op: Any) -> None:
        for call in calls:
            eval(call, {"op": op})

    run_online(url, upgrade)


# --- the user's story, one broken state at a time ------------------------------------


def test_clean_database_has_only_the_search_path_note(db_url: str) -> None:
    story(db_url)
    report = run(db_url, model())
    assert [f.code for f in report.findings] == ["search-path"]
    assert report.findings[0].severity is Severity.INFO
    assert '"$user", public' in report.findings[0].message
    assert "ai" in report.findings[0].message  # ai is not on the path
    assert report.exit_code == 0
    assert report.enum_count == 1


def test_shadowing_public_copy_is_an_error_and_its_fix_removes_it(db_url: str) -> None:
    story(db_url)
    execute(db_url, "CREATE TYPE public.ingestionstatus AS ENUM ('PENDING', 'PROCESSING')")
    for metadata in (None, model()):
        report = run(db_url, metadata)
        finding = only(report, "duplicate-type-name")
        assert finding.severity is Severity.ERROR
        assert "resolves through search_path" in finding.message
        assert finding.message.endswith(
            "to public.ingestionstatus." if metadata is None
            else "The metadata expects ai.ingestionstatus."
        )
        assert "ai.ingestionstatus (used by ai.ingestion_queue.status)" in finding.message
        assert "public.ingestionstatus (used by no table column)" in finding.message
        kinds = {(o.kind, o.schema, o.name) for o in finding.objects}
        assert ("type", "public", "ingestionstatus") in kinds
        assert ("column", "ai", "ingestion_queue.status") in kinds
        assert 'op.enum_drop("ingestionstatus", schema="public")' in finding.fix
        assert "CAST(:x AS ai.ingestionstatus)" in finding.fix
        assert report.exit_code == 1
    apply_fix(db_url, finding)
    assert set(enum_snapshot(db_url)) == {("ai", "ingestionstatus")}
    assert run(db_url, model()).exit_code == 0


def test_duplicate_is_only_a_warning_when_search_path_finds_the_used_copy(
    db_url: str,
) -> None:
    story(db_url)
    execute(db_url, "CREATE TYPE public.ingestionstatus AS ENUM ('x')")
    url = sa.make_url(db_url).update_query_dict({"options": "-csearch_path=ai,public"})
    report = run(url.render_as_string(hide_password=False), model())
    finding = only(report, "duplicate-type-name")
    assert finding.severity is Severity.WARNING
    assert "to ai.ingestionstatus" in finding.message
    assert report.search_path.setting == "ai,public"
    assert report.exit_code == 0


def test_type_in_public_while_model_expects_ai(db_url: str) -> None:
    """create_all() put the type in public (the Enum did not inherit the schema)."""
    story(db_url, type_schema="public")
    report = run(db_url, model())
    finding = only(report, "type-wrong-schema")
    assert finding.severity is Severity.ERROR
    assert "expects enum ai.ingestionstatus" in finding.message
    assert "has public.ingestionstatus" in finding.message
    assert 'op.enum_set_schema("ingestionstatus", "ai", schema="public")' in finding.fix
    cross = only(report, "cross-schema-column")
    assert cross.severity is Severity.WARNING
    assert "ai.ingestion_queue.status" in cross.message
    assert "public.ingestionstatus" in cross.message
    assert report.exit_code == 1
    apply_fix(db_url, finding)
    fixed = run(db_url, model())
    assert fixed.exit_code == 0
    assert "cross-schema-column" not in codes(fixed)


def test_missing_type(db_url: str) -> None:
    execute(db_url, "CREATE SCHEMA ai")
    finding = only(run(db_url, model()), "type-missing")
    assert finding.severity is Severity.ERROR
    assert "'pending', 'processing', 'completed', 'failed'" in finding.message
    assert 'op.enum_create("ingestionstatus", [...], schema="ai")' in finding.fix


def test_uppercase_member_names_while_model_persists_values(db_url: str) -> None:
    """The type was created before values_callable: it holds PENDING, the code sends
    pending."""
    story(db_url, labels=NAMES)
    report = run(db_url, model(values=True))
    finding = only(report, "labels-are-member-names")
    assert finding.severity is Severity.ERROR
    assert "member NAMES ('PENDING', 'PROCESSING', 'COMPLETED', 'FAILED')" in finding.message
    assert "VALUES ('pending', 'processing', 'completed', 'failed')" in finding.message
    assert "label-drift" not in codes(report)
    assert finding.fix.count("op.enum_rename_value(") == 4
    assert 'op.enum_rename_value("ingestionstatus", "PENDING", "pending", schema="ai")' in (
        finding.fix
    )
    apply_fix(db_url, finding)
    assert enum_snapshot(db_url) == {("ai", "ingestionstatus"): LABELS}
    assert run(db_url, model(values=True)).exit_code == 0


def test_lowercase_values_while_model_persists_names(db_url: str) -> None:
    """The values_callable pitfall the other way round."""
    story(db_url, labels=LABELS)
    report = run(db_url, model(values=False))
    finding = only(report, "labels-are-member-values")
    assert finding.severity is Severity.ERROR
    assert "member NAMES ('PENDING'" in finding.message
    assert "values_callable=lambda e: [m.value for m in e]" in finding.fix
    # following the fix (changing the model) makes it clean
    assert run(db_url, model(values=True)).exit_code == 0


@pytest.mark.parametrize(
    ("db_labels", "needle", "fix_call"),
    [
        (("pending", "processing", "completed"), "missing in the database: 'failed'",
         'op.enum_add_value("ingestionstatus", "failed", schema="ai", after="completed")'),
        ((*LABELS, "archived"), "not in the model: 'archived'",
         'op.enum_swap("ingestionstatus", ["pending", "processing", "completed", "failed"]'),
        (("processing", "pending", "completed", "failed"), "same labels in another order",
         'op.enum_swap("ingestionstatus", ["pending", "processing", "completed", "failed"]'),
    ],
)
def test_label_drift(
    db_url: str, db_labels: tuple[str, ...], needle: str, fix_call: str
) -> None:
    story(db_url, labels=db_labels)
    finding = only(run(db_url, model()), "label-drift")
    assert finding.severity is Severity.ERROR
    assert needle in finding.message
    assert fix_call in finding.fix


def test_added_value_fix_applies(db_url: str) -> None:
    story(db_url, labels=("pending", "completed"))
    finding = only(run(db_url, model()), "label-drift")
    apply_fix(db_url, finding)
    assert enum_snapshot(db_url) == {("ai", "ingestionstatus"): LABELS}


def test_column_using_the_other_copy(db_url: str) -> None:
    story(db_url, type_schema="public")
    execute(db_url, f"CREATE TYPE ai.ingestionstatus AS ENUM ({sql_labels(LABELS)})")
    report = run(db_url, model())
    finding = only(report, "column-type-mismatch")
    assert finding.severity is Severity.ERROR
    assert "Column ai.ingestion_queue.status uses public.ingestionstatus" in finding.message
    sql = re.search(r"ALTER TABLE .*?;", finding.fix)
    assert sql is not None
    execute(db_url, sql.group(0))
    assert "column-type-mismatch" not in codes(run(db_url, model()))


@pytest.mark.parametrize("type_exists", [False, True])
def test_column_that_is_not_an_enum(db_url: str, type_exists: bool) -> None:
    """native_enum=False "fixed" creation: the column is VARCHAR + CHECK, and every
    CAST(x AS ai.ingestionstatus) breaks."""
    execute(
        db_url,
        "CREATE SCHEMA ai",
        "CREATE TABLE ai.ingestion_queue (id serial PRIMARY KEY, status varchar(10) NOT NULL "
        f"CONSTRAINT ingestionstatus CHECK (status IN ({sql_labels(LABELS)})))",
        "INSERT INTO ai.ingestion_queue (status) VALUES ('pending'), ('failed')",
    )
    if type_exists:
        execute(db_url, f"CREATE TYPE ai.ingestionstatus AS ENUM ({sql_labels(LABELS)})")
    report = run(db_url, model())
    finding = only(report, "column-not-enum")
    assert finding.severity is Severity.ERROR
    assert finding.message.startswith(
        "Column ai.ingestion_queue.status is character varying(10) in the database, but the "
        "model declares it as the native enum ai.ingestionstatus"
    )
    assert ('op.check_to_enum("ingestion_queue", "status", "ingestionstatus", ["pending", '
            '"processing", "completed", "failed"], schema="ai", type_schema="ai"') in finding.fix
    assert ("create_type=False" in finding.fix) is type_exists
    assert "existing_length=10)" in finding.fix  # the column is varchar(10)
    assert ("type-missing" in codes(report)) is not type_exists
    apply_fix(db_url, finding)
    fixed = run(db_url, model())
    assert fixed.exit_code == 0, fixed.findings
    assert enum_snapshot(db_url) == {("ai", "ingestionstatus"): LABELS}


def test_orphan_type_is_a_warning(db_url: str) -> None:
    """drop_all() left the type behind."""
    execute(db_url, "CREATE TYPE public.ingestionstatus AS ENUM ('pending')")
    report = run(db_url)
    finding = only(report, "unused-type")
    assert finding.severity is Severity.WARNING
    assert report.exit_code == 0  # warnings do not fail the command
    apply_fix(db_url, finding)
    assert enum_snapshot(db_url) == {}


def test_declared_but_unused_type_is_not_an_orphan(db_url: str) -> None:
    execute(db_url, "CREATE SCHEMA ai",
            f"CREATE TYPE ai.ingestionstatus AS ENUM ({sql_labels(LABELS)})")
    assert "unused-type" in codes(run(db_url))
    assert "unused-type" not in codes(run(db_url, model()))


def test_objects_that_block_or_complicate_a_swap(db_url: str) -> None:
    story(db_url)
    execute(
        db_url,
        "ALTER TABLE ai.ingestion_queue ALTER COLUMN status SET DEFAULT 'pending'",
        "ALTER TABLE ai.ingestion_queue ADD COLUMN history ai.ingestionstatus[]",
        "ALTER TABLE ai.ingestion_queue ADD CONSTRAINT not_failed CHECK (status <> 'failed')",
        "CREATE INDEX pending_ix ON ai.ingestion_queue (id) WHERE status = 'pending'",
        "CREATE VIEW ai.queue_view AS SELECT id, status FROM ai.ingestion_queue",
        "CREATE MATERIALIZED VIEW ai.queue_counts AS "
        "SELECT status, count(*) FROM ai.ingestion_queue GROUP BY status",
        "CREATE FUNCTION ai.is_done(s ai.ingestionstatus) RETURNS boolean "
        "LANGUAGE sql AS 'SELECT s = ''completed'''",
        "CREATE DOMAIN ai.status_domain AS ai.ingestionstatus",
        "CREATE FUNCTION ai.retry_all() RETURNS void LANGUAGE plpgsql AS $$ BEGIN "
        "UPDATE ai.ingestion_queue SET status = 'pending'::ai.ingestionstatus; END $$",
        "CREATE TABLE ai.by_status (s ai.ingestionstatus NOT NULL, "
        "g ai.ingestionstatus GENERATED ALWAYS AS (s) STORED) PARTITION BY LIST (s)",
        "CREATE TABLE ai.by_status_pending PARTITION OF ai.by_status FOR VALUES IN ('pending')",
    )
    report = run(db_url, model())
    blocked = only(report, "swap-blocked")
    assert blocked.severity is Severity.WARNING
    assert {(o.kind, o.name) for o in blocked.objects} == {
        ("type", "ingestionstatus"),
        ("function", "is_done(ai.ingestionstatus)"),
        ("function", "retry_all()"),
        ("column", "by_status.s"),
        ("column", "by_status.g"),
        ("column", "by_status_pending.g"),
    }
    assert "function ai.retry_all() (its body casts to the type)" in blocked.message
    assert "column ai.by_status.s (in the partition key: its type cannot change)" in (
        blocked.message
    )
    assert "column ai.by_status.g (a generated column)" in blocked.message
    assert "drop these objects before op.enum_swap" in blocked.fix
    assert "a partition-key, generated or distribution column cannot change type" in blocked.fix
    rewrites = only(report, "swap-rewrites")
    assert rewrites.severity is Severity.INFO
    assert {(o.kind, o.name) for o in rewrites.objects} == {
        ("type", "ingestionstatus"),
        ("view", "queue_view"),
        ("materialized_view", "queue_counts"),
        ("partial_index", "pending_ix"),
        ("check", "not_failed on ingestion_queue"),
        ("default", "ingestion_queue.status"),
        ("array_column", "ingestion_queue.history"),
        ("domain", "status_domain"),
    }
    assert "rewrites 3 table(s)" in rewrites.message
    assert report.exit_code == 0


def test_catalog_reads_do_not_grow_with_the_number_of_types(db_url: str) -> None:
    def count(n: int) -> int:
        execute(db_url, *(f"CREATE TYPE public.t{n}_{i} AS ENUM ('a', 'b')" for i in range(n)),
                *(f"CREATE TABLE public.tab{n}_{i} (c public.t{n}_{i})" for i in range(n)))
        expected = [
            ExpectedEnum(f"t{n}_{i}", "public", ("a", "b"),
                         (ExpectedColumn("public", f"tab{n}_{i}", "c"),))
            for i in range(n)
        ]
        engine = sa.create_engine(db_url)
        statements: list[str] = []
        sa.event.listen(engine, "before_cursor_execute",
                        lambda *a: statements.append(a[2]))
        try:
            with engine.connect() as conn:
                report = diagnose(conn, expected)
        finally:
            engine.dispose()
        assert report.enum_count >= n
        assert report.errors == []
        return len(statements)

    assert count(1) == count(40) <= 5


# --- output formats and the command line -------------------------------------------


def broken(url: str) -> None:
    """Shadowing copy + orphan: one error, one warning."""
    story(url)
    execute(url, "CREATE TYPE public.ingestionstatus AS ENUM ('PENDING')")


def test_text_output(db_url: str) -> None:
    broken(db_url)
    report = run(db_url)
    text = render_text(report)
    assert "\033[" not in text
    assert "ERROR   [duplicate-type-name] Type name 'ingestionstatus'" in text
    assert "        fix: Remove the unused copy in a revision" in text
    assert text.rstrip().endswith("1 error(s), 1 warning(s), 1 info")
    coloured = render_text(report, color=True)
    assert "\033[1;31mERROR  \033[0m [duplicate-type-name]" in coloured


def test_cli_json_is_the_documented_document(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    broken(db_url)
    status = cli.main(["doctor", "--url", db_url, "--format", "json"])
    document = json.loads(capsys.readouterr().out)
    assert status == 1
    assert document["format_version"] == 1
    assert set(document) == {"format_version", "database", "checked_metadata", "summary",
                             "findings"}
    assert document["summary"] == {"enum_types": 2, "errors": 1, "warnings": 1, "info": 1,
                                   "exit_code": 1}
    assert document["database"]["search_path"] == '"$user", public'
    first = document["findings"][0]
    assert set(first) == {"severity", "code", "objects", "message", "fix"}
    assert (first["severity"], first["code"]) == ("error", "duplicate-type-name")
    assert {"kind": "type", "schema": "public", "name": "ingestionstatus"} in first["objects"]
    assert [f["severity"] for f in document["findings"]] == ["error", "warning", "info"]


def test_cli_exit_zero_when_clean_and_plain_text_when_piped(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    story(db_url)
    assert cli.main(["doctor", "--url", db_url]) == 0
    out = capsys.readouterr().out
    assert "0 error(s), 0 warning(s), 1 info" in out
    assert "\033[" not in out  # capsys is not a terminal
    assert cli.main(["doctor", "--url", db_url, "--color", "always"]) == 0
    assert "\033[" in capsys.readouterr().out


def write_models(directory: Path, module: str, body: str) -> None:
    (directory / f"{module}.py").write_text(body)


MODELS = '''
import enum
import sqlalchemy as sa

class IngestionStatus(enum.Enum):
    PENDING = "pending"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"

metadata = sa.MetaData()
sa.Table(
    "ingestion_queue", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("status", sa.Enum(IngestionStatus, name="ingestionstatus", schema="ai",
                                values_callable=lambda e: [m.value for m in e])),
    schema="ai",
)

class Base:
    metadata = metadata
'''


def test_cli_metadata_from_the_current_directory(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    story(db_url, labels=NAMES)
    write_models(tmp_path, "doctor_models_ok", MODELS)
    monkeypatch.chdir(tmp_path)
    for spec in ("doctor_models_ok:metadata", "doctor_models_ok:Base"):
        assert cli.main(["doctor", "--url", db_url, "--metadata", spec,
                         "--format", "json"]) == 1
        document = json.loads(capsys.readouterr().out)
        assert document["checked_metadata"] is True
        assert "labels-are-member-names" in [f["code"] for f in document["findings"]]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--url", "not a url"], "invalid database URL 'not a url'"),
        (["--url", ""], "invalid database URL ''"),
        (["--url", "mysql://u@h/db"], "works on PostgreSQL only"),
        (["--url", "postgresql://postgres@127.0.0.1:1/db"], "cannot connect to "),
        (["--metadata", "nomodule"], "expected module:attribute"),
        (["--metadata", "doctor_models_missing_xyz:metadata"],
         "cannot import 'doctor_models_missing_xyz'"),
        (["--metadata", "doctor_models_broken:metadata"],
         "cannot import 'doctor_models_broken' (from --metadata "
         "doctor_models_broken:metadata): ZeroDivisionError"),
        (["--metadata", "doctor_models_ok2:nothing"], "'doctor_models_ok2' has no attribute"),
        (["--metadata", "doctor_models_ok2:IngestionStatus"],
         "expected a MetaData, a list of MetaData or a declarative base"),
    ],
)
def test_cli_errors_are_one_line_and_exit_2(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], args: list[str], message: str,
) -> None:
    write_models(tmp_path, "doctor_models_broken", "x = 1 / 0\n")
    write_models(tmp_path, "doctor_models_ok2", MODELS)
    monkeypatch.chdir(tmp_path)
    if "--url" not in args:
        args = ["--url", db_url, *args]
    assert cli.main(["doctor", *args]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("alembic-enum-ops doctor: error: ")
    assert message in lines[0]


@pytest.mark.parametrize("driver", ["postgresql+psycopg_async", "postgresql+asyncpg"])
def test_async_url_is_read_through_its_sync_twin(
    db_url: str, driver: str, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The URL the pgenum_async template uses (and $DATABASE_URL holds for its users)
    works for doctor as it is: read through psycopg 3, same server and database."""
    broken(db_url)
    url = sa.make_url(db_url).set(drivername=driver).render_as_string(hide_password=False)
    assert cli.main(["doctor", "--url", url, "--format", "json"]) == 1  # error findings
    document = json.loads(capsys.readouterr().out)
    assert document["database"]["url"].startswith("postgresql+psycopg://")
    assert document["summary"]["errors"] == 1
    monkeypatch.setenv("DATABASE_URL", url)
    assert cli.main(["doctor"]) == 1
    assert "ERROR   [duplicate-type-name]" in capsys.readouterr().out


def test_async_url_query_is_translated_for_libpq(db_url: str) -> None:
    """asyncpg spells sslmode ``ssl``; its twin must get what libpq understands."""
    from alembic_enum_ops.urls import sync_driver

    url = sa.make_url(db_url).set(drivername="postgresql+asyncpg").update_query_dict(
        {"ssl": "disable", "prepared_statement_cache_size": "0"}
    )
    synced = sync_driver(url)
    assert synced.drivername == "postgresql+psycopg"
    assert dict(synced.query) == {"sslmode": "disable"}
    assert sync_driver("postgresql+psycopg_async://u@h/d").drivername == "postgresql+psycopg"
    for unchanged in ("postgresql+psycopg://u@h/d", "postgresql+psycopg2://u@h/d",
                      "postgresql+pg8000://u@h/d"):
        assert sync_driver(unchanged) == sa.make_url(unchanged)
    assert sync_driver("postgresql://u@h/d").drivername == "postgresql+psycopg"
    engine = sa.create_engine(synced)
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT 1").scalar() == 1
    finally:
        engine.dispose()


def test_an_async_driver_without_a_sync_twin_is_refused(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """An async dialect doctor does not know (here asyncpg registered under another
    name, as a third-party dialect would be): one line, exit 2, no MissingGreenlet."""
    from sqlalchemy.dialects import registry

    registry.register(
        "postgresql.enumopsasync", "sqlalchemy.dialects.postgresql.asyncpg", "dialect"
    )
    url = sa.make_url(db_url).set(drivername="postgresql+enumopsasync")
    assert cli.main(["doctor", "--url", url.render_as_string(hide_password=False)]) == 2
    err = capsys.readouterr().err
    assert err.splitlines() == [
        f"alembic-enum-ops doctor: error: cannot use database URL "
        f"{url.render_as_string(hide_password=True)}: alembic-enum-ops reads the catalog "
        "with a synchronous driver, and enumopsasync is asynchronous; use "
        "postgresql+psycopg:// (or postgresql+asyncpg:// / postgresql+psycopg_async://, "
        "which it reads through psycopg 3)"
    ]


def test_unknown_database_on_a_reachable_server(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    url = sa.make_url(db_url).set(database="enum_ops_no_such_db")
    assert cli.main(["doctor", "--url", url.render_as_string(hide_password=False)]) == 2
    err = capsys.readouterr().err
    assert 'database "enum_ops_no_such_db" does not exist' in err
    assert len(err.splitlines()) == 1


def test_console_entry_points(db_url: str) -> None:
    """``python -m alembic_enum_ops`` works; errors print no traceback; --help works."""

    def call(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "alembic_enum_ops", *args],
                              capture_output=True, text=True, timeout=60, check=False)

    story(db_url)
    ok = call("doctor", "--url", db_url)
    assert ok.returncode == 0, ok.stderr
    assert "alembic-enum-ops doctor" in ok.stdout
    assert "\033[" not in ok.stdout  # piped: plain
    bad = call("doctor", "--url", "postgresql://postgres@127.0.0.1:1/x")
    assert bad.returncode == 2
    assert "Traceback" not in bad.stderr
    assert len(bad.stderr.splitlines()) == 1


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        ([], "{template-path,doctor,demo,lint,online-cleanup}"),
        (["doctor"], "--metadata MODULE:ATTRIBUTE"),
        (["demo"], "pip install 'alembic-enum-ops[demo]'"),
        (["online-cleanup"], "--column [SCHEMA.]TABLE.COLUMN"),
    ],
)
def test_help(args: list[str], needle: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main([*args, "--help"])
    assert exited.value.code == 0
    out = " ".join(capsys.readouterr().out.split())
    assert out.startswith("usage: alembic-enum-ops")
    assert needle in out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    import alembic_enum_ops

    expected = f"alembic-enum-ops {alembic_enum_ops.__version__}\n"
    with pytest.raises(SystemExit) as exited:
        cli.main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out == expected
    console = subprocess.run([sys.executable, "-m", "alembic_enum_ops", "--version"],
                             capture_output=True, text=True, timeout=60, check=False)
    assert (console.returncode, console.stdout) == (0, expected)


@pytest.mark.parametrize("database_url_set", [False, True])
def test_doctor_help_does_not_require_url(
    database_url_set: bool, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """$DATABASE_URL serves as --url, so the usage never shows --url as required."""
    if database_url_set:
        monkeypatch.setenv("DATABASE_URL", "postgresql://u@h/db")
    else:
        monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(SystemExit) as exited:
        cli.main(["doctor", "--help"])
    assert exited.value.code == 0
    out = " ".join(capsys.readouterr().out.split())
    assert out.startswith("usage: alembic-enum-ops doctor [-h] [--url URL]")
    assert "(default: $DATABASE_URL; one of the two is required)" in out


def test_cli_url_defaults_to_database_url(
    db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    story(db_url)
    monkeypatch.setenv("DATABASE_URL", db_url)
    assert cli.main(["doctor"]) == 0
    assert "1 enum type(s)" in capsys.readouterr().out
    monkeypatch.delenv("DATABASE_URL")
    with pytest.raises(SystemExit) as exited:
        cli.main(["doctor"])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "the following arguments are required: --url" in err
    assert err.splitlines()[-1] == (
        "alembic-enum-ops doctor: error: the following arguments are required: --url "
        "(or set $DATABASE_URL)"
    )
    monkeypatch.setenv("DATABASE_URL", "")  # set but empty serves nothing
    with pytest.raises(SystemExit):
        cli.main(["doctor"])
    assert "(or set $DATABASE_URL)" in capsys.readouterr().err


def test_colour_on_a_terminal_only(db_url: str) -> None:
    """``--color auto``: ANSI colours on a terminal (a pty here), plain when piped."""
    broken(db_url)
    primary, secondary = pty.openpty()
    try:
        result = subprocess.run(
            [sys.executable, "-m", "alembic_enum_ops", "doctor", "--url", db_url],
            stdout=secondary, stderr=subprocess.PIPE, timeout=60, check=False,
            env={k: v for k, v in os.environ.items() if k != "NO_COLOR"},
        )
        os.close(secondary)
        chunks = []
        while True:
            try:
                chunk = os.read(primary, 65536)
            except OSError:  # EIO: the terminal's other end is closed
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(primary)
    on_terminal = b"".join(chunks).decode()
    assert result.returncode == 1
    assert "\033[1;31mERROR  \033[0m [duplicate-type-name]" in on_terminal
    piped = subprocess.run(
        [sys.executable, "-m", "alembic_enum_ops", "doctor", "--url", db_url],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert "ERROR   [duplicate-type-name]" in piped.stdout
    assert "\033[" not in piped.stdout


def test_enum_in_the_default_schema(db_url: str) -> None:
    """``schema=None`` in the model means the connection's default schema (public)."""
    execute(db_url, "CREATE SCHEMA ai",
            f"CREATE TYPE public.ingestionstatus AS ENUM ({sql_labels(LABELS)})",
            "CREATE TABLE ai.ingestion_queue (id serial PRIMARY KEY, "
            "status public.ingestionstatus NOT NULL)")
    report = run(db_url, model(schema=None))
    assert report.errors == []
    assert "cross-schema-column" in codes(report)  # ai table, public type: still worth a word
    execute(db_url, "ALTER TYPE public.ingestionstatus SET SCHEMA ai")
    finding = only(run(db_url, model(schema=None)), "type-wrong-schema")
    assert "expects enum public.ingestionstatus" in finding.message
    assert 'op.enum_set_schema("ingestionstatus", "public", schema="ai")' in finding.fix


# --- the model is the wrong side: its fix comes first ---------------------------------

VALUES_CALLABLE = "values_callable=lambda e: [m.value for m in e]"


def test_model_without_schema_nor_values_callable_column_on_the_real_type(
    db_url: str,
) -> None:
    """create_all() left public.ingestionstatus ('PENDING', ...) behind; the column uses
    the real ai.ingestionstatus (values).  The model says neither schema= nor
    values_callable: the model is wrong, and the ALTER COLUMN doctor used to offer
    alone fails on the first row."""
    story(db_url)
    execute(db_url, f"CREATE TYPE public.ingestionstatus AS ENUM ({sql_labels(NAMES)})",
            "INSERT INTO ai.ingestion_queue (status) VALUES ('pending')")
    report = run(db_url, model(schema=None, values=False))
    finding = only(report, "column-type-mismatch")
    assert finding.fix.startswith(
        'Fix the model: sa.Enum(..., name="ingestionstatus", schema="ai", '
        f"{VALUES_CALLABLE})"
    ), finding.fix
    # the database-side alternative is still there, after it, with its caveat
    assert finding.fix.index("Fix the model") < finding.fix.index("ALTER TABLE")
    assert "fails while rows hold 'pending', 'processing', 'completed', 'failed'" in (
        finding.fix
    )
    sql = re.search(r"ALTER TABLE .*?;", finding.fix)
    assert sql is not None
    with pytest.raises(sa.exc.DataError, match="invalid input value for enum"):
        execute(db_url, sql.group(0))
    # following the model fix leaves no model mismatch (the public copy is a separate
    # finding: shadowing)
    fixed = run(db_url, model(schema="ai", values=True))
    assert not codes(fixed) & {"column-type-mismatch", "type-wrong-schema",
                               "labels-are-member-values", "label-drift"}


def test_model_without_schema_nor_values_callable_type_next_to_its_table(
    db_url: str,
) -> None:
    """The type lives next to its table (ai) with the values; the model (no schema=,
    no values_callable) expects public.ingestionstatus with the names."""
    story(db_url)
    report = run(db_url, model(schema=None, values=False))
    finding = only(report, "type-wrong-schema")
    assert finding.fix.startswith(
        'Fix the model: sa.Enum(..., name="ingestionstatus", schema="ai", '
        f"{VALUES_CALLABLE})"
    ), finding.fix
    assert 'op.enum_set_schema("ingestionstatus", "public", schema="ai")' in finding.fix
    assert finding.fix.index("Fix the model") < finding.fix.index("op.enum_set_schema")
    assert run(db_url, model(schema="ai", values=True)).exit_code == 0
    # with values_callable, only schema= is missing
    finding = only(run(db_url, model(schema=None, values=True)), "type-wrong-schema")
    assert finding.fix.startswith(
        'Fix the model: sa.Enum(..., name="ingestionstatus", schema="ai");'
    ), finding.fix


@pytest.mark.parametrize(
    ("db_labels", "then"),
    [
        ((*LABELS, "archived"),
         'op.enum_swap("ingestionstatus", ["pending", "processing", "completed", "failed"], '
         'schema="ai", mapping={...})'),
        (("pending", "processing", "completed"),
         'op.enum_add_value("ingestionstatus", "failed", schema="ai", after="completed")'),
    ],
)
def test_values_in_the_database_names_in_the_model_with_other_drift(
    db_url: str, db_labels: tuple[str, ...], then: str
) -> None:
    """The type holds member values (one more or one less than the model's enum); the
    model persists names.  Doctor used to propose a swap to UPPERCASE labels."""
    story(db_url, labels=db_labels)
    report = run(db_url, model(values=False))
    assert "label-drift" not in codes(report)
    finding = only(report, "labels-are-member-values")
    assert finding.fix.startswith(f"Add {VALUES_CALLABLE} to the model's sa.Enum(...)")
    assert then in finding.fix
    assert '"PENDING"' not in finding.fix
    assert "member VALUES" in finding.message
    # the model fixed, what remains is the label-drift the fix names next
    drift = only(run(db_url, model(values=True)), "label-drift")
    assert then in drift.fix


def test_explicit_schema_keeps_the_database_fix_first(db_url: str) -> None:
    """A model that says schema="ai" is taken at its word: the database is wrong."""
    story(db_url, type_schema="public")
    finding = only(run(db_url, model()), "type-wrong-schema")
    assert finding.fix.startswith("Move it in a revision: op.enum_set_schema(")


def test_duplicate_name_shadowed_by_a_table_row_type(db_url: str) -> None:
    """search_path may resolve the name to something that is not an enum at all."""
    story(db_url)
    execute(db_url, "CREATE SCHEMA other",
            "CREATE TYPE other.ingestionstatus AS ENUM ('x')",
            "CREATE TABLE public.ingestionstatus (id int)")
    finding = only(run(db_url), "duplicate-type-name")
    assert finding.severity is Severity.ERROR
    assert "resolves through search_path" in finding.message
    assert finding.message.endswith('("$user", public) to public.ingestionstatus.')


def test_hostile_names_give_fixes_that_run(db_url: str) -> None:
    """Mixed case, quotes, reserved words and unicode: the catalog reads are parameters,
    and the suggested operations and SQL are quoted correctly."""
    execute(
        db_url,
        'CREATE SCHEMA "Tenant ""A"""',
        'CREATE TYPE "Tenant ""A"""."user" AS ENUM (\'ok\')',
        'CREATE TYPE public."user" AS ENUM (\'ok\')',
        'CREATE TYPE public."É tat\'s" AS ENUM (\'a\')',
        'CREATE TABLE "Tenant ""A""".t (c "Tenant ""A"""."user")',
    )
    report = run(db_url)
    duplicate = only(report, "duplicate-type-name")
    assert 'DROP TYPE public."user"' in duplicate.fix
    assert 'CAST(:x AS "Tenant ""A"""."user")' in duplicate.fix
    unused = {f.objects[0].name: f for f in report.findings if f.code == "unused-type"}
    assert set(unused) == {"user", "É tat's"}
    sql = re.search(r"\(DROP TYPE (.*?);", unused["É tat's"].fix)
    assert sql is not None
    execute(db_url, f"DROP TYPE {sql.group(1)}")
    apply_fix(db_url, unused["user"])
    assert set(enum_snapshot(db_url)) == {('Tenant "A"', "user")}


# --- every broken state, through both output formats and verify() --------------------

STATES: dict[str, tuple[list[str], str, Severity, str]] = {
    # name: (set-up SQL after story(), code, severity, a piece of the fix)
    "shadowing public copy": (
        [f"CREATE TYPE public.ingestionstatus AS ENUM ({sql_labels(LABELS)})"],
        "duplicate-type-name", Severity.ERROR,
        'op.enum_drop("ingestionstatus", schema="public")',
    ),
    "type in the wrong schema": (
        ["ALTER TYPE ai.ingestionstatus SET SCHEMA public"],
        "type-wrong-schema", Severity.ERROR,
        'op.enum_set_schema("ingestionstatus", "ai", schema="public")',
    ),
    "UPPERCASE names vs lowercase values": (
        [f"ALTER TYPE ai.ingestionstatus RENAME VALUE '{v}' TO '{v.upper()}'" for v in LABELS],
        "labels-are-member-names", Severity.ERROR,
        'op.enum_rename_value("ingestionstatus", "PENDING", "pending", schema="ai")',
    ),
    "label drift": (
        ["ALTER TYPE ai.ingestionstatus ADD VALUE 'archived'"],
        "label-drift", Severity.ERROR, 'op.enum_swap("ingestionstatus", ["pending"',
    ),
    "orphan type": (
        ["CREATE TYPE public.leftover AS ENUM ('x')"],
        "unused-type", Severity.WARNING, 'op.enum_drop("leftover", schema="public")',
    ),
    "blocking function": (
        ["CREATE FUNCTION ai.f(s ai.ingestionstatus) RETURNS int LANGUAGE sql AS 'SELECT 1'"],
        "swap-blocked", Severity.WARNING, "drop these objects before op.enum_swap",
    ),
    "view on the column": (
        ["CREATE VIEW ai.v AS SELECT status FROM ai.ingestion_queue"],
        "swap-rewrites", Severity.INFO, "Nothing to do for op.enum_swap",
    ),
    "column of another schema's enum": (
        ["CREATE TABLE public.audit (status ai.ingestionstatus)"],
        "cross-schema-column", Severity.WARNING, 'schema="ai"',
    ),
}


@pytest.mark.parametrize("state", list(STATES))
def test_each_broken_state_in_text_json_and_verify(db_url: str, state: str) -> None:
    statements, code, severity, fix = STATES[state]
    story(db_url)
    execute(db_url, *statements)
    report = run(db_url, model())
    text = render_text(report)
    header = f"{severity.value.upper().ljust(7)} [{code}] "
    block = text[text.index(header):].split("\n\n")[0]
    assert "\n        fix: " in block and fix in block.split("\n        fix: ")[1]
    document = json.loads(render_json(report))
    matching = [f for f in document["findings"] if f["code"] == code]
    assert len(matching) == 1
    assert matching[0]["severity"] == severity.value
    assert fix in matching[0]["fix"]
    assert document["summary"]["exit_code"] == (1 if severity is Severity.ERROR else 0)
    engine = sa.create_engine(db_url)
    try:
        if severity is Severity.ERROR:
            with pytest.raises(EnumVerificationError) as raised:
                verify(engine, model())
            assert f"- [{code}] " in str(raised.value)
            assert fix in str(raised.value)
        else:
            verify(engine, model())  # warnings and info do not stop a worker
    finally:
        engine.dispose()


# --- regression: doctor and the swap agree, because doctor asks the swap engine ------


def test_function_casting_to_a_type_whose_name_needs_quoting(db_url: str) -> None:
    """doctor's own copy of the function-body scan carried a literal \\x01 where the
    engine has a back-reference, so it missed ::"order-status" that the swap refuses."""
    execute(
        db_url,
        'CREATE TYPE public."order-status" AS ENUM (\'new\', \'paid\')',
        'CREATE TABLE public.orders (s public."order-status")',
        "CREATE FUNCTION public.f() RETURNS text LANGUAGE plpgsql AS "
        "$f$ BEGIN RETURN 'new'::\"order-status\"; END $f$",
    )
    blocked = only(run(db_url), "swap-blocked")
    assert ("function", "f()") in {(o.kind, o.name) for o in blocked.objects}
    assert "function public.f() (its body casts to the type)" in blocked.message
    # and the swap itself refuses on the same function
    with pytest.raises(UnsafeOperationError, match=r"function public\.f\(\)"):
        run_online(db_url, lambda op: op.enum_swap("order-status", ["paid", "new"]))


def test_a_view_reading_the_type_is_carried_over_not_blocking(db_url: str) -> None:
    """A view comparing the column to an enum literal depends on the type through its
    rewrite rule: the swap recreates it, so doctor does not call it a blocker."""
    story(db_url)
    execute(
        db_url,
        "CREATE VIEW ai.pending AS SELECT id FROM ai.ingestion_queue "
        "WHERE status = 'pending'",
    )
    report = run(db_url, model())
    assert "swap-blocked" not in codes(report)
    rewrites = only(report, "swap-rewrites")
    assert ("view", "pending") in {(o.kind, o.name) for o in rewrites.objects}
