"""Plans, under the import path of alembic-enum-ops 0.1 (now :mod:`alembic_enum_ops.ddl.plan`)."""

from __future__ import annotations

from .ddl.plan import *  # noqa: F403
from .ddl.plan import __all__ as __all__
