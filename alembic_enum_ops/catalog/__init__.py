"""Set-based reads of the PostgreSQL catalog.

Each function is one query, whatever the number of schemas, types or columns asked
about: autogenerate, the executors and ``doctor`` call these instead of asking per
object, so their cost does not grow with the size of the model.
"""

from __future__ import annotations

from .checks import (
    CheckConstraintInfo,
    count_values_outside,
    parse_check_values,
    read_check_constraints,
)
from .columns import TEXT_TYPES, ColumnInfo, ColumnType, read_column_types, read_columns
from .dependents import (
    EnumDependent,
    TypeDependent,
    read_enum_dependents,
    read_function_mentions,
    read_type_dependents,
)
from .enums import EnumType, current_schema, find_enum, read_enums
from .search_path import SearchPath, read_search_path
from .swap_relations import SwapRelation, read_swap_relations

__all__ = [
    "TEXT_TYPES",
    "CheckConstraintInfo",
    "ColumnInfo",
    "ColumnType",
    "EnumDependent",
    "EnumType",
    "SearchPath",
    "SwapRelation",
    "TypeDependent",
    "count_values_outside",
    "current_schema",
    "find_enum",
    "parse_check_values",
    "read_check_constraints",
    "read_column_types",
    "read_columns",
    "read_enum_dependents",
    "read_enums",
    "read_function_mentions",
    "read_search_path",
    "read_swap_relations",
    "read_type_dependents",
]
