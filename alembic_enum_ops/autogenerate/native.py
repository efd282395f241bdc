"""Autogenerate comparators: make ``revision --autogenerate`` and ``alembic check``
see every change of a native enum.

One schema-level comparator runs after Alembic's own table comparison (so it sees the
``create_table`` / ``add_column`` / ``drop_table`` operations Alembic produced), reads
all enums of the schemas in play in ONE catalog query (plus one dependents query when
a type is about to be dropped), and edits ``upgrade_ops``:

* a type the model has and the database lacks -> ``enum_create`` just before the first
  operation that needs it, and the columns of that operation are rendered with
  ``create_type=False`` so ``create_table`` does not create the type a second time;
* labels appended or inserted -> ``enum_add_value`` with exact ``before=``/``after=``;
* labels removed or reordered -> ``enum_swap`` (with ``old_values``);
* a type found in another schema than the model's -> ``enum_set_schema``;
* a type the model no longer uses -> ``enum_drop`` at the end, when nothing that stays
  uses it (otherwise a comment says why it is kept).

Registered with :func:`~.registry.register_schema_comparator`.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from alembic.operations import ops as alembic_ops
from sqlalchemy.dialects import postgresql
from sqlalchemy.types import TypeEngine

from ..catalog import EnumType, read_enum_dependents, read_enums
from ..metadata import ModelEnum, discover, native_enums_in
from ..operations.native import AddEnumValueOp, CreateEnumOp, DropEnumOp, SetEnumSchemaOp
from ..operations.notes import EnumNoteOp
from ..operations.swap import SwapEnumOp
from ..options import EnumOpsOptions
from ..schema_map import SchemaResolver
from ..validation import qualified_label
from .column_types import existing_type, install_render_item

if TYPE_CHECKING:
    from alembic.autogenerate.api import AutogenContext
    from sqlalchemy.engine import Connection

log = logging.getLogger(__name__)


Key = tuple[str, str]
"""(schema, name) with the default schema spelled out."""


@dataclass
class _Context:
    autogen: AutogenContext
    connection: Connection
    schemas: SchemaResolver
    """Model schemas <-> database schemas, through the connection's
    ``schema_translate_map`` when it has one (a schema per tenant)."""

    @property
    def default_schema(self) -> str:
        return self.schemas.default

    def key(self, schema: str | None, name: str) -> Key:
        """A model's (or an operation's) ``schema=`` and name -> the database's key."""
        return (self.schemas.database(schema), name)

    def render_schema(self, schema: str) -> str | None:
        """Database schema -> the ``schema=`` to write (None for the default one,
        like Alembic's own table operations)."""
        if self.schemas.mapping is None:
            return None if schema == self.default_schema else schema
        return self.schemas.model(schema)[1]

    def revision_schema(self, schema: str) -> str | None:
        """Database schema -> the schema a revision names explicitly (itself without
        a map; through a map, the name it translates from, None for the default)."""
        if self.schemas.mapping is None:
            return schema
        return self.schemas.model(schema)[1]

    def enum_key(self, enum: sa.Enum) -> Key:
        return self.key(enum.schema, str(enum.name))


def _type_enums(type_: TypeEngine[Any] | None) -> list[sa.Enum]:
    return [] if type_ is None else list(native_enums_in(type_))


def _ops_needing(op: alembic_ops.MigrateOperation) -> Iterator[sa.Enum]:
    """Enums a (top-level) operation needs to exist before it runs."""
    if isinstance(op, alembic_ops.CreateTableOp):
        for column in op.columns:
            if isinstance(column, sa.Column):
                yield from _type_enums(column.type)
    elif isinstance(op, alembic_ops.AddColumnOp):
        yield from _type_enums(op.column.type)
    elif isinstance(op, alembic_ops.AlterColumnOp):
        yield from _type_enums(op.modify_type)
    elif isinstance(op, alembic_ops.OpContainer):
        for sub in op.ops:
            yield from _ops_needing(sub)


def _rewrite_columns(
    op: alembic_ops.MigrateOperation, ctx: _Context, managed: set[Key]
) -> bool:
    """Give table operations' columns ``create_type=False``, so neither
    ``create_table`` nor a downgrade's re-created table issues a ``CREATE TYPE``.

    Columns of new tables and columns: for the enums this comparator looks after
    (they exist, or are created just before).  Columns a downgrade re-creates (the
    reverse of ``drop_table`` / ``drop_column``): always, since their type exists in
    the database now and, at downgrade time, either still does or has just been
    re-created by the reverse of ``enum_drop``.  Returns whether anything changed.
    """
    changed = False

    def schema_of(enum: sa.Enum) -> str | None:
        return enum.schema

    def fix(column: sa.Column[Any], *, always: bool = False) -> sa.Column[Any]:
        nonlocal changed
        enums = _type_enums(column.type)
        if not enums or not (always or any(ctx.enum_key(e) in managed for e in enums)):
            return column
        new = copy.copy(column) if column.table is None else column._copy()
        new.type = existing_type(column.type, schema_of)
        changed = True
        return new

    if isinstance(op, alembic_ops.CreateTableOp):
        op.columns = [fix(c) if isinstance(c, sa.Column) else c for c in op.columns]
    elif isinstance(op, alembic_ops.DropTableOp) and op._reverse is not None:
        op._reverse.columns = [
            fix(c, always=True) if isinstance(c, sa.Column) else c
            for c in op._reverse.columns
        ]
    elif isinstance(op, alembic_ops.AddColumnOp):
        op.column = fix(op.column)
    elif isinstance(op, alembic_ops.DropColumnOp) and op._reverse is not None:
        op._reverse.column = fix(op._reverse.column, always=True)
    elif isinstance(op, alembic_ops.OpContainer):
        for sub in op.ops:
            changed = _rewrite_columns(sub, ctx, managed) or changed
    return changed


def _going_away(
    upgrade_ops: alembic_ops.UpgradeOps, ctx: _Context
) -> tuple[set[Key], set[tuple[str, str, str]]]:
    """Tables and columns this revision drops or retypes: their use of a type does not
    keep it alive."""
    tables: set[Key] = set()
    columns: set[tuple[str, str, str]] = set()
    for op in upgrade_ops.ops:
        if isinstance(op, alembic_ops.DropTableOp):
            tables.add(ctx.key(op.schema, op.table_name))
        elif isinstance(op, alembic_ops.ModifyTableOps):
            schema, table = ctx.key(op.schema, op.table_name)
            for sub in op.ops:
                if isinstance(sub, alembic_ops.DropColumnOp):
                    columns.add((schema, table, sub.column_name))
                elif isinstance(sub, alembic_ops.AlterColumnOp) and sub.modify_type is not None:
                    columns.add((schema, table, sub.column_name))
    return tables, columns


def value_changes(
    name: str, schema: str | None, old: Sequence[str], new: Sequence[str], *,
    online: bool = False,
) -> list[alembic_ops.MigrateOperation]:
    """The operations turning labels ``old`` into ``new`` (same type).

    When ``old`` appears in ``new`` in the same order, only insertions are needed:
    one ``enum_add_value`` per new label, placed ``before=`` the next label that
    already exists at that point (``after=`` the previous one at the end), so the
    final order is exactly ``new``.  Anything else (a label removed, labels
    reordered) needs a swap (``online=True``: the online swap, for
    ``EnumOpsOptions(online_conversions=True)``).
    """
    old = list(old)
    new = list(new)
    if old == new:
        return []
    present = set(old)
    if present <= set(new) and [v for v in new if v in present] == old:
        result: list[alembic_ops.MigrateOperation] = []
        for index, label in enumerate(new):
            if label in present:
                continue
            following = next((v for v in new[index + 1 :] if v in present), None)
            previous = new[index - 1] if index > 0 else None
            if following is not None:
                result.append(AddEnumValueOp(name, label, schema=schema, before=following))
            else:
                result.append(AddEnumValueOp(name, label, schema=schema, after=previous))
            present.add(label)
        return result
    return [SwapEnumOp(name, new, schema=schema, old_values=old, online=online)]


def keep_database_order(old: Sequence[str], new: Sequence[str]) -> list[str]:
    """``new``'s labels with the order of ``old`` (``ignore_label_order``): the labels
    both have, in the database's order, then the new ones in the model's order."""
    wanted = set(new)
    present = set(old)
    return [v for v in old if v in wanted] + [v for v in new if v not in present]


def label_changes(
    options: EnumOpsOptions, key: Key, name: str, schema: str | None,
    old: Sequence[str], new: Sequence[str],
) -> list[alembic_ops.MigrateOperation]:
    """:func:`value_changes` under the options' label switches (``compare_labels``,
    ``skip_label_comparison``, ``ignore_label_order``); ``key`` is the enum's
    ``(schema, name)`` with the default schema spelled out."""
    if not options.compares_labels_of(*key):
        return []
    if options.ignore_label_order:
        new = keep_database_order(old, new)
    return value_changes(name, schema, old, new, online=options.online_conversions)


def _warn_unmatched_skips(options: EnumOpsOptions, keys: set[Key]) -> None:
    if not options.compare_labels:
        return
    for schema, name, entry in options.skipped_label_keys():
        if not any(k[1] == name and schema in (None, k[0]) for k in keys):
            log.warning(
                "alembic_enum_ops: skip_label_comparison entry %s matches no enum in the "
                "model or the database",
                entry,
            )


def _included(
    autogen_context: AutogenContext,
    type_: sa.Enum,
    name: str,
    schema: str | None,
    *,
    reflected: bool,
) -> bool:
    """``include_name`` and ``include_object`` for an enum type.

    Both hooks receive ``type_="enum"`` (``include_object`` gets the ``Enum`` type
    object); ``include_name`` gets ``{"schema_name": schema}`` with None for the
    default schema, as Alembic does for tables.
    """
    filters: Any = autogen_context  # Alembic's stubs only list its own object kinds
    return bool(
        filters.run_name_filters(name, "enum", {"schema_name": schema})
        and filters.run_object_filters(type_, name, "enum", reflected, None)
    )


def compare_native_enums(
    autogen_context: AutogenContext,
    upgrade_ops: alembic_ops.UpgradeOps,
    schemas: set[str | None],
) -> None:
    """The schema-level comparator for named native enums (see the module docs)."""
    dialect = autogen_context.dialect
    connection = autogen_context.connection
    if dialect is None or dialect.name != "postgresql" or connection is None:
        return
    ctx = _Context(autogen_context, connection, SchemaResolver.of(connection))
    options = EnumOpsOptions.from_context_opts(autogen_context.opts)
    in_play = {ctx.key(s, "")[0] for s in schemas}

    model = discover(autogen_context.metadata)
    by_key: dict[Key, ModelEnum] = {}
    needed: set[Key] = {ctx.enum_key(e) for op in upgrade_ops.ops for e in _ops_needing(op)}
    include_schemas = bool(autogen_context.opts.get("include_schemas", False))
    name_filters: Any = autogen_context
    for enum in model:
        key = ctx.key(enum.schema, enum.name)
        if key[0] not in in_play and key not in needed:
            # not an existing schema autogenerate looks at: like Alembic's tables, a
            # model enum in a schema yet to be created still counts with
            # include_schemas=True (unless include_name rejects the schema)
            if not (include_schemas and name_filters.run_name_filters(key[0], "schema", {})):
                continue
        if not _included(autogen_context, enum.type_, enum.name, enum.schema, reflected=False):
            continue
        by_key[key] = enum

    database: dict[Key, EnumType] = {
        found.key: found
        for found in read_enums(connection, in_play | {k[0] for k in by_key})
    }

    def db_included(found: EnumType) -> bool:
        schema_name = ctx.render_schema(found.schema)
        reflected = postgresql.ENUM(*found.labels, name=found.name, schema=schema_name)
        return found.schema in in_play and _included(
            autogen_context, reflected, found.name, schema_name, reflected=True
        )

    _warn_unmatched_skips(options, set(by_key) | set(database))

    # a type an extension owns is the extension's business, never ours to move or drop
    unclaimed = {
        k: e
        for k, e in database.items()
        if k not in by_key and e.extension is None and db_included(e)
    }

    front: list[alembic_ops.MigrateOperation] = []  # alterations: before table ops
    creates: list[tuple[Key, CreateEnumOp]] = []
    managed: set[Key] = set()
    moves: dict[Key, Key] = {}
    for key, enum in by_key.items():
        found = database.get(key)
        if found is None:
            moved_from = [k for k in unclaimed if k[1] == enum.name]
            # the schema a revision names for the move: through a map, the model's
            # schema=None has no name that every tenant translates to its own
            new_schema = enum.schema if enum.schema is not None else ctx.revision_schema(key[0])
            if len(moved_from) == 1 and new_schema is not None:
                source = unclaimed.pop(moved_from[0])
                moves[source.key] = key
                front.append(SetEnumSchemaOp(
                    enum.name, new_schema, schema=ctx.revision_schema(source.schema)
                ))
                front.extend(label_changes(
                    options, key, enum.name, new_schema, source.labels, enum.labels
                ))
                log.info("Detected enum %s moved to schema %s", source.key, key[0])
                continue
            creates.append((key, CreateEnumOp(enum.name, enum.labels, schema=enum.schema)))
            managed.add(key)
            log.info("Detected added enum %s", qualified_label(enum.schema, enum.name))
            continue
        changes = label_changes(
            options, key, enum.name, enum.schema, found.labels, enum.labels
        )
        if changes:
            log.info("Detected changed labels of enum %s", qualified_label(*key))
        front.extend(changes)

    _drop_enum_retypes(ctx, upgrade_ops, moves)
    drops, notes = _plan_drops(ctx, upgrade_ops, unclaimed, by_key, options)
    # every type this comparator looks after exists (or is created) before any table
    # operation runs, so no table operation may create (or drop) one on its own
    managed.update(by_key)
    managed.update(op_key for op_key, _ in drops)

    rewritten = [_rewrite_columns(op, ctx, managed) for op in upgrade_ops.ops]
    if any(rewritten):
        install_render_item(autogen_context)

    _place(ctx, upgrade_ops, front, creates, [op for _, op in drops], notes)


def _drop_enum_retypes(
    ctx: _Context, upgrade_ops: alembic_ops.UpgradeOps, moves: dict[Key, Key]
) -> None:
    """Remove Alembic's ``alter_column(type_=...)`` where the column keeps its enum.

    Alembic's type comparison sees a different type when only the enum's schema (or
    labels) differ; the enum operations above already take care of both, and an
    ``ALTER COLUMN ... TYPE`` without ``USING`` would fail anyway.
    """
    for container in upgrade_ops.ops:
        if not isinstance(container, alembic_ops.ModifyTableOps):
            continue
        kept: list[alembic_ops.MigrateOperation] = []
        for op in container.ops:
            if isinstance(op, alembic_ops.AlterColumnOp) and op.modify_type is not None:
                old = _type_enums(op.existing_type)
                new = _type_enums(op.modify_type)
                if (
                    len(old) == len(new) == 1
                    and isinstance(op.existing_type, sa.ARRAY)
                    == isinstance(op.modify_type, sa.ARRAY)
                ):
                    old_key, new_key = ctx.enum_key(old[0]), ctx.enum_key(new[0])
                    if old_key == new_key or moves.get(old_key) == new_key:
                        op.modify_type = None
                        if not op.to_diff_tuple():
                            continue
            kept.append(op)
        container.ops[:] = kept
    upgrade_ops.ops[:] = [
        op
        for op in upgrade_ops.ops
        if not (isinstance(op, alembic_ops.ModifyTableOps) and op.is_empty())
    ]


def _plan_drops(
    ctx: _Context,
    upgrade_ops: alembic_ops.UpgradeOps,
    unclaimed: dict[Key, EnumType],
    model: dict[Key, ModelEnum],
    options: EnumOpsOptions,
) -> tuple[list[tuple[Key, DropEnumOp]], list[EnumNoteOp]]:
    """``enum_drop`` for unused types nothing else keeps alive; notes for the rest."""
    notes: list[EnumNoteOp] = []
    candidates: dict[Key, EnumType] = {}
    for key, found in sorted(unclaimed.items()):
        twins = sorted(k for k in model if k[1] == key[1])
        if twins:
            notes.append(
                EnumNoteOp(
                    f"enum {qualified_label(*key)} is left alone: the model's "
                    f"{key[1]!r} is {', '.join(qualified_label(*t) for t in twins)}, "
                    "and this one may still be used; drop or move it by hand if not"
                )
            )
            continue
        if not options.autogenerate_drops:
            continue
        candidates[key] = found
    if not candidates:
        return [], notes

    tables, columns = _going_away(upgrade_ops, ctx)
    keeping: dict[Key, list[str]] = {}
    for dependent in read_enum_dependents(ctx.connection, sorted(candidates)):
        relation = (dependent.schema or "", dependent.relation or "")
        if relation in tables:
            continue
        column = (*relation, dependent.column or "")
        if dependent.kind in ("column", "default") and column in columns:
            continue
        keeping.setdefault(dependent.type_key, []).append(dependent.description)

    drops: list[tuple[Key, DropEnumOp]] = []
    for key, found in candidates.items():
        users = keeping.get(key)
        if users:
            notes.append(
                EnumNoteOp(
                    f"enum {qualified_label(*key)} is no longer in the model but is kept: "
                    f"still used by {'; '.join(users)}"
                )
            )
            continue
        schema = ctx.render_schema(found.schema)
        drops.append((key, DropEnumOp(found.name, schema=schema, values=found.labels)))
        log.info("Detected removed enum %s", qualified_label(*key))
    return drops, notes


def _place(
    ctx: _Context,
    upgrade_ops: alembic_ops.UpgradeOps,
    front: list[alembic_ops.MigrateOperation],
    creates: list[tuple[Key, CreateEnumOp]],
    drops: list[DropEnumOp],
    notes: list[EnumNoteOp],
) -> None:
    """Creates go right before the first operation needing the type (or first, when
    nothing in this revision needs it); label changes and moves go before any table
    operation; drops go last, after every operation that used the type."""
    existing = list(upgrade_ops.ops)
    first_use: dict[Key, int] = {}
    for index, op in enumerate(existing):
        for enum in _ops_needing(op):
            first_use.setdefault(ctx.enum_key(enum), index)
    before: dict[int, list[alembic_ops.MigrateOperation]] = {}
    for key, create in creates:
        before.setdefault(first_use.get(key, 0), []).append(create)
    result: list[alembic_ops.MigrateOperation] = [*notes, *front]
    for index, op in enumerate(existing):
        result.extend(before.get(index, []))
        result.append(op)
    if not existing:
        result.extend(before.get(0, []))
    result.extend(drops)
    upgrade_ops.ops[:] = result

