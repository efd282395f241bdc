"""What ``alembic upgrade`` prints when one of our operations fails, through the real
command: the message once, last, without the swap engine's text (it was ~1,500 lines:
SQLAlchemy's ``[SQL: ...]`` echoed the whole PL/pgSQL block and the message came three
times), and -- when the revision had already committed steps -- what stays committed
and that a re-run after the fix goes on."""

from __future__ import annotations

import pytest

from tests.support.catalog import enum_snapshot, execute, query
from tests.support.project import AlembicProject
from tests.support.sessions import lock_held

pytestmark = pytest.mark.e2e

MAX_LINES = 60
"""About what any failing ``alembic upgrade`` prints: Alembic's traceback (~35 lines)
plus a message that says what to do."""

ENGINE_TEXT = ("[SQL:", "DO $enum_ops$", "RAISE EXCEPTION", "The above exception")


def _setup(project: AlembicProject, upgrade: str) -> None:
    project.write_revision(
        "0001",
        """
        op.enum_create("st", ["a", "b", "c"], schema="public")
        op.execute("CREATE TABLE t (id int, s st)")
        op.execute("INSERT INTO t VALUES (1, 'b')")
        """,
    )
    project.write_revision("0002", upgrade, down_revision="0001")
    project.upgrade("0001")


def _failed_upgrade(project: AlembicProject) -> list[str]:
    result = project.alembic("upgrade", "head", check=False)
    assert result.returncode == 1
    assert result.stdout == ""
    output = result.stderr
    for text in ENGINE_TEXT:
        assert text not in output, text
    lines = output.splitlines()
    assert len(lines) <= MAX_LINES, output
    return lines


def _message(lines: list[str], first: str) -> list[str]:
    """The exception's message: from its first line (the only one naming ``first``)
    to the end of the output."""
    starts = [i for i, line in enumerate(lines) if first in line]
    assert len(starts) == 1, "\n".join(lines)
    return lines[starts[0]:]


def test_refusal_after_a_committed_add_value_says_what_stays(
    project: AlembicProject,
) -> None:
    _setup(project, """
        op.enum_add_value("st", "d", schema="public")
        op.enum_remove_value("st", "b", schema="public")
        """)
    message = _message(_failed_upgrade(project), "refusing to swap enum public.st")
    assert message == [
        "alembic_enum_ops.errors.UnsafeOperationError: alembic_enum_ops: refusing to swap "
        "enum public.st: rows hold label(s) {b}, which the new label list {a,c,d} drops "
        "with no mapping (the swap changed nothing):",
        "  - public.t.s: 1 row(s) hold 'b'",
        "Pass mapping={old: new} (replace_with= for enum_remove_value) to move these rows, "
        "or update or delete them before the swap.",
        "Already committed by this revision, and kept (with whatever the revision ran "
        "before them):",
        "  - add value 'd' to enum public.st",
        "After the fix, run `alembic upgrade` again: it starts over from the last revision "
        "recorded as applied, and the steps above find their work done.",
    ]
    assert enum_snapshot(project.url) == {("public", "st"): ("a", "b", "c", "d")}
    assert query(project.url, "SELECT version_num FROM alembic_version") == [("0001",)]

    # the fix, then the same command goes on from there
    execute(project.url, "UPDATE t SET s = 'd'")
    project.upgrade()
    assert enum_snapshot(project.url) == {("public", "st"): ("a", "c", "d")}
    assert query(project.url, "SELECT version_num FROM alembic_version") == [("0002",)]


def test_steps_of_an_earlier_revision_stamped_and_committed_are_not_listed(
    project: AlembicProject,
) -> None:
    """One transaction per migration: 0002's add-value is done and its stamp committed
    when 0003 refuses, so 0003's refusal lists nothing."""
    _setup(project, 'op.enum_add_value("st", "d", schema="public")')
    project.write_revision(
        "0003", 'op.enum_remove_value("st", "b", schema="public")', down_revision="0002"
    )
    lines = _failed_upgrade(project)
    message = _message(lines, "refusing to swap enum public.st")
    assert message[-1].startswith("Pass mapping={old: new}")
    assert not any("committed" in line.lower() for line in lines)
    assert query(project.url, "SELECT version_num FROM alembic_version") == [("0002",)]


def test_one_transaction_for_the_run_names_an_earlier_revision_that_runs_again(
    project: AlembicProject,
) -> None:
    """One transaction for the whole run: 0002's add-value committed, but its stamp
    rolls back with 0003's refusal, so 0002 runs again: the message says so."""
    project.write_models(
        "import sqlalchemy as sa\nmetadata = sa.MetaData()\n"
        "CONFIGURE = {'transaction_per_migration': False}\n"
    )
    _setup(project, 'op.enum_add_value("st", "d", schema="public")')
    project.write_revision(
        "0003", 'op.enum_remove_value("st", "b", schema="public")', down_revision="0002"
    )
    message = _message(_failed_upgrade(project), "refusing to swap enum public.st")
    assert message[-3:] == [
        "Committed by an earlier revision of this run, and kept, although that revision "
        "is not recorded as applied (its version stamp rolls back with this transaction):",
        "  - add value 'd' to enum public.st",
        "After the fix, run `alembic upgrade` again: it starts over from the last revision "
        "recorded as applied, and the steps above find their work done.",
    ]
    assert query(project.url, "SELECT version_num FROM alembic_version") == [("0001",)]
    execute(project.url, "UPDATE t SET s = 'c'")
    project.upgrade()
    assert enum_snapshot(project.url) == {("public", "st"): ("a", "c", "d")}


def test_a_server_error_inside_the_engine_names_the_step_not_the_sql(
    project: AlembicProject,
) -> None:
    """Not a refusal: a statement the engine runs fails (an event trigger forbids the
    table rewrite).  Our exception names the step, the server's message and where."""
    _setup(project, 'op.enum_remove_value("st", "b", schema="public", replace_with="a")')
    execute(
        project.url,
        """CREATE FUNCTION no_rewrites() RETURNS event_trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'table rewrites are forbidden here'
              USING HINT = 'ask the DBA'; END $$""",
        "CREATE EVENT TRIGGER no_rewrites ON table_rewrite EXECUTE FUNCTION no_rewrites()",
    )
    message = _message(_failed_upgrade(project), "table rewrites are forbidden here")
    assert message[0] == (
        "alembic_enum_ops.errors.StatementFailedError: alembic_enum_ops: remove value 'b' "
        "from enum public.st: the server refused a statement (SQLSTATE P0001): table "
        "rewrites are forbidden here"
    )
    assert message[1] == "HINT: ask the DBA"
    assert message[2].startswith("CONTEXT: PL/pgSQL function public.no_rewrites() line 2 at RAISE")
    assert message[-1] == (
        "(The statement is not repeated here: `alembic upgrade --sql` prints it.)"
    )
    assert len(message) <= 8
    assert enum_snapshot(project.url) == {("public", "st"): ("a", "b", "c")}


def test_lock_timeout_exhaustion_is_short(project: AlembicProject) -> None:
    project.write_models(
        "import sqlalchemy as sa\nmetadata = sa.MetaData()\n"
        "ENUM_OPS = {'lock_timeout': '100ms', 'lock_retries': 2, 'retry_backoff': 0.05}\n"
    )
    _setup(project, """
        op.enum_add_value("st", "d", schema="public")
        op.enum_remove_value("st", "b", schema="public", replace_with="a")
        """)
    with lock_held(project.url, "LOCK TABLE t IN ACCESS SHARE MODE", release_after=None):
        lines = _failed_upgrade(project)
    message = _message(lines, "could not get ACCESS EXCLUSIVE lock on type public.st")
    assert message[0].startswith(
        "alembic_enum_ops.errors.LockTimeoutExhaustedError: remove value 'b' from enum "
        "public.st: could not get"
    )
    assert message[-3:] == [
        "Already committed by this revision, and kept (with whatever the revision ran "
        "before them):",
        "  - add value 'd' to enum public.st",
        "After the fix, run `alembic upgrade` again: it starts over from the last revision "
        "recorded as applied, and the steps above find their work done.",
    ]
