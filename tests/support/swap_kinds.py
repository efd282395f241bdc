"""One dependent kind of the swap at a time: the same set-up swapped online and replayed
offline, results compared."""

from __future__ import annotations

from typing import Any

from tests.support.catalog import enum_snapshot, execute, query, snapshot
from tests.support.migrate import apply_script, render_offline, run_online

KIND_TYPE = "CREATE TYPE st AS ENUM ('a', 'b', 'c')"


def kind_swap(op: Any) -> None:
    """Drop 'c' (rows move to 'a'), put 'b' first, add 'd'."""
    op.enum_swap("st", ["b", "a", "d"], schema="public", mapping={"c": "a"})


def check_kind(
    db_url: str, second_db_url: str, setup: list[str], check: str, expected: list[Any]
) -> None:
    """One dependent kind: online result as expected, offline replay identical."""
    execute(db_url, KIND_TYPE, *setup)
    execute(second_db_url, KIND_TYPE, *setup)
    run_online(db_url, kind_swap)
    assert enum_snapshot(db_url) == {("public", "st"): ("b", "a", "d")}
    assert query(db_url, check) == expected
    apply_script(second_db_url, render_offline(kind_swap))
    assert query(second_db_url, check) == expected
    assert snapshot(second_db_url) == snapshot(db_url)
