"""Alembic 1.18+ plugin entry point of alembic-enum-ops (``alembic.plugins`` group).

Alembic imports this module midway through ``import alembic``, before its
autogenerate and runtime modules are usable, so it imports nothing from Alembic or
from ``alembic_enum_ops`` at top level: ``setup()`` registers a thin comparator that
imports the package only when autogenerate actually runs.

Enable it with ``context.configure(autogenerate_plugins=["alembic.autogenerate.*",
"alembic_enum_ops"])``.  Importing ``alembic_enum_ops`` in env.py registers the same
comparator; enabling both is harmless (it runs once per autogenerate pass).
"""

from __future__ import annotations

from typing import Any


def compare_native_enums(autogen_context: Any, upgrade_ops: Any, schemas: Any) -> None:
    """Forward to :func:`alembic_enum_ops.compare.compare_native_enums` (imported
    lazily, which also registers the operations and their renderers)."""
    from alembic_enum_ops.compare import compare_native_enums as compare

    compare(autogen_context, upgrade_ops, schemas)


def setup(plugin: Any) -> None:
    """Called by Alembic with the ``Plugin`` named after the entry point."""
    from alembic.util import DispatchPriority, PriorityDispatchResult

    def comparator(autogen_context: Any, upgrade_ops: Any, schemas: Any) -> Any:
        ran: set[str] = upgrade_ops.__dict__.setdefault("_alembic_enum_ops_ran", set())
        key = "alembic_enum_ops.compare.compare_native_enums"
        if key not in ran:
            ran.add(key)
            compare_native_enums(autogen_context, upgrade_ops, schemas)
        return PriorityDispatchResult.CONTINUE

    plugin.add_autogenerate_comparator(comparator, "schema", priority=DispatchPriority.LAST)
