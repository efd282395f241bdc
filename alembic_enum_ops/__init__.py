"""alembic-enum-ops: safe PostgreSQL enum migrations for Alembic.

Importing this package registers the operations (``op.enum_create`` and friends),
their executors, the autogenerate comparators and the renderers on Alembic.  In a
revision, use the typed ``op`` from this package so mypy sees the operations::

    from alembic_enum_ops import op

The layers, from the top (``docs/architecture.md`` draws them): :mod:`.operations`
(what a revision calls), :mod:`.ddl` (plans and the runner), :mod:`.catalog`
(set-based reads), :mod:`.autogenerate`, :mod:`.doctor` and :mod:`.cli`.
"""

from __future__ import annotations

from . import autogenerate as autogenerate  # registers the comparators and renderers
from . import operations as operations  # registers the operations and their executors
from .ddl.online.cleanup import online_cleanup
from .ddl.plan import Boundary, Plan, Statement, Step
from .ddl.swap_preview import preview_swap
from .errors import (
    EnumOpsError,
    EnumStateError,
    InvalidEnumInputError,
    LockTimeoutExhaustedError,
    StatementFailedError,
    UnsafeOperationError,
    deprecated_name,
)
from .metadata import check_enum
from .options import EnumOpsOptions
from .verify import EnumVerificationError, averify, verify

__version__ = "0.1.0"

__all__ = [
    "Boundary",
    "EnumOpsError",
    "EnumOpsOptions",
    "EnumStateError",
    "EnumVerificationError",
    "InvalidEnumInputError",
    "LockTimeoutExhaustedError",
    "Plan",
    "Statement",
    "StatementFailedError",
    "Step",
    "UnsafeOperationError",
    "__version__",
    "averify",
    "check_enum",
    "online_cleanup",
    "preview_swap",
    "verify",
]


def __getattr__(name: str) -> type[EnumOpsError]:
    """The deprecated names of 0.1 (``InvalidEnumInput``, ``LockTimeoutExhausted``)."""
    return deprecated_name(__name__, name)
