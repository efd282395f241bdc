"""The online swap carries a primary key and a unique constraint that include a
converted column: their indexes depend on the constraint, not on the column, so the
capture finds them by their key columns (a bug the conversions' tests found)."""

from __future__ import annotations

from typing import Any

import alembic_enum_ops  # noqa: F401  (registers op.enum_*)
from tests.support.catalog import execute, snapshot
from tests.support.migrate import run_online

SETUP = [
    "CREATE TYPE st AS ENUM ('a', 'b', 'c')",
    "CREATE TABLE t (id int, s st NOT NULL, other int, "
    "CONSTRAINT t_pk PRIMARY KEY (id, s), "
    "CONSTRAINT t_other_s UNIQUE (other, s) DEFERRABLE INITIALLY DEFERRED)",
    "INSERT INTO t SELECT g, (ARRAY['a', 'b', 'c'])[1 + g % 3]::st, g "
    "FROM generate_series(1, 300) g",
]


def swap(online: bool) -> Any:
    def fn(op: Any) -> None:
        op.enum_swap("st", ["c", "a"], schema="public", mapping={"b": "a"},
                     old_values=["a", "b", "c"], online=online)

    return fn


def test_online_swap_carries_primary_and_unique_keys_on_the_column(
    db_url: str, second_db_url: str
) -> None:
    execute(db_url, *SETUP)
    execute(second_db_url, *SETUP)
    run_online(db_url, swap(True))
    run_online(second_db_url, swap(False))
    online = snapshot(db_url, ["public.t"], any_column_order=True)
    assert online == snapshot(second_db_url, ["public.t"], any_column_order=True)
    assert [c[2:5] for c in online["constraints"]] == [
        ("t_other_s", "UNIQUE (other, s) DEFERRABLE INITIALLY DEFERRED", True),
        ("t_pk", "PRIMARY KEY (id, s)", True),
    ]
