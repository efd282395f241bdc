"""What ``doctor`` finds, as data: severities, findings, the model's expectations and
the report, with the documented JSON shape (``docs/doctor.md``)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from ..catalog import SearchPath

JSON_FORMAT_VERSION = 1


class Severity(str, enum.Enum):
    """How bad a finding is; only ``error`` makes ``doctor`` exit non-zero."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 0, "warning": 1, "info": 2}[self.value]


@dataclass(frozen=True)
class DbObject:
    """A database object a finding is about (``kind`` ``type``, ``column``, ``view``...)."""

    kind: str
    schema: str | None
    name: str

    @property
    def qualified(self) -> str:
        return self.name if self.schema is None else f"{self.schema}.{self.name}"

    def __str__(self) -> str:
        return f"{self.kind.replace('_', ' ')} {self.qualified}"

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "schema": self.schema, "name": self.name}


@dataclass(frozen=True)
class Finding:
    """One diagnosis: what is wrong (``message``), with what, and what to do (``fix``)."""

    severity: Severity
    code: str
    objects: tuple[DbObject, ...]
    message: str
    fix: str

    @property
    def type_names(self) -> frozenset[str]:
        return frozenset(o.name for o in self.objects if o.kind == "type")

    def as_dict(self) -> dict[str, Any]:
        return {
            "severity": self.severity.value,
            "code": self.code,
            "objects": [o.as_dict() for o in self.objects],
            "message": self.message,
            "fix": self.fix,
        }

    def sort_key(self) -> tuple[Any, ...]:
        return (self.severity.rank, self.code, [o.qualified for o in self.objects])


@dataclass(frozen=True)
class ExpectedColumn:
    """A model column that uses an enum (``schema`` None: the default schema)."""

    schema: str | None
    table: str
    column: str


@dataclass(frozen=True)
class ExpectedEnum:
    """What the metadata says about one native enum.

    ``schema`` None means the connection's default schema (``current_schema()``).
    ``labels`` are the labels SQLAlchemy persists.  ``member_names``/``member_values``
    describe the Python ``enum.Enum`` class behind it (None for a plain list of
    strings); ``persists_values`` tells whether ``values_callable`` makes SQLAlchemy
    store member values instead of member names.
    """

    name: str
    schema: str | None
    labels: tuple[str, ...]
    columns: tuple[ExpectedColumn, ...] = ()
    member_names: tuple[str, ...] | None = None
    member_values: tuple[str, ...] | None = None
    persists_values: bool = False


@dataclass
class Report:
    """Everything ``doctor`` found, in a stable order."""

    findings: list[Finding]
    search_path: SearchPath
    enum_count: int
    server_version: str = ""
    database: str = ""
    checked_metadata: bool = False
    counts: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.findings.sort(key=Finding.sort_key)
        self.counts = {s.value: 0 for s in Severity}
        for finding in self.findings:
            self.counts[finding.severity.value] += 1

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity is Severity.ERROR]

    @property
    def exit_code(self) -> int:
        """0 when no error-level finding exists, 1 otherwise."""
        return 1 if self.errors else 0

    def as_dict(self) -> dict[str, Any]:
        """The documented JSON document (``docs/doctor.md``); keys never change meaning
        within a ``format_version``."""
        return {
            "format_version": JSON_FORMAT_VERSION,
            "database": {
                "url": self.database,
                "server_version": self.server_version,
                "search_path": self.search_path.setting,
                "current_schemas": list(self.search_path.schemas),
                "current_schema": self.search_path.current_schema,
            },
            "checked_metadata": self.checked_metadata,
            "summary": {
                "enum_types": self.enum_count,
                "errors": self.counts["error"],
                "warnings": self.counts["warning"],
                "info": self.counts["info"],
                "exit_code": self.exit_code,
            },
            "findings": [f.as_dict() for f in self.findings],
        }


