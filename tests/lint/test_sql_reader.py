"""SQL text -> facts, through pglast (PostgreSQL's own parser)."""

from __future__ import annotations

import pytest

from alembic_enum_ops.lint import sql_reader as sql
from alembic_enum_ops.lint.sql_reader import QName


def facts(text: str, **kw: bool) -> list[sql.Fact]:
    return [fact for statement in sql.parse(text, **kw) for fact in statement.facts]


def test_bind_parameters_keep_offsets_and_casts() -> None:
    text = "SELECT :a, x::text, '10:30', :long_name, 'a\\:b'"
    neutral = sql.neutralize_binds(text)
    assert len(neutral) == len(text)
    assert neutral == "SELECT $1, x::text, '10:30', $1        , 'a :b'"
    (statement,) = sql.parse(text)
    assert statement.kind == "SelectStmt"


def test_exec_driver_sql_text_is_not_bind_converted() -> None:
    with pytest.raises(sql.SqlSyntaxError):
        sql.parse("SELECT :a", bind_params=False)


def test_syntax_error_offset_counts_characters() -> None:
    with pytest.raises(sql.SqlSyntaxError) as caught:
        sql.parse("SELECT 'ééé'; ALTER TABEL t ADD COLUMN c int")
    assert caught.value.offset == len("SELECT 'ééé'; ALTER ")
    assert "TABEL" in caught.value.message


def test_statement_offsets_skip_whitespace_and_comments() -> None:
    text = "SELECT 1;\n\n  -- note\n  SELECT 'é'; UPDATE t SET s = 'x'"
    offsets = [s.offset for s in sql.parse(text)]
    assert offsets == [0, text.index("SELECT 'é'"), text.index("UPDATE")]


def test_drop_type_and_domain() -> None:
    assert facts("DROP TYPE IF EXISTS a, b.c CASCADE") == [
        sql.DropType((QName(None, "a"), QName("b", "c")), True, True, False)
    ]
    assert facts("DROP DOMAIN d") == [sql.DropType((QName(None, "d"),), False, False, True)]
    assert facts("DROP TABLE t CASCADE") == []


def test_alter_enum_statements() -> None:
    assert facts("ALTER TYPE ai.s ADD VALUE IF NOT EXISTS 'z' BEFORE 'y'") == [
        sql.AddValue(QName("ai", "s"), "z", "y", False, True)
    ]
    assert facts("ALTER TYPE s ADD VALUE 'z'") == [
        sql.AddValue(QName(None, "s"), "z", None, False, False)
    ]
    assert facts("ALTER TYPE s RENAME VALUE 'a' TO 'b'") == [
        sql.RenameValue(QName(None, "s"), "a", "b")
    ]
    assert facts("ALTER TYPE ai.s RENAME TO t; ALTER TYPE ai.t SET SCHEMA x") == [
        sql.RenameType(QName("ai", "s"), "t"), sql.SetTypeSchema(QName("ai", "t"), "x")
    ]
    assert facts("CREATE TYPE ai.s AS ENUM ('a', 'b')") == [
        sql.CreateEnum(QName("ai", "s"), ("a", "b"))
    ]


def test_alter_column_type_and_the_swap_signature() -> None:
    (fact,) = facts("ALTER TABLE ai.t ALTER COLUMN c TYPE ai.s USING c::text::ai.s")
    assert isinstance(fact, sql.AlterColumnType)
    assert (fact.table, fact.column, fact.type, fact.array, fact.via_text) == (
        QName("ai", "t"), "c", QName("ai", "s"), False, True
    )
    assert fact.using == "CAST(CAST(c AS text) AS ai.s)"
    (arrays,) = facts("ALTER TABLE t ALTER c TYPE s[] USING CAST(CAST(c AS varchar[]) AS s[])")
    assert isinstance(arrays, sql.AlterColumnType) and arrays.array and arrays.via_text
    (plain,) = facts("ALTER TABLE t ALTER COLUMN c SET DATA TYPE s USING c::s")
    assert isinstance(plain, sql.AlterColumnType) and not plain.via_text
    (bare,) = facts("ALTER TABLE t ALTER COLUMN c TYPE s")
    assert isinstance(bare, sql.AlterColumnType) and bare.using is None


@pytest.mark.parametrize(
    ("statement", "what"),
    [
        ("ALTER TABLE t ADD COLUMN i bigserial", "ADD COLUMN i bigserial"),
        ("ALTER TABLE t ADD COLUMN u uuid DEFAULT gen_random_uuid()", "gen_random_uuid()"),
        ("ALTER TABLE t ADD COLUMN r float DEFAULT random() * 2", "random()"),
        ("ALTER TABLE t ADD COLUMN i int GENERATED ALWAYS AS IDENTITY", "AS IDENTITY"),
        ("ALTER TABLE t ADD COLUMN g int GENERATED ALWAYS AS (1) STORED", "STORED"),
        ("ALTER TABLE t SET TABLESPACE fast", "SET TABLESPACE"),
        ("ALTER TABLE t SET LOGGED", "SET LOGGED"),
        ("CLUSTER t USING t_pkey", "CLUSTER"),
    ],
)
def test_rewrites(statement: str, what: str) -> None:
    (fact,) = facts(statement)
    assert isinstance(fact, sql.TableRewrite) and what in fact.what


@pytest.mark.parametrize(
    "statement",
    [
        "ALTER TABLE t ADD COLUMN n int",
        "ALTER TABLE t ADD COLUMN c timestamptz DEFAULT now()",
        "ALTER TABLE t ADD COLUMN s text DEFAULT 'x'",
    ],
)
def test_adding_a_column_without_a_volatile_default_does_not_rewrite(statement: str) -> None:
    assert facts(statement) == []


def test_checks_and_validation() -> None:
    assert facts(
        "ALTER TABLE ai.t ADD CONSTRAINT c CHECK (s <> '') NOT VALID, VALIDATE CONSTRAINT c"
    ) == [
        sql.AddCheck(QName("ai", "t"), "c", True), sql.ValidateConstraint(QName("ai", "t"), "c")
    ]
    assert facts("ALTER TABLE t ADD CHECK (s <> '')") == [
        sql.AddCheck(QName(None, "t"), None, False)
    ]
    assert facts("ALTER TABLE t ADD CONSTRAINT u UNIQUE (s)") == []


def test_settings() -> None:
    found = facts(
        "SET LOCAL lock_timeout = '2s'; SET lock_timeout TO 500; RESET lock_timeout; "
        "SET lock_timeout = 0; SET lock_timeout TO DEFAULT; RESET ALL; "
        "SELECT set_config('lock_timeout', '1s', true); "
        "SELECT set_config('lock_timeout', '0', false)"
    )
    assert [(f.name, f.value, f.local, f.enabled) for f in found if isinstance(f, sql.Setting)] == [
        ("lock_timeout", "2s", True, True),
        ("lock_timeout", "500", False, True),
        ("lock_timeout", None, False, False),
        ("lock_timeout", "0", False, False),
        ("lock_timeout", None, False, False),
        ("*", None, False, False),
        ("lock_timeout", "1s", True, True),
        ("lock_timeout", "0", False, False),
    ]


def test_transaction_control_and_catalog_edits() -> None:
    assert facts("BEGIN; COMMIT; START TRANSACTION; ROLLBACK; SAVEPOINT a; END") == [
        sql.TransactionControl("BEGIN"), sql.TransactionControl("COMMIT"),
        sql.TransactionControl("BEGIN"), sql.TransactionControl("ROLLBACK"),
        sql.TransactionControl("COMMIT"),
    ]
    assert facts(
        "DELETE FROM pg_enum WHERE true; UPDATE pg_catalog.pg_enum SET enumlabel = 'x'; "
        "INSERT INTO pg_enum SELECT * FROM pg_enum; DELETE FROM myschema.pg_enum"
    ) == [
        sql.CatalogEdit("DELETE", "pg_enum"), sql.CatalogEdit("UPDATE", "pg_enum"),
        sql.CatalogEdit("INSERT", "pg_enum"),
    ]


def test_type_references_and_string_uses() -> None:
    text = (
        "UPDATE t SET s = 'c'::st, u = CAST('d' AS ai.st) WHERE v = 'e'; "
        "CREATE TABLE x (a ai.st, b st[])"
    )
    update, create = sql.parse(text)
    assert sorted(((r.type, r.offset, r.cast) for r in update.type_refs), key=lambda t: t[1]) == [
        (QName(None, "st"), text.index("st,"), True),
        (QName("ai", "st"), text.index("ai.st"), True),
    ]
    assert sorted(((u.value, u.offset, u.cast_to) for u in update.strings), key=lambda t: t[1]) == [
        ("c", text.index("'c'"), QName(None, "st")),
        ("d", text.index("'d'"), QName("ai", "st")),
        ("e", text.index("'e'"), None),
    ]
    assert [(r.type, r.cast) for r in create.type_refs] == [
        (QName("ai", "st"), False), (QName(None, "st"), False)
    ]
    assert create.facts == (sql.CreateTable(QName(None, "x")),)


def test_labels_defined_are_not_uses() -> None:
    (statement,) = sql.parse("ALTER TYPE s ADD VALUE 'x' AFTER 'y'")
    assert statement.defines_labels
    (other,) = sql.parse("SELECT 'x'")
    assert not other.defines_labels


def test_syntax_error_at_the_end_and_without_a_token() -> None:
    with pytest.raises(sql.SqlSyntaxError) as caught:
        sql.parse("SELECT (1  ")
    assert caught.value.offset == len("SELECT (1")
    assert caught.value.message == "syntax error at end of input"
