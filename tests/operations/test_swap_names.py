"""The swap with hostile names and labels: quotes, backslashes, ``%``, ``$$``, unicode,
reserved words, mixed case, the empty label, names too long for the ``__v2`` suffix."""

from __future__ import annotations

from typing import Any

from tests.support.catalog import enum_snapshot, execute, query, snapshot
from tests.support.migrate import apply_script, render_offline, run_online

SCHEMA = 'Sch"ema ü'
NAME = "Select"
Q_SCHEMA = '"Sch""ema ü"'
Q_TYPE = f'{Q_SCHEMA}."Select"'
OLD = ["it's", 'say "hi"', "back\\slash", "%s and :param", "$$ dollar $$", "", "🚀"]
NEW = ["🚀", "", "it's", "100% new", 'say "hi"']
MAPPING = {"back\\slash": "100% new", "%s and :param": "it's", "$$ dollar $$": ""}


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


BS = _lit("back\\slash")
VIEW = '"View ""q"" x"'


SETUP = [
    f"CREATE SCHEMA {Q_SCHEMA}",
    f"CREATE TYPE {Q_TYPE} AS ENUM ({', '.join(_lit(v) for v in OLD)})",
    f"""CREATE TABLE {Q_SCHEMA}."Order" (
        "User" int,
        "Sta""tus" {Q_TYPE} DEFAULT {BS},
        "all" {Q_TYPE}[] DEFAULT ARRAY[{_lit("it's")}, {_lit("%s and :param")}]::{Q_TYPE}[]
    )""",
    f"""CREATE INDEX "Partial ix" ON {Q_SCHEMA}."Order" ("User")
        WHERE "Sta""tus" IN ({_lit("$$ dollar $$")}, {_lit('say "hi"')})""",
    f"""ALTER TABLE {Q_SCHEMA}."Order" ADD CONSTRAINT "it's checked"
        CHECK ("Sta""tus" <> {_lit("")} OR "User" > 0)""",
    f"""CREATE VIEW {Q_SCHEMA}.{VIEW} AS
        SELECT "User", "Sta""tus", 'it''s ''%s and :param''::x' AS decoy
        FROM {Q_SCHEMA}."Order" WHERE "Sta""tus" = {_lit("%s and :param")}""",
    f"""INSERT INTO {Q_SCHEMA}."Order" VALUES
        (1, {BS}, ARRAY[{_lit("$$ dollar $$")}, {_lit("it's")}]::{Q_TYPE}[]),
        (2, {_lit("%s and :param")}, NULL),
        (3, {_lit("")}, '{{}}'),
        (4, {_lit("🚀")}, ARRAY[{BS}]::{Q_TYPE}[])""",
]

TABLES = [f'{Q_SCHEMA}."Order"', f"{Q_SCHEMA}.{VIEW}"]


def swap(op: Any) -> None:
    op.enum_swap(NAME, NEW, schema=SCHEMA, mapping=MAPPING, old_values=OLD)


def test_hostile_names_and_labels_online_equals_offline(
    db_url: str, second_db_url: str
) -> None:
    execute(db_url, *SETUP)
    execute(second_db_url, *SETUP)

    run_online(db_url, swap)
    assert enum_snapshot(db_url) == {(SCHEMA, NAME): tuple(NEW)}
    rows = query(
        db_url,
        f'SELECT "User", "Sta""tus"::text, "all"::text[] FROM {Q_SCHEMA}."Order" ORDER BY 1',
    )
    assert rows == [
        (1, "100% new", ["", "it's"]),
        (2, "it's", None),
        (3, "", []),
        (4, "🚀", ["100% new"]),
    ]
    after = snapshot(db_url, TABLES)
    columns = {row[2]: row for row in after["columns"] if row[1] == "Order"}
    assert columns['Sta"tus'][5] == f"'100% new'::{Q_TYPE}"
    assert columns["all"][5] == f"ARRAY['it''s'::{Q_TYPE}, 'it''s'::{Q_TYPE}]"
    view = next(r for r in after["relations"] if r[1] == 'View "q" x')
    assert f"= 'it''s'::{Q_TYPE}" in view[3]
    assert "'it''s ''%s and :param''::x'::text AS decoy" in view[3]  # not a typed literal
    index = next(r for r in after["indexes"] if r[1] == "Partial ix")
    assert f"ARRAY[''::{Q_TYPE}, 'say \"hi\"'::{Q_TYPE}]" in index[2]
    check = next(r for r in after["constraints"] if r[2] == "it's checked")
    assert f"<> ''::{Q_TYPE}" in check[3]

    apply_script(second_db_url, render_offline(swap))
    assert snapshot(second_db_url, TABLES) == after


def test_a_name_too_long_for_the_suffix_gets_a_hashed_temporary_name(db_url: str) -> None:
    name = "n" * 61
    execute(db_url, f"CREATE TYPE {name} AS ENUM ('a', 'b')", f"CREATE TABLE t (x {name})")
    run_online(db_url, lambda op: op.enum_swap(name, ["b", "a"]))
    assert enum_snapshot(db_url) == {("public", name): ("b", "a")}


def test_percent_and_quotes_in_refusal_names(db_url: str) -> None:
    """Names with ``%`` end up in the refusal message as they are."""
    import pytest

    from alembic_enum_ops import UnsafeOperationError

    execute(
        db_url,
        'CREATE SCHEMA "%s%"',
        'CREATE TYPE "%s%".st AS ENUM (\'a\', \'%L\')',
        'CREATE TABLE "%s%"."t%" ("%I" "%s%".st)',
        'INSERT INTO "%s%"."t%" VALUES (\'%L\')',
    )
    with pytest.raises(UnsafeOperationError) as caught:
        run_online(db_url, lambda op: op.enum_swap("st", ["a"], schema="%s%"))
    assert "%s%.t%.%I: 1 row(s) hold '%L'" in str(caught.value)
