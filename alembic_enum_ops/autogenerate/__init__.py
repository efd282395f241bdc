"""Autogenerate support: comparators, how operations are written into revisions, and
the "locks and rewrites" header of a revision.

Importing this package registers the renderers (:mod:`.render`) and the comparators,
in this order: native enums (:mod:`.native`), then the VARCHAR + CHECK variant
(:mod:`.check`), which relies on the native one having run first (it removes the
column type changes that only concern an enum's schema or labels), then the note on
schemas the database lacks (:mod:`.schemas`), which sees every operation.
"""

from __future__ import annotations

from . import render as render
from .check import compare_check_enums
from .header import process_revision_directives
from .native import compare_native_enums
from .registry import register_schema_comparator
from .schemas import note_missing_schemas

register_schema_comparator(compare_native_enums)
register_schema_comparator(compare_check_enums)
register_schema_comparator(note_missing_schemas)

__all__ = ["process_revision_directives"]
