"""The revision header hook, under the import path of alembic-enum-ops 0.1.

``env.py`` files written by ``alembic init -t pgenum`` from 0.1 import
``process_revision_directives`` from here; it lives in
:mod:`alembic_enum_ops.autogenerate.header`.
"""

from __future__ import annotations

from .autogenerate.header import ATTRIBUTE, TITLE, process_revision_directives

__all__ = ["ATTRIBUTE", "TITLE", "process_revision_directives"]
