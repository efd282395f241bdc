"""``preview_swap()``, under the import path of alembic-enum-ops 0.1 (it lives in
:mod:`alembic_enum_ops.ddl.swap`)."""

from __future__ import annotations

from .ddl.swap_preview import preview_swap

__all__ = ["preview_swap"]
