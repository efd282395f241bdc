"""The operation classes, under the import path of alembic-enum-ops 0.1.

They live in :mod:`alembic_enum_ops.operations` (one module per family); this module
keeps ``from alembic_enum_ops.ops import SwapEnumOp`` working.
"""

from __future__ import annotations

from .operations import *  # noqa: F403
from .operations import __all__ as __all__
