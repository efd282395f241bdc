"""alembic-enum-ops: safe PostgreSQL enum migrations for Alembic.

Importing this package registers the operations (``op.enum_create`` and friends),
their executors and their autogenerate renderers on Alembic.  In a revision, use the
typed ``op`` from this package so mypy sees the operations::

    from alembic_enum_ops import op
"""

from __future__ import annotations

from . import compare as compare  # registers the autogenerate comparators
from . import compare_check as compare_check  # VARCHAR + CHECK comparator
from . import ops as ops
from . import render as render
from . import toimpl as toimpl
from .errors import (
    EnumOpsError,
    EnumStateError,
    InvalidEnumInput,
    LockTimeoutExhausted,
    UnsafeOperationError,
)
from .options import EnumOpsOptions
from .plan import Boundary, Plan, Statement, Step
from .verify import EnumVerificationError, averify, verify

__version__ = "0.1.0"

__all__ = [
    "Boundary",
    "EnumOpsError",
    "EnumOpsOptions",
    "EnumStateError",
    "EnumVerificationError",
    "InvalidEnumInput",
    "LockTimeoutExhausted",
    "Plan",
    "Statement",
    "Step",
    "UnsafeOperationError",
    "__version__",
    "averify",
    "verify",
]
