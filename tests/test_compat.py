"""The import paths and names of 0.1 keep working after the layout by layer and family."""

from __future__ import annotations

import importlib

import pytest

import alembic_enum_ops
from alembic_enum_ops import errors, operations
from alembic_enum_ops.autogenerate import header
from alembic_enum_ops.ddl import plan, swap_preview


@pytest.mark.parametrize(
    ("old_module", "names", "new_home"),
    [
        ("alembic_enum_ops.ops", ["SwapEnumOp", "CreateCheckEnumOp", "EnumNoteOp"], operations),
        ("alembic_enum_ops.plan", ["Plan", "Step", "Statement", "Boundary"], plan),
        ("alembic_enum_ops.revision_header", ["process_revision_directives", "TITLE"], header),
        ("alembic_enum_ops.swap_catalog", ["preview_swap"], swap_preview),
    ],
)
def test_old_module_paths_are_the_same_objects(
    old_module: str, names: list[str], new_home: object
) -> None:
    module = importlib.import_module(old_module)
    for name in names:
        assert getattr(module, name) is getattr(new_home, name), name


def test_check_enum_old_and_new_paths() -> None:
    from alembic_enum_ops.compare_check import check_enum as old
    from alembic_enum_ops.metadata import check_enum as home

    assert old is home is alembic_enum_ops.check_enum
    assert alembic_enum_ops.preview_swap is swap_preview.preview_swap


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("InvalidEnumInput", errors.InvalidEnumInputError),
        ("LockTimeoutExhausted", errors.LockTimeoutExhaustedError),
    ],
)
@pytest.mark.parametrize("module", [alembic_enum_ops, errors])
def test_deprecated_exception_names_warn_and_are_the_same_class(
    module: object, old: str, new: type[Exception]
) -> None:
    with pytest.warns(DeprecationWarning, match=f"{old} is deprecated; use {new.__name__}"):
        assert getattr(module, old) is new


def test_unknown_names_still_raise_attribute_error() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'NoSuchThing'"):
        alembic_enum_ops.NoSuchThing  # type: ignore[attr-defined]  # noqa: B018
    with pytest.raises(AttributeError, match="has no attribute 'NoSuchThing'"):
        errors.NoSuchThing  # type: ignore[attr-defined]  # noqa: B018
