# Type stub of alembic_enum_ops.op: Alembic's operations plus ours.
# Keep the signatures in step with the classmethods in ops.py
# (tests/test_op_stub.py compares them).
from collections.abc import Mapping, Sequence

from alembic.op import *  # noqa: F403

def enum_create(
    name: str,
    values: Sequence[str],
    *,
    schema: str | None = None,
    if_not_exists: bool = False,
) -> None: ...
def enum_drop(
    name: str,
    *,
    schema: str | None = None,
    if_exists: bool = False,
    values: Sequence[str] | None = None,
) -> None: ...
def enum_add_value(
    name: str,
    value: str,
    *,
    schema: str | None = None,
    before: str | None = None,
    after: str | None = None,
    if_not_exists: bool = True,
    lock_timeout: str | int | None = None,
) -> None: ...
def enum_rename_value(name: str, old: str, new: str, *, schema: str | None = None) -> None: ...
def enum_rename(old_name: str, new_name: str, *, schema: str | None = None) -> None: ...
def enum_set_schema(name: str, new_schema: str, *, schema: str | None = None) -> None: ...
def enum_swap(
    name: str,
    new_values: Sequence[str],
    *,
    schema: str | None = None,
    mapping: Mapping[str, str] | None = None,
    old_values: Sequence[str] | None = None,
    lock_timeout: str | int | None = None,
) -> None: ...
def enum_remove_value(
    name: str,
    value: str,
    *,
    schema: str | None = None,
    replace_with: str | None = None,
    old_values: Sequence[str] | None = None,
    lock_timeout: str | int | None = None,
) -> None: ...

# --- VARCHAR + CHECK variant ---
def check_enum_create(
    table: str,
    column: str,
    values: Sequence[str],
    *,
    schema: str | None = None,
    constraint_name: str | None = None,
    lock_timeout: str | int | None = None,
) -> None: ...
def check_enum_set_values(
    table: str,
    column: str,
    values: Sequence[str],
    *,
    schema: str | None = None,
    constraint_name: str | None = None,
    mapping: Mapping[str, str] | None = None,
    old_values: Sequence[str] | None = None,
    lock_timeout: str | int | None = None,
) -> None: ...
def check_enum_drop(
    table: str,
    column: str,
    *,
    schema: str | None = None,
    constraint_name: str | None = None,
    values: Sequence[str] | None = None,
    lock_timeout: str | int | None = None,
) -> None: ...
def enum_to_check(
    table: str,
    column: str,
    *,
    schema: str | None = None,
    type_name: str | None = None,
    type_schema: str | None = None,
    values: Sequence[str] | None = None,
    constraint_name: str | None = None,
    length: int | None = None,
    drop_type: bool = True,
    lock_timeout: str | int | None = None,
) -> None: ...
def check_to_enum(
    table: str,
    column: str,
    type_name: str,
    values: Sequence[str],
    *,
    schema: str | None = None,
    type_schema: str | None = None,
    constraint_name: str | None = None,
    create_type: bool = True,
    existing_length: int | None = None,
    lock_timeout: str | int | None = None,
) -> None: ...
