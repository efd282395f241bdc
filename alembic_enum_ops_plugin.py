"""Alembic 1.18+ plugin entry point of alembic-enum-ops (``alembic.plugins`` group).

Alembic imports this module midway through ``import alembic``, before its
autogenerate and runtime modules are usable, so it imports nothing from Alembic or
from ``alembic_enum_ops`` at top level: ``setup()`` registers a thin comparator that
imports the package only when autogenerate actually runs, then runs every comparator
the package registered (``alembic_enum_ops.autogenerate.registry.register_schema_comparator``).

Enable it with ``context.configure(autogenerate_plugins=["alembic.autogenerate.*",
"alembic_enum_ops"])``.  Importing ``alembic_enum_ops`` in env.py registers the same
comparators; enabling both is harmless (each runs once per autogenerate pass).
"""

from __future__ import annotations

from typing import Any


def run_comparators(autogen_context: Any, upgrade_ops: Any, schemas: Any) -> Any:
    """Run the package's comparators (imported lazily: importing ``alembic_enum_ops``
    also registers the operations and their renderers)."""
    from alembic.util import PriorityDispatchResult

    from alembic_enum_ops.autogenerate.registry import run_registered

    run_registered(autogen_context, upgrade_ops, schemas)
    return PriorityDispatchResult.CONTINUE


def setup(plugin: Any) -> None:
    """Called by Alembic with the ``Plugin`` named after the entry point."""
    from alembic.util import DispatchPriority

    plugin.add_autogenerate_comparator(run_comparators, "schema", priority=DispatchPriority.LAST)
