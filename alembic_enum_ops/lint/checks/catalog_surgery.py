"""EO1xx: statements that destroy data or edit the catalog by hand.

``DROP TYPE ... CASCADE`` (EO101) drops every column, view and default that uses the
type without a word; ``INSERT``/``UPDATE``/``DELETE`` on ``pg_enum`` (EO102) leaves
rows holding labels the catalog no longer knows.  Both have an operation that checks
first and refuses, named in the fix.
"""

from __future__ import annotations

from .. import sql_reader as sql
from ..findings import Span
from .fix_text import op_call
from .state import FunctionState


def drop_type(state: FunctionState, fact: sql.DropType, here: Span) -> None:
    """``DROP TYPE``/``DROP DOMAIN``: the types leave the history; CASCADE is EO101."""
    for name in fact.names:
        state.registry.drop(name.schema, name.name)
    if not fact.cascade:
        return
    kind = "DOMAIN" if fact.domain else "TYPE"
    names = ", ".join(str(n) for n in fact.names)
    if fact.domain:
        fix = f"DROP DOMAIN {names} without CASCADE, after converting or dropping what uses it"
    else:
        fix = " ; ".join(
            op_call("enum_drop", n.name, schema=n.schema,
                    if_exists=True if fact.if_exists else None)
            for n in fact.names
        ) + (
            " -- it never cascades: it refuses while anything depends on the type and "
            "names each dependent, so you convert or drop them on purpose first"
        )
    state.report(
        "EO101", here,
        f"DROP {kind} {names} CASCADE also drops, without a word, every column, view, "
        "function and default that uses the type -- the data in those columns is gone",
        fix,
    )


_CATALOG_FIXES = {
    "DELETE": "op.enum_remove_value(name, value, schema=..., replace_with=...) or "
              "op.enum_swap(...)",
    "UPDATE": "op.enum_rename_value(name, old, new, schema=...) to rename a label, "
              "op.enum_swap(...) to reorder",
    "INSERT": "op.enum_add_value(name, value, schema=..., before=/after=...)",
}


def catalog_edit(state: FunctionState, fact: sql.CatalogEdit, here: Span) -> None:
    """EO102: a hand edit of ``pg_enum``."""
    state.report(
        "EO102", here,
        f"{fact.verb} on pg_enum edits the catalog by hand: rows still holding a deleted "
        "label become unreadable ('invalid internal value for enum'), sort order and "
        "OIDs can break, and nothing checks the data first",
        _CATALOG_FIXES.get(fact.verb, "op.enum_swap(...)"),
    )
