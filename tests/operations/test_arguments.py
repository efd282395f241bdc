"""Operation objects: validation, reverse() and to_diff_tuple() (no database needed)."""

from __future__ import annotations

import pytest

from alembic_enum_ops.errors import InvalidEnumInputError
from alembic_enum_ops.operations import (
    AddEnumValueOp,
    CreateEnumOp,
    DropEnumOp,
    RemoveEnumValueOp,
    RenameEnumOp,
    RenameEnumValueOp,
    SetEnumSchemaOp,
    SwapEnumOp,
)


def test_create_reverses_to_a_drop_that_remembers_the_labels() -> None:
    create = CreateEnumOp("status", ["a", "b"], schema="ai")
    drop = create.reverse()
    assert isinstance(drop, DropEnumOp)
    assert (drop.name, drop.schema, drop.values) == ("status", "ai", ("a", "b"))
    again = drop.reverse()
    assert again.to_diff_tuple() == create.to_diff_tuple() == (
        "enum_create", "ai", "status", ("a", "b"),
    )


def test_drop_without_values_cannot_be_reversed() -> None:
    with pytest.raises(InvalidEnumInputError, match=r"enum_drop of ai\.status cannot be reversed"):
        DropEnumOp("status", schema="ai").reverse()


def test_add_value_reverses_to_removal() -> None:
    add = AddEnumValueOp("status", "c", schema="ai", after="b")
    assert add.to_diff_tuple() == ("enum_add_value", "ai", "status", "c", None, "b")
    remove = add.reverse()
    assert isinstance(remove, RemoveEnumValueOp)
    assert (remove.name, remove.schema, remove.value) == ("status", "ai", "c")


def test_remove_value_reverse_restores_the_position() -> None:
    middle = RemoveEnumValueOp("s", "b", old_values=["a", "b", "c"]).reverse()
    assert (middle.value, middle.before, middle.after) == ("b", "c", None)
    last = RemoveEnumValueOp("s", "c", old_values=["a", "b", "c"]).reverse()
    assert (last.value, last.before, last.after) == ("c", None, "b")


def test_rename_value_rename_and_set_schema_reverse() -> None:
    assert RenameEnumValueOp("s", "a", "b", schema="x").reverse().to_diff_tuple() == (
        "enum_rename_value", "x", "s", "b", "a",
    )
    assert RenameEnumOp("s", "t", schema="x").reverse().to_diff_tuple() == (
        "enum_rename", "x", "t", "s",
    )
    assert SetEnumSchemaOp("s", "new", schema="old").reverse().to_diff_tuple() == (
        "enum_set_schema", "new", "s", "old",
    )
    with pytest.raises(
        InvalidEnumInputError, match="cannot be reversed without the original schema"
    ):
        SetEnumSchemaOp("s", "new").reverse()


def test_swap_reverse_inverts_the_mapping_where_it_can() -> None:
    swap = SwapEnumOp(
        "s", ["a", "c"], schema="x", mapping={"b": "c"}, old_values=["a", "b"]
    )
    back = swap.reverse()
    assert back.new_values == ("a", "b")
    assert back.old_values == ("a", "c")
    assert back.mapping == {"c": "b"}
    assert back.reverse().new_values == ("a", "c")


def test_swap_validates_its_mapping() -> None:
    with pytest.raises(InvalidEnumInputError, match=r"mapping targets \['zz'\] are not among"):
        SwapEnumOp("s", ["a"], mapping={"b": "zz"})
    with pytest.raises(InvalidEnumInputError, match=r"mapping names label\(s\) \['q'\]"):
        SwapEnumOp("s", ["a"], mapping={"q": "a"}, old_values=["a", "b"])
    with pytest.raises(InvalidEnumInputError, match="cannot be reversed: pass old_values"):
        SwapEnumOp("s", ["a"]).reverse()


@pytest.mark.parametrize(
    ("factory", "message"),
    [
        (lambda: AddEnumValueOp("s", "a", before="a"), "relative to itself"),
        (lambda: RenameEnumOp("s", "s"), "new name equals the old one"),
        (lambda: RenameEnumValueOp("s", "a", "a"), "renaming 'a' to itself does nothing"),
        (lambda: RemoveEnumValueOp("s", "a", replace_with="a"), "replace_with equals"),
        (lambda: RemoveEnumValueOp("s", "z", old_values=["a"]), "'z' is not among old_values"),
        (lambda: CreateEnumOp("", ["a"]), "enum type name must not be empty"),
        (lambda: CreateEnumOp(5, ["a"]), "enum type name must be a string"),  # type: ignore[arg-type]
    ],
)
def test_constructor_errors(factory: object, message: str) -> None:
    with pytest.raises(InvalidEnumInputError, match=message):
        factory()  # type: ignore[operator]


def test_input_errors_are_value_errors() -> None:
    with pytest.raises(ValueError):
        CreateEnumOp("s", [])
