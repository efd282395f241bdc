"""How the package's autogenerate comparators are registered, across Alembic versions.

Registration works across Alembic 1.13 .. 1.20: from 1.18 a comparator is registered
at priority ``LAST``; before 1.18 priorities do not exist, but comparators of one
target run in registration order and Alembic registers its own at import, so a
comparator registered by this package (imported after Alembic) runs after them.  A
``qualifier="postgresql"`` registration would *replace* Alembic's defaults on 1.13, so
the default qualifier is used and each comparator checks the dialect inside.

Two paths lead to a comparator: Alembic's global comparators (active as soon as
``alembic_enum_ops`` is imported in env.py) and the ``alembic.plugins`` entry point
(``alembic_enum_ops_plugin``), which calls :func:`run_registered`.  Each runs at most
once per autogenerate pass.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from alembic.operations import ops as alembic_ops

if TYPE_CHECKING:
    from alembic.autogenerate.api import AutogenContext

SchemaComparator = Callable[["AutogenContext", alembic_ops.UpgradeOps, "set[str | None]"], None]
"""``fn(autogen_context, upgrade_ops, schemas)``: Alembic's schema-level signature;
``schemas`` holds the schemas autogenerate considers, None for the default one."""

_RAN_ATTRIBUTE = "_alembic_enum_ops_ran"


# --- registration ------------------------------------------------------------------


def _run_once(fn: SchemaComparator) -> Callable[..., Any]:
    """Wrap ``fn`` so it runs once per ``upgrade_ops`` even when registered twice
    (imported in env.py *and* enabled as an ``alembic.plugins`` plugin)."""

    def comparator(
        autogen_context: AutogenContext,
        upgrade_ops: alembic_ops.UpgradeOps,
        schemas: set[str | None],
    ) -> Any:
        ran: set[str] = upgrade_ops.__dict__.setdefault(_RAN_ATTRIBUTE, set())
        key = f"{fn.__module__}.{fn.__qualname__}"
        if key not in ran:
            ran.add(key)
            fn(autogen_context, upgrade_ops, schemas)
        return _continue()

    comparator.__name__ = comparator.__qualname__ = getattr(fn, "__name__", "comparator")
    comparator.__doc__ = fn.__doc__
    return comparator


def _continue() -> Any:
    try:
        from alembic.util import PriorityDispatchResult
    except ImportError:  # Alembic < 1.18: return values are ignored
        return None
    return PriorityDispatchResult.CONTINUE


def _last_priority() -> Any:
    try:
        from alembic.util import DispatchPriority
    except ImportError:  # Alembic < 1.18
        return None
    return DispatchPriority.LAST


_REGISTERED: list[SchemaComparator] = []


def register_schema_comparator(fn: SchemaComparator) -> SchemaComparator:
    """Register ``fn`` so it runs after Alembic's own schema comparison (it sees every
    ``CreateTableOp`` and ``DropTableOp``), once per autogenerate pass.

    Two paths lead to it: Alembic's global comparators (active as soon as
    ``alembic_enum_ops`` is imported in env.py) and the ``alembic.plugins`` entry
    point, which calls :func:`run_registered`.  Register at import of a module that
    ``alembic_enum_ops/__init__.py`` imports, so both paths know the function.
    """
    from alembic.autogenerate import comparators

    _REGISTERED.append(fn)

    priority = _last_priority()
    if priority is not None:
        comparators.dispatch_for("schema", priority=priority)(_run_once(fn))
    else:
        comparators.dispatch_for("schema")(_run_once(fn))
    return fn


def run_registered(
    autogen_context: AutogenContext,
    upgrade_ops: alembic_ops.UpgradeOps,
    schemas: set[str | None],
) -> None:
    """Run every comparator of the package (each at most once per ``upgrade_ops``):
    what the ``alembic.plugins`` entry point calls."""
    for fn in list(_REGISTERED):
        _run_once(fn)(autogen_context, upgrade_ops, schemas)


