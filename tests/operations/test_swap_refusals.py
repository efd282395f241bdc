"""The swap's refusals: each names what it found, and nothing changes, online or offline."""

from __future__ import annotations

from typing import Any

import pytest

from alembic_enum_ops import EnumStateError, UnsafeOperationError
from tests.support.catalog import enum_snapshot, execute, query, snapshot
from tests.support.migrate import apply_script, render_offline, run_online


def _unchanged(url: str, fn: Any, error: type[Exception], *needles: str) -> str:
    before = snapshot(url)
    with pytest.raises(error) as caught:
        run_online(url, fn)
    message = str(caught.value)
    for needle in needles:
        assert needle in message, message
    assert snapshot(url) == before
    return message


def test_refuses_rows_holding_a_vanishing_label(db_url: str, second_db_url: str) -> None:
    setup = [
        "CREATE SCHEMA ai",
        "CREATE TYPE ai.status AS ENUM ('new', 'old', 'gone')",
        "CREATE TABLE ai.jobs (s ai.status, hist ai.status[])",
        "CREATE TABLE public.other (s ai.status)",
        "INSERT INTO ai.jobs VALUES ('old', '{new,old,old}'), ('old', '{gone}'), ('gone', NULL)",
        "INSERT INTO public.other VALUES ('new')",
    ]
    execute(db_url, *setup)
    execute(second_db_url, *setup)

    def fn(op: Any) -> None:
        op.enum_swap("status", ["new"], schema="ai")

    message = _unchanged(
        db_url, fn, UnsafeOperationError,
        "ai.jobs.s: 2 row(s) hold 'old'",
        "ai.jobs.s: 1 row(s) hold 'gone'",
        "ai.jobs.hist: 1 row(s) hold 'old' (in the array)",
        "ai.jobs.hist: 1 row(s) hold 'gone' (in the array)",
        "mapping",
    )
    assert "public.other" not in message
    # offline: the script fails loudly, naming the same, and changes nothing
    before = snapshot(second_db_url)
    with pytest.raises(AssertionError, match=r"ai\.jobs\.s: 2 row\(s\) hold 'old'"):
        apply_script(second_db_url, render_offline(fn))
    assert snapshot(second_db_url) == before
    # a partial mapping still refuses for the unmapped label only
    message = _unchanged(
        db_url,
        lambda op: op.enum_swap("status", ["new"], schema="ai", mapping={"old": "new"}),
        UnsafeOperationError,
        "ai.jobs.s: 1 row(s) hold 'gone'",
    )
    assert "'old'" not in message.split("\n", 1)[1]


def test_refuses_a_default_naming_a_vanishing_label(db_url: str) -> None:
    execute(
        db_url,
        "CREATE TYPE st AS ENUM ('a', 'b')",
        "CREATE TABLE t (x st DEFAULT 'b')",
    )
    _unchanged(
        db_url, lambda op: op.enum_remove_value("st", "b"), UnsafeOperationError,
        "default of public.t.x names 'b'",
    )


def test_refuses_a_view_or_index_naming_a_vanishing_label(db_url: str) -> None:
    execute(
        db_url,
        "CREATE TYPE st AS ENUM ('a', 'b')",
        "CREATE TABLE t (x st)",
        "CREATE VIEW v AS SELECT * FROM t WHERE x = 'b'",
        "CREATE INDEX ix ON t (x) WHERE x IN ('a', 'b')",
    )
    _unchanged(
        db_url, lambda op: op.enum_remove_value("st", "b"), UnsafeOperationError,
        "view public.v names 'b'", "index public.ix names 'b'",
    )


# Every kind of dependent the swap cannot carry over, each with what the refusal says.
BLOCKERS: list[tuple[list[str], str]] = [
        (
            ["CREATE FUNCTION public.is_done(s st) RETURNS boolean LANGUAGE sql "
             "AS $f$ SELECT s = 'a' $f$"],
            "function public.is_done(public.st)",
        ),
        (
            ["CREATE FUNCTION public.first() RETURNS text LANGUAGE plpgsql "
             "AS $f$ BEGIN RETURN 'a'::st; END $f$"],
            "function public.first() (its body casts to the type)",
        ),
        (
            ["CREATE PROCEDURE public.mark(s st) LANGUAGE sql AS $f$ SELECT 1 $f$"],
            "procedure public.mark(public.st)",
        ),
        (
            ["CREATE RULE no_b AS ON INSERT TO public.t WHERE new.x = 'b' DO INSTEAD NOTHING"],
            "rule no_b on table public.t",
        ),
        (
            ["CREATE FUNCTION public.trg() RETURNS trigger LANGUAGE plpgsql "
             "AS $f$ BEGIN RETURN NEW; END $f$",
             "CREATE TRIGGER t_b BEFORE INSERT ON public.t FOR EACH ROW "
             "WHEN (NEW.x = 'b') EXECUTE FUNCTION public.trg()"],
            "trigger t_b on table public.t",
        ),
        (
            ["CREATE TYPE public.pair AS (left_side st, right_side st)"],
            "column left_side of composite type public.pair",
        ),
        (
            ["CREATE TABLE public.byst (x st) PARTITION BY LIST (x)"],
            "column x of table public.byst is part of its partition key",
        ),
        (
            ["CREATE POLICY only_a ON public.t USING (x = 'a')"],
            "policy only_a on table public.t",
        ),
        (
            ["CREATE TYPE public.st_range AS RANGE (subtype = st)"],
            "type public.st_range",
        ),
        (
            ["CREATE DOMAIN public.st_list AS st[]"],
            "type public.st_list",
        ),
        (
            ["CREATE TABLE public.gen (x st, y st GENERATED ALWAYS AS (x) STORED)"],
            "generated column y of table public.gen",
        ),
        (
            ["ALTER TABLE public.t ADD COLUMN y boolean GENERATED ALWAYS AS (x IS NULL) STORED"],
            "default value for column y of table public.t (reads column x of table public.t)",
        ),
        (
            ["CREATE POLICY mine ON public.t USING (x IS NOT NULL)"],
            "policy mine on table public.t (reads column x of table public.t)",
        ),
        (
            ["CREATE FUNCTION public.trg2() RETURNS trigger LANGUAGE plpgsql "
             "AS $f$ BEGIN RETURN NEW; END $f$",
             "CREATE TRIGGER t_x BEFORE UPDATE ON public.t FOR EACH ROW "
             "WHEN (OLD.x IS DISTINCT FROM NEW.x) EXECUTE FUNCTION public.trg2()"],
            "trigger t_x on table public.t (reads column x of table public.t)",
        ),
        (
            ["CREATE RULE v_ins AS ON INSERT TO public.v DO INSTEAD NOTHING"],
            "rule v_ins on view public.v (depends on public.v, which the swap must recreate)",
        ),
        (
            ["CREATE FUNCTION public.rows_of_v() RETURNS SETOF public.v LANGUAGE sql "
             "AS $f$ SELECT * FROM public.v $f$"],
            "function public.rows_of_v() (depends on public.v, which the swap must recreate)",
        ),
    ]


def test_refuses_dependents_it_cannot_carry_over_listing_each(db_url: str) -> None:
    """All of them in one database: one refusal lists every one, nothing changes."""
    execute(
        db_url,
        "CREATE TYPE st AS ENUM ('a', 'b', 'c')",
        "CREATE TABLE t (x st)",
        "CREATE VIEW v AS SELECT x FROM t",
        *[statement for ddl, _ in BLOCKERS for statement in ddl],
    )
    message = _unchanged(
        db_url, lambda op: op.enum_swap("st", ["c", "b", "a"]), UnsafeOperationError,
        "refusing to swap enum public.st: ", "Drop these objects",
        *[listed for _, listed in BLOCKERS],
    )
    entries = [line for line in message.splitlines() if line.startswith("  - ")]
    # one line per object, none twice (a composite type lists each attribute, a range
    # type its constructor functions too, and how many depends on the server version)
    assert len(entries) == len(set(entries)) >= len(BLOCKERS)
    assert f": {len(entries)} object(s) use it" in message
    unexpected = [
        e for e in entries
        if not any(listed in e for _, listed in BLOCKERS)
        and "composite type public.pair" not in e and "public.st_range" not in e
        and "column y of table public.gen" not in e
    ]
    assert unexpected == []


def test_refuses_a_single_function_before_any_change_offline_too(
    db_url: str, second_db_url: str
) -> None:
    setup = [
        "CREATE TYPE st AS ENUM ('a', 'b')",
        "CREATE TABLE t (x st)",
        "INSERT INTO t VALUES ('a')",
        "CREATE FUNCTION public.is_a(s st) RETURNS boolean LANGUAGE sql AS $f$ SELECT s = 'a' $f$",
    ]
    execute(db_url, *setup)
    execute(second_db_url, *setup)
    _unchanged(
        db_url, lambda op: op.enum_swap("st", ["b", "a"]), UnsafeOperationError,
        "1 object(s) use it", "function public.is_a(public.st) (uses type public.st)",
    )
    before = snapshot(second_db_url)
    with pytest.raises(AssertionError, match=r"function public\.is_a\(public\.st\)"):
        apply_script(second_db_url, render_offline(lambda op: op.enum_swap("st", ["b", "a"])))
    assert snapshot(second_db_url) == before


def test_refuses_when_the_temporary_name_is_taken(db_url: str, second_db_url: str) -> None:
    setup = ["CREATE TYPE st AS ENUM ('a', 'b')", "CREATE TABLE st__v2 (id int)"]
    execute(db_url, *setup)
    execute(second_db_url, *setup)
    _unchanged(
        db_url, lambda op: op.enum_swap("st", ["b", "a"]), EnumStateError,
        "temporary name public.st__v2 is already taken",
    )
    with pytest.raises(AssertionError, match="st__v2 is already taken"):
        apply_script(second_db_url, render_offline(lambda op: op.enum_swap("st", ["b", "a"])))


def test_refuses_a_database_in_another_state(db_url: str, second_db_url: str) -> None:
    execute(db_url, "CREATE TYPE st AS ENUM ('a', 'b')")
    execute(second_db_url, "CREATE TYPE st AS ENUM ('a', 'b')")
    cases: list[tuple[Any, str]] = [
        (
            lambda op: op.enum_swap("st", ["b"], old_values=["a", "b", "c"], mapping={"a": "b"}),
            "has labels {a,b} but this migration expects {a,b,c}",
        ),
        (lambda op: op.enum_swap("nope", ["b"]), "enum public.nope does not exist"),
        (lambda op: op.enum_swap("st", ["b"], mapping={"zz": "b"}), "the mapping names 'zz'"),
        (lambda op: op.enum_remove_value("st", "zz"), "cannot remove 'zz'"),
        (
            lambda op: op.enum_remove_value("st", "a", replace_with="zz"),
            "'a' would be mapped to 'zz'",
        ),
    ]
    for fn, needle in cases:
        _unchanged(db_url, fn, EnumStateError, needle)
        with pytest.raises(AssertionError, match=needle.replace("{", r"\{").replace("}", r"\}")):
            apply_script(
                second_db_url,
                render_offline(lambda op, fn=fn: (op.execute("SET search_path = public"), fn(op))),
            )


def test_refuses_rows_in_domain_columns(db_url: str) -> None:
    """The labels are compared as the enum, not the domain (whose CHECK they may fail)."""
    execute(
        db_url,
        "CREATE TYPE st AS ENUM ('a', 'b', 'c')",
        "CREATE DOMAIN st_ok AS st CHECK (VALUE <> 'c')",
        "CREATE TABLE t (x st_ok, xs st_ok[])",
        "INSERT INTO t VALUES ('b', '{a,b}'), ('a', '{b}'), ('a', NULL)",
    )
    _unchanged(
        db_url, lambda op: op.enum_swap("st", ["a"]), UnsafeOperationError,
        "public.t.x: 1 row(s) hold 'b'", "public.t.xs: 2 row(s) hold 'b' (in the array)",
    )


def test_refuses_a_temporary_table_of_another_session(db_url: str) -> None:
    import psycopg

    from tests.support.server import libpq_url

    execute(db_url, "CREATE TYPE st AS ENUM ('a', 'b')")
    with psycopg.connect(libpq_url(db_url), autocommit=True) as other:
        other.execute("CREATE TEMPORARY TABLE scratch (x st)")
        _unchanged(
            db_url, lambda op: op.enum_swap("st", ["b", "a"]), UnsafeOperationError,
            "column x of temporary table pg_temp_", ".scratch of another session",
        )


def test_a_same_named_type_elsewhere_does_not_count_as_a_use(db_url: str) -> None:
    """A function casting to public.st (unqualified, beside it) does not block the swap
    of ai.st; one casting to ai.st does."""
    execute(
        db_url,
        "CREATE SCHEMA ai",
        "CREATE TYPE ai.st AS ENUM ('a', 'b')",
        "CREATE TYPE public.st AS ENUM ('a', 'b')",
        "CREATE FUNCTION public.f() RETURNS text LANGUAGE plpgsql "
        "AS $f$ BEGIN RETURN 'a'::st; END $f$",
    )
    run_online(db_url, lambda op: op.enum_swap("st", ["b", "a"], schema="ai"))
    assert enum_snapshot(db_url)[("ai", "st")] == ("b", "a")
    execute(
        db_url,
        "CREATE FUNCTION public.g() RETURNS text LANGUAGE plpgsql "
        "AS $f$ BEGIN RETURN 'a'::ai.st; END $f$",
    )
    _unchanged(
        db_url, lambda op: op.enum_swap("st", ["a", "b"], schema="ai"), UnsafeOperationError,
        "function public.g() (its body casts to the type)",
    )
    # swapping public.st, the unqualified cast beside it counts
    _unchanged(
        db_url, lambda op: op.enum_swap("st", ["b", "a"], schema="public"),
        UnsafeOperationError, "function public.f() (its body casts to the type)",
    )


# --- a label the remap cannot rewrite (compared as text) -------------------------------


def test_refuses_a_view_comparing_a_vanishing_label_as_text(
    db_url: str, second_db_url: str
) -> None:
    """A view filtering on s::text = 'b' would silently filter on a label nobody
    holds after the swap: without a mapping for 'b' the swap refuses, online and
    offline, naming the view."""
    setup = [
        "CREATE TYPE st AS ENUM ('a', 'b')",
        "CREATE TABLE t (s st)",
        "CREATE VIEW v AS SELECT * FROM t WHERE s::text = 'b'",
    ]
    execute(db_url, *setup)
    execute(second_db_url, *setup)
    _unchanged(
        db_url, lambda op: op.enum_remove_value("st", "b"), UnsafeOperationError,
        "view public.v names 'b' in a form the swap cannot remap", "Pass mapping=",
    )
    before = snapshot(second_db_url)
    with pytest.raises(AssertionError, match=r"view public\.v names 'b' in a form"):
        apply_script(second_db_url, render_offline(lambda op: op.enum_remove_value("st", "b")))
    assert snapshot(second_db_url) == before


def test_warns_when_a_mapped_label_is_compared_as_text(
    db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """With a mapping the swap goes on (rows move b -> c), and says which view still
    reads 'b': it keeps its text, which no row holds any more."""
    execute(
        db_url,
        "CREATE TYPE st AS ENUM ('a', 'b')",
        "CREATE TABLE t (s st)",
        "INSERT INTO t VALUES ('b')",
        "CREATE VIEW v AS SELECT * FROM t WHERE s::text = 'b'",
    )
    with caplog.at_level("WARNING", logger="alembic_enum_ops"):
        run_online(db_url, lambda op: op.enum_swap("st", ["a", "c"], mapping={"b": "c"}))
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert warnings == [
        "alembic_enum_ops: view public.v names 'b' in a form the swap does not remap (not "
        "a literal of the type, e.g. compared as text): it keeps saying 'b' while the rows "
        "holding it move to 'c'"
    ]
    assert enum_snapshot(db_url) == {("public", "st"): ("a", "c")}
    assert query(db_url, "SELECT count(*) FROM v") == [(0,)]  # what the warning says


def test_a_refusal_after_a_committed_step_says_it_stays(db_url: str) -> None:
    """``ADD VALUE`` committed before the swap refused: the refusal names it (and says
    when it would not run again as written), never "nothing was changed"."""
    execute(
        db_url,
        "CREATE TYPE st AS ENUM ('a', 'b')",
        "CREATE TABLE t (s st)",
        "INSERT INTO t VALUES ('b')",
    )

    def revision(op: Any) -> None:
        op.enum_add_value("st", "c", schema="public")
        op.enum_add_value("st", "d", schema="public", if_not_exists=False)
        op.enum_remove_value("st", "b", schema="public")

    with pytest.raises(UnsafeOperationError) as caught:
        run_online(db_url, revision)
    assert str(caught.value).splitlines()[-4:] == [
        "Already committed by this revision, and kept (with whatever the revision ran "
        "before them):",
        "  - add value 'c' to enum public.st",
        "  - add value 'd' to enum public.st (not idempotent: it fails when it runs again; "
        "make it re-runnable, e.g. if_not_exists=True, before re-running)",
        "After the fix, run `alembic upgrade` again: it starts over from the last revision "
        "recorded as applied, and the steps above find their work done.",
    ]
    assert "nothing was changed" not in str(caught.value).lower()
    assert enum_snapshot(db_url) == {("public", "st"): ("a", "b", "c", "d")}
