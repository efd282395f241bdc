"""Revision files as events: positions, names, constants, helpers, suppressions."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from alembic_enum_ops.lint.findings import Finding
from alembic_enum_ops.lint.python_reader import (
    PythonSyntaxError,
    SqlText,
    read_revision,
)

from .conftest import codes

LintSource = Callable[..., list[Finding]]

HEADER = (
    'import sqlalchemy as sa\nfrom alembic import op\n\nrevision = "r1"\n'
    "down_revision = None\n\n"
)


def test_columns_count_characters_not_bytes(lint_source: LintSource) -> None:
    findings = lint_source(
        HEADER + "def upgrade():\n"
        "    ação = 1; op.execute(\"DROP TYPE a CASCADE\")\n"
        "    op.execute(\"SELECT 'ééé'; DROP TYPE x CASCADE\")  # ü\n"
    )
    assert codes(findings) == [("EO101", 8, 27), ("EO101", 9, 31)]


def test_escapes_and_dedent_point_at_the_argument(lint_source: LintSource) -> None:
    findings = lint_source(
        HEADER + "import textwrap\n\ndef upgrade():\n"
        "    op.execute('SELECT 1;\\nDROP TYPE x CASCADE')\n"
        "    op.execute(textwrap.dedent('''\n        DROP TYPE y CASCADE\n    '''))\n"
    )
    assert codes(findings) == [("EO101", 10, 16), ("EO101", 11, 16)]


def test_text_and_bindparams_keep_exact_positions(lint_source: LintSource) -> None:
    findings = lint_source(
        HEADER + "def upgrade():\n"
        "    op.execute(sa.text('SELECT :x; DROP TYPE z CASCADE').bindparams(x=1))\n"
    )
    assert codes(findings) == [("EO101", 8, 36)]


def test_names_bound_once_are_read_others_are_not(lint_source: LintSource) -> None:
    findings = lint_source(
        HEADER + "DROP = 'DROP TYPE a CASCADE'\n\ndef upgrade():\n"
        "    op.execute(DROP)\n"
        "    local = sa.text('DROP TYPE b CASCADE')\n"
        "    op.execute(local)\n"
        "    twice = 'SELECT 1'\n"
        "    twice = 'SELECT 2'\n"
        "    op.execute(twice)\n"
        "    for name in ['c']:\n"
        "        op.execute(name)\n"
        "    op.execute('DROP TYPE ' + 'd CASCADE')\n"
    )
    assert [(f.code, f.line) for f in findings] == [
        ("EO101", 10), ("EO101", 12), ("EO002", 15), ("EO002", 17), ("EO101", 18),
    ]
    assert "the variable 'twice'" in findings[2].message
    assert "the variable 'name'" in findings[3].message


def test_ddl_objects_are_text(lint_source: LintSource) -> None:
    findings = lint_source(
        HEADER + "from sqlalchemy import DDL\n\ndef upgrade():\n"
        "    op.execute(sa.DDL('DROP TYPE a CASCADE'))\n"
        "    op.execute(DDL('DROP TYPE b CASCADE'))\n"
    )
    assert codes(findings) == [("EO101", 10, 24), ("EO101", 11, 21)]


def test_connection_execute_and_exec_driver_sql(lint_source: LintSource) -> None:
    findings = lint_source(
        HEADER + "def upgrade():\n"
        "    conn = op.get_bind()\n"
        "    conn.execute(sa.text('DROP TYPE a CASCADE'))\n"
        "    op.get_bind().exec_driver_sql('DROP TYPE b CASCADE')\n"
        "    other.execute('DROP TYPE c CASCADE')\n"
    )
    assert [(f.code, f.line) for f in findings] == [("EO101", 9), ("EO101", 10)]
    assert findings[1].message.startswith("DROP TYPE b CASCADE")


def test_import_aliases(lint_source: LintSource) -> None:
    findings = lint_source(
        "from alembic import op as migration\nfrom sqlalchemy import text\n"
        "revision = 'r'\ndown_revision = None\n\ndef upgrade():\n"
        "    migration.execute(text('DROP TYPE a CASCADE'))\n"
    )
    assert codes(findings) == [("EO101", 7, 29)]


def test_helpers_are_inlined_and_uncalled_ones_read_alone(lint_source: LintSource) -> None:
    findings = lint_source(
        HEADER + "def _drop():\n    op.execute('DROP TYPE a CASCADE')\n\n"
        "def _unused():\n    op.execute('DROP TYPE b CASCADE')\n\n"
        "def upgrade():\n    _drop()\n\n"
        "def downgrade():\n    _drop()\n\n"
        "op.execute('DROP TYPE c CASCADE')\n"
    )
    assert [(f.code, f.line, f.where) for f in findings] == [
        ("EO101", 8, "upgrade"), ("EO101", 11, "_unused"), ("EO101", 19, "<module>"),
    ]


def test_nested_functions_are_read_too(lint_source: LintSource) -> None:
    findings = lint_source(
        HEADER + "def upgrade():\n"
        "    def inner():\n        op.execute('DROP TYPE a CASCADE')\n"
        "    inner()\n\n"
        "class Helper:\n    def run(self):\n        op.execute('DROP TYPE b CASCADE')\n"
    )
    assert [(f.code, f.line, f.where) for f in findings] == [
        ("EO101", 9, "inner"), ("EO101", 14, "run"),
    ]


def test_compound_statements_are_walked_in_order(lint_source: LintSource) -> None:
    findings = lint_source(
        HEADER + "def upgrade():\n"
        "    try:\n        op.execute(\"ALTER TYPE s ADD VALUE 'x'\")\n"
        "    except Exception:\n        pass\n"
        "    if True:\n        op.execute(\"SELECT 'x'::s\")\n"
        "    while False:\n        pass\n"
    )
    assert [f.code for f in findings] == ["EO201", "EO203", "EO202", "EO403"]


def test_multi_database_entry_points(lint_source: LintSource) -> None:
    findings = lint_source(
        HEADER + "def upgrade_engine1():\n    op.execute('DROP TYPE a CASCADE')\n\n"
        "def downgrade_engine1():\n    pass\n"
    )
    assert [(f.code, f.where) for f in findings] == [("EO101", "upgrade_engine1")]


def test_suppressions(lint_source: LintSource) -> None:
    findings = lint_source(
        HEADER + "def upgrade():\n"
        "    op.execute('DROP TYPE a CASCADE')  # enum-ops: ignore[EO101]\n"
        "    op.execute('DROP TYPE b CASCADE')  # enum-ops: ignore[EO1]\n"
        "    op.execute('DROP TYPE c CASCADE')  # enum-ops: ignore[EO201, eo101]\n"
        "    op.execute('DROP TYPE d CASCADE')  # enum-ops: ignore[EO201]\n"
        "    op.execute(  # enum-ops: ignore[EO101]\n"
        "        '''\n        DROP TYPE e CASCADE\n        '''\n    )\n"
        "    op.execute(\n        'DROP TYPE f CASCADE'\n    )  # enum-ops: ignore[EO101]\n"
        "    op.execute('DROP TYPE g CASCADE -- enum-ops: ignore[EO101]')\n"
    )
    assert [(f.code, f.line) for f in findings] == [("EO101", 11), ("EO101", 20)]


def test_file_level_suppression(lint_source: LintSource) -> None:
    findings = lint_source(
        "# enum-ops: ignore-file[EO101]\n" + HEADER + "def upgrade():\n"
        "    op.execute('DROP TYPE a CASCADE; DELETE FROM pg_enum')\n"
    )
    assert [f.code for f in findings] == ["EO102"]


def test_events_of_a_revision(tmp_path: Path) -> None:
    path = tmp_path / "r.py"
    path.write_text(
        HEADER + "def upgrade():\n"
        "    with op.get_context().autocommit_block():\n"
        "        op.execute('SELECT 1')\n"
        "    op.enum_create('s', ['a'], schema='ai')\n"
        "    sa.Enum('a', name='s', schema='ai').create(op.get_bind())\n"
    )
    revision = read_revision(path)
    assert (revision.revision, revision.down_revisions) == ("r1", ())
    (upgrade,) = revision.functions
    assert [type(e).__name__ for e in upgrade.events] == [
        "Autocommit", "SqlText", "Autocommit", "OpCall", "TypeObjectCall",
    ]
    sql = upgrade.events[1]
    assert isinstance(sql, SqlText) and sql.text == "SELECT 1" and sql.source.exact


def test_down_revision_forms(tmp_path: Path) -> None:
    path = tmp_path / "r.py"
    path.write_text("revision: str = 'b'\ndown_revision: tuple[str, ...] = ('a1', 'a2')\n")
    assert read_revision(path).down_revisions == ("a1", "a2")


def test_not_python(tmp_path: Path) -> None:
    path = tmp_path / "r.py"
    path.write_text("def upgrade(:\n    pass\n")
    with pytest.raises(PythonSyntaxError, match=r"r\.py:1:13: not valid Python"):
        read_revision(path)
    path.write_bytes(b"# -*- coding: latin-1 -*-\nx = '\xe9'\n")
    assert read_revision(path).functions == []
    path.write_bytes(b"x = '\xff\xfe'\n")
    with pytest.raises(PythonSyntaxError, match="cannot decode"):
        read_revision(path)


def test_positions_survive_unusual_line_breaks(lint_source: LintSource) -> None:
    """``\\f`` and U+2028 are not line breaks for Python; ``\\r\\n`` is one."""
    findings = lint_source(
        HEADER.replace("\n", "\r\n") + "def upgrade():\r\n"
        "    x = '\u2028\f'; op.execute('''\r\nSELECT 1;\r\n  DROP TYPE a CASCADE''')\r\n"
    )
    assert codes(findings) == [("EO101", 10, 3)]


def test_nul_bytes(tmp_path: Path, lint_source: LintSource) -> None:
    path = tmp_path / "r.py"
    path.write_bytes(b"x = 1\x00\n")
    with pytest.raises(PythonSyntaxError, match="not valid Python"):
        read_revision(path)
    findings = lint_source(HEADER + "def upgrade():\n    op.execute('SELECT 1\\x00')\n")
    assert [f.code for f in findings] == ["EO001"]
