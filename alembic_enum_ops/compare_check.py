"""``check_enum()``, under the import path of alembic-enum-ops 0.1.

Models declare VARCHAR + CHECK columns with ``alembic_enum_ops.check_enum`` (it lives
in :mod:`alembic_enum_ops.metadata`); this module keeps the old import working.
"""

from __future__ import annotations

from .metadata import check_enum, check_enum_type

__all__ = ["check_enum", "check_enum_type"]
