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
from .citus import CitusTable, citus_installed, read_citus_tables
from .columns import TEXT_TYPES, ColumnInfo, ColumnType, read_column_types, read_columns
from .dependents import CLASSIFY_SQL, EnumDependent, dependent_from, read_enum_dependents
from .enums import EnumType, current_schema, find_enum, read_enums
from .search_path import SearchPath, read_search_path

__all__ = [
    "CLASSIFY_SQL",
    "TEXT_TYPES",
    "CheckConstraintInfo",
    "CitusTable",
    "ColumnInfo",
    "ColumnType",
    "EnumDependent",
    "EnumType",
    "SearchPath",
    "citus_installed",
    "count_values_outside",
    "current_schema",
    "dependent_from",
    "find_enum",
    "parse_check_values",
    "read_check_constraints",
    "read_citus_tables",
    "read_column_types",
    "read_columns",
    "read_enum_dependents",
    "read_enums",
    "read_search_path",
]
