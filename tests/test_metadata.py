"""Model discovery: which named native enums a model declares, in which schema, with
which labels -- checked against where SQLAlchemy's own ``create_all()`` puts them."""

from __future__ import annotations

import enum
import warnings
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic_enum_ops import InvalidEnumInputError
from alembic_enum_ops.metadata import discover, metadatas, native_enums_in
from tests.support.catalog import enum_snapshot, execute

SA21 = sa.__version__ >= "2.1"


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"


def _values(e: type[enum.Enum]) -> list[str]:
    return [str(m.value) for m in e]


class ColorType(sa.types.TypeDecorator[Color]):
    impl = sa.Enum(Color, name="color_dec", values_callable=_values)
    cache_ok = True


class Wrapped(sa.types.TypeDecorator[Any]):
    impl = sa.Enum
    cache_ok = True


def _found(target: Any) -> dict[str, tuple[str | None, tuple[str, ...]]]:
    return {e.name: (e.schema, e.labels) for e in discover(target)}


def test_labels_follow_values_callable_or_member_names() -> None:
    metadata = sa.MetaData()
    sa.Table(
        "t",
        metadata,
        sa.Column("by_name", sa.Enum(Color, name="by_name")),
        sa.Column("by_value", sa.Enum(Color, name="by_value", values_callable=_values)),
        sa.Column("decorated", ColorType()),
        sa.Column("wrapped", Wrapped("x", "y", name="wrapped")),
    )
    assert _found(metadata) == {
        "by_name": (None, ("RED", "GREEN")),
        "by_value": (None, ("red", "green")),
        "color_dec": (None, ("red", "green")),
        "wrapped": (None, ("x", "y")),
    }


def test_non_native_unnamed_and_plain_types_are_ignored() -> None:
    metadata = sa.MetaData()
    sa.Table(
        "t",
        metadata,
        sa.Column("varchar", sa.Enum("a", name="not_native", native_enum=False)),
        sa.Column("unnamed", sa.Enum("a")),
        sa.Column("text", sa.Text()),
        sa.Column("ints", postgresql.ARRAY(sa.Integer)),
    )
    assert discover(metadata) == []


def test_arrays_variants_standalone_and_lists_of_metadata() -> None:
    first = sa.MetaData()
    shared = sa.Enum("a", "b", name="shared", schema="ai")
    sa.Table(
        "t",
        first,
        sa.Column("one", shared),
        sa.Column("many", postgresql.ARRAY(shared)),
        sa.Column("generic_array", sa.ARRAY(sa.Enum("g", name="generic_item"))),
        sa.Column("variant", sa.String().with_variant(sa.Enum("v", name="pg_only"), "postgresql")),
    )
    second = sa.MetaData()
    sa.Enum("s", name="standalone", metadata=second)
    postgresql.ENUM("p", name="pg_standalone", schema="ai", metadata=second)
    found = discover([first, second])
    assert {e.name: (e.schema, e.labels) for e in found} == {
        "shared": ("ai", ("a", "b")),
        "generic_item": (None, ("g",)),
        "pg_only": (None, ("v",)),
        "standalone": (None, ("s",)),
        "pg_standalone": ("ai", ("p",)),
    }
    shared_entry = next(e for e in found if e.name == "shared")
    assert shared_entry.columns == [(None, "t", "one"), (None, "t", "many")]
    assert metadatas(None) == []
    assert metadatas(first) == [first]


def test_same_type_twice_is_one_entry_but_different_labels_are_refused() -> None:
    metadata = sa.MetaData()
    sa.Table("a", metadata, sa.Column("s", sa.Enum("x", name="st", schema="ai")))
    sa.Table("b", metadata, sa.Column("s", sa.Enum("x", name="st", schema="ai")))
    assert [e.label for e in discover(metadata)] == ["ai.st"]
    sa.Table("c", metadata, sa.Column("s", sa.Enum("x", "y", name="st", schema="ai")))
    with pytest.raises(InvalidEnumInputError, match=r"enum ai\.st is declared twice .*column c\.s"):
        discover(metadata)


def test_native_enums_in_looks_through_wrappers() -> None:
    inner = sa.Enum("a", name="inner")
    assert list(native_enums_in(postgresql.ARRAY(inner))) == [inner]
    assert list(native_enums_in(sa.Integer())) == []


def _schema_styles() -> list[sa.MetaData]:
    """Every way of saying where an enum goes; which schema each lands in is for
    SQLAlchemy to decide."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # inherit_schema is deprecated in 2.1
        plain = sa.MetaData()
        sa.Table(
            "t",
            plain,
            sa.Column("explicit", sa.Enum("a", name="explicit", schema="ai")),
            sa.Column("table_only", sa.Enum("a", name="table_only")),
            sa.Column("inherits", sa.Enum("a", name="inherits", inherit_schema=True)),
            sa.Column("dec", Wrapped("a", name="dec_inherits", inherit_schema=True)),
            sa.Column(
                "arr", postgresql.ARRAY(sa.Enum("a", name="arr_inherits", inherit_schema=True))
            ),
            schema="ai",
        )
        defaulted = sa.MetaData(schema="ms")
        sa.Table("t", defaulted, sa.Column("meta", sa.Enum("a", name="meta_default")))
        sa.Enum("a", name="meta_standalone", metadata=defaulted)
        sa.Table(
            "u",
            defaulted,
            sa.Column("own", sa.Enum("a", name="own_schema", schema="ai")),
            schema="ai",
        )
    return [plain, defaulted]


def test_schemas_match_what_create_all_creates(db_url: str) -> None:
    execute(db_url, "CREATE SCHEMA ai", "CREATE SCHEMA ms")
    target = _schema_styles()
    engine = sa.create_engine(db_url)
    try:
        for metadata in target:
            metadata.create_all(engine)
    finally:
        engine.dispose()
    created = {name: schema for schema, name in enum_snapshot(db_url)}
    found = {e.name: e.schema or "public" for e in discover(target)}
    assert found == created
    # the documented differences, so a change in SQLAlchemy is noticed here
    assert created["table_only"] == "public"
    assert created["inherits"] == "ai"
    assert created["meta_default"] == ("ms" if SA21 else "public")
    assert created["own_schema"] == "ai"
