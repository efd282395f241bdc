"""The session's ``search_path`` and what unqualified type names resolve to."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection


@dataclass(frozen=True)
class SearchPath:
    """The session's ``search_path`` and what unqualified type names resolve to."""

    setting: str  # SHOW search_path, as configured ("$user", public)
    schemas: tuple[str, ...]  # current_schemas(false): the schemas that exist
    current_schema: str | None
    resolves_to: dict[str, tuple[str, str] | None]  # name -> (schema, name) or None


_SEARCH_PATH_SQL = sa.text(
    """
    SELECT current_setting('search_path') AS setting,
           CAST(current_schemas(false) AS text[]) AS schemas,
           current_schema()::text AS current_schema,
           (SELECT COALESCE(array_agg(w.name ORDER BY w.ord), '{}')
            FROM unnest(CAST(:names AS text[])) WITH ORDINALITY AS w(name, ord)) AS names,
           (SELECT COALESCE(array_agg(n.nspname::text ORDER BY w.ord), '{}')
            FROM unnest(CAST(:names AS text[])) WITH ORDINALITY AS w(name, ord)
            LEFT JOIN pg_type t ON t.oid = to_regtype(quote_ident(w.name))
            LEFT JOIN pg_namespace n ON n.oid = t.typnamespace) AS resolved
    """
)


def read_search_path(connection: Connection, names: Iterable[str] = ()) -> SearchPath:
    """The search_path and, for each type name, the schema an unqualified
    ``CAST(x AS name)`` would use (``to_regtype``), in one query."""
    wanted = sorted(set(names))
    row = connection.execute(_SEARCH_PATH_SQL, {"names": wanted}).one()
    resolved: dict[str, tuple[str, str] | None] = {}
    for name, schema in zip(row.names, row.resolved, strict=True):
        resolved[name] = None if schema is None else (schema, name)
    return SearchPath(
        setting=row.setting,
        schemas=tuple(row.schemas),
        current_schema=row.current_schema,
        resolves_to=resolved,
    )

