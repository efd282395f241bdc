"""Alembic's ``op``, typed with the operations of alembic-enum-ops.

In a revision, ``from alembic_enum_ops import op`` instead of ``from alembic import op``:
at run time every attribute is looked up on Alembic's own ``op`` proxy (so it is the
very same object Alembic sets up for the migration), and for mypy the stub ``op.pyi``
declares Alembic's operations plus ours, so a revision type-checks under
``mypy --strict`` with no ``# type: ignore``.
"""

from __future__ import annotations

from typing import Any

from alembic import op as _alembic_op


def __getattr__(name: str) -> Any:
    return getattr(_alembic_op, name)
