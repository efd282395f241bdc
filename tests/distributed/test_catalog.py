"""The catalog's Citus facts (:mod:`alembic_enum_ops.catalog.citus`) on a coordinator."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from alembic_enum_ops.catalog import read_citus_tables
from tests.support.catalog import execute

pytestmark = pytest.mark.e2e


def test_citus_tables_are_matched_by_schema_and_name_not_by_a_dotted_string(
    citus_url: str, schema: str
) -> None:
    """``s."a.b"`` (a reference table) and ``"s.a".b`` (a plain table) spell the same
    dotted name: only the first is Citus's."""
    s, other = schema, f"{schema}.a"
    execute(
        citus_url,
        f'CREATE TABLE {s}."a.b" (id int PRIMARY KEY)',
        f"SELECT create_reference_table('{s}.\"a.b\"')",
        f'CREATE SCHEMA "{other}"',
        f'CREATE TABLE "{other}".b (id int PRIMARY KEY)',
    )
    engine = sa.create_engine(citus_url)
    try:
        with engine.connect() as connection:
            found = read_citus_tables(connection, [(s, "a.b"), (other, "b")])
        assert set(found) == {(s, "a.b")}
        assert found[(s, "a.b")].kind == "reference"
    finally:
        engine.dispose()
        execute(citus_url, f'DROP SCHEMA "{other}" CASCADE')
