"""Diagnose a database's enum types: the failures our users met, as findings.

``diagnose(connection, expected)`` reads the catalog with a fixed number of queries
(enums, their classified dependents, the search_path resolution) and, when the
metadata's enums are given, compares them too.  Each problem becomes a
:class:`Finding` — data, not text — with a severity, a stable ``code``, the objects
involved and the fix, so the CLI can print it as text or JSON and ``verify()`` can
raise on it.  See ``docs/doctor.md`` for every code.
"""

from __future__ import annotations

from .analysis import diagnose
from .render import render_json, render_text
from .report import (
    JSON_FORMAT_VERSION,
    DbObject,
    ExpectedColumn,
    ExpectedEnum,
    Finding,
    Report,
    Severity,
)

__all__ = [
    "JSON_FORMAT_VERSION",
    "DbObject",
    "ExpectedColumn",
    "ExpectedEnum",
    "Finding",
    "Report",
    "Severity",
    "diagnose",
    "render_json",
    "render_text",
]
