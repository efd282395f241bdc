"""What every doctor check reads: the catalog's enums, what uses each (the swap
engine's description), the search path, the model's enums and the columns it names;
and the findings list the checks append to."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from ..catalog import (
    ColumnType,
    EnumDependent,
    EnumType,
    SearchPath,
)
from ..ddl.swap_preview import SwapDescription
from .report import DbObject, ExpectedEnum, Finding, Severity


class AnalysisState:
    """The catalog data and model the checks read, and the findings they write."""

    def __init__(
        self,
        enums: list[EnumType],
        swaps: dict[tuple[str, str], SwapDescription],
        path: SearchPath,
        expected: Sequence[ExpectedEnum] | None,
        column_types: Sequence[ColumnType] = (),
        *,
        default_schema: str | None = None,
        translated: bool = False,
    ) -> None:
        self.enums = {e.key: e for e in enums}
        self.column_types = {(c.schema, c.table, c.column): c for c in column_types}
        self.by_name: dict[str, list[EnumType]] = defaultdict(list)
        for e in enums:
            self.by_name[e.name].append(e)
        self.swaps = swaps
        self.path = path
        self.default_schema = default_schema or path.current_schema
        self.expected = list(expected or [])
        self.translated = translated
        """The connection translates schemas (a schema per tenant): SQLAlchemy
        qualifies the application's SQL itself, and every tenant has its copy of each
        type, so copies of a name in other schemas are expected."""
        self.findings: list[Finding] = []

    def add(self, severity: Severity, code: str, objects: Iterable[DbObject],
            message: str, fix: str) -> None:
        self.findings.append(Finding(severity, code, tuple(objects), message, fix))

    def expected_key(self, model: ExpectedEnum) -> tuple[str, str] | None:
        schema = model.schema or self.default_schema
        return None if schema is None else (schema, model.name)

    def table_columns(self, key: tuple[str, str]) -> list[EnumDependent]:
        """Columns of tables (partitions included) using the type or its array."""
        swap = self.swaps.get(key)
        return [] if swap is None else [c.object for c in swap.columns if c.is_table_column]

    def used(self, key: tuple[str, str]) -> bool:
        """Anything uses the type; one the engine could not describe counts as used."""
        swap = self.swaps.get(key)
        return swap is None or swap.used
