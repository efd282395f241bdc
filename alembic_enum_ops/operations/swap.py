"""Swap operations: remove, reorder or remap labels through a v2 swap, and their executor.

The work itself is the swap engine's (:mod:`alembic_enum_ops.ddl.swap`): one
server-side block that checks the data, carries every dependent over and refuses
before changing anything when something would be lost.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..ddl import swap as swap_planner
from ..ddl.online.swap import plan_online_swap
from ..ddl.plan import Plan
from ..ddl.swap_preview import describe_swap
from ..errors import InvalidEnumInputError
from ..validation import check_label, check_labels, check_mapping, check_name, check_schema
from .base import EnumOperation, label_for, operation
from .executing import Target, executes
from .native import AddEnumValueOp
from .preflight import enums_for


@operation("enum_swap")
class SwapEnumOp(EnumOperation):
    """Replace the type's label list through a v2 swap, carrying every dependent over."""

    def __init__(
        self,
        name: str,
        new_values: Sequence[str],
        *,
        schema: str | None = None,
        mapping: Mapping[str, str] | None = None,
        old_values: Sequence[str] | None = None,
        lock_timeout: str | int | None = None,
        online: bool = False,
    ) -> None:
        """Give the type exactly ``new_values``, in order, under the same name.

        Rows holding a label that disappears are remapped by ``mapping``
        (``{old: new}``); without a mapping for them the operation refuses before
        changing anything.  ``old_values`` records the current labels so the
        operation can be reversed (autogenerate always fills it in).

        With ``online=True`` no table is rewritten under an exclusive lock: each column
        gets a shadow of the new type kept in sync by a trigger, backfilled in
        committed batches and indexed concurrently, then swapped in by a short
        cut-over (docs/online.md).  Running it again after an interruption resumes.
        """
        self.schema = check_schema(schema, type_label=label_for(None, name))
        self.name = check_name(name, what="enum type name")
        self.new_values = check_labels(new_values, type_label=self.type_label)
        self.old_values = (
            None if old_values is None else check_labels(old_values, type_label=self.type_label)
        )
        self.mapping = check_mapping(
            dict(mapping) if mapping is not None else None,
            type_label=self.type_label,
            old_values=self.old_values,
        )
        missing = sorted({v for v in self.mapping.values() if v not in self.new_values})
        if missing:
            raise InvalidEnumInputError(
                f"enum {self.type_label}: mapping targets {missing!r} are not among the new "
                f"values {list(self.new_values)!r}"
            )
        self.lock_timeout = lock_timeout
        self.online = bool(online)
        if self.online and self.old_values == self.new_values and self.mapping:
            raise InvalidEnumInputError(
                f"enum {self.type_label}: an online swap converts columns to new labels; "
                f"with the same labels a mapping is only an UPDATE of the rows: use "
                "online=False (or op.execute an UPDATE in batches)"
            )

    def reverse(self) -> SwapEnumOp:
        if self.old_values is None:
            raise InvalidEnumInputError(
                f"enum_swap of {self.type_label} cannot be reversed: pass old_values=[...]"
            )
        # Rows that landed on `new` go back to where they came from, unless `new` also
        # kept rows of its own (a merge into a label that stays): those cannot be told
        # apart and stay.  Several sources for one new label: the first in old order.
        # An exchange {a: b, b: a} is its own inverse.
        sources: dict[str, list[str]] = {}
        for old in self.old_values:
            new = self.mapping.get(old)
            if new is not None and new != old:
                sources.setdefault(new, []).append(old)
        inverse = {
            new: olds[0]
            for new, olds in sources.items()
            if not (new in self.old_values and new not in self.mapping)
        }
        return SwapEnumOp(
            self.name,
            self.old_values,
            schema=self.schema,
            mapping=inverse or None,
            old_values=self.new_values,
            lock_timeout=self.lock_timeout,
            online=self.online,
        )

    def to_diff_tuple(self) -> tuple[Any, ...]:
        return (
            "enum_swap",
            self.schema,
            self.name,
            self.old_values,
            self.new_values,
            tuple(sorted(self.mapping.items())),
        )


@operation("enum_remove_value")
class RemoveEnumValueOp(EnumOperation):
    """Remove one label (sugar over :class:`SwapEnumOp`)."""

    def __init__(
        self,
        name: str,
        value: str,
        *,
        schema: str | None = None,
        replace_with: str | None = None,
        old_values: Sequence[str] | None = None,
        lock_timeout: str | int | None = None,
        online: bool = False,
    ) -> None:
        """Remove ``value``; rows holding it move to ``replace_with`` or it refuses.

        ``online=True``: as :class:`SwapEnumOp`'s, without rewriting any table under an
        exclusive lock (docs/online.md).
        """
        self.schema = check_schema(schema, type_label=label_for(None, name))
        self.name = check_name(name, what="enum type name")
        self.value = check_label(value, type_label=self.type_label)
        self.replace_with = (
            None if replace_with is None else check_label(replace_with, type_label=self.type_label)
        )
        if self.replace_with == self.value:
            raise InvalidEnumInputError(
                f"enum {self.type_label}: replace_with equals the removed value {value!r}"
            )
        self.old_values = (
            None if old_values is None else check_labels(old_values, type_label=self.type_label)
        )
        if self.old_values is not None and self.value not in self.old_values:
            raise InvalidEnumInputError(
                f"enum {self.type_label}: {value!r} is not among old_values "
                f"{list(self.old_values)!r}"
            )
        self.lock_timeout = lock_timeout
        self.online = bool(online)

    def reverse(self) -> AddEnumValueOp:
        before: str | None = None
        after: str | None = None
        if self.old_values is not None:
            position = self.old_values.index(self.value)
            if position + 1 < len(self.old_values):
                before = self.old_values[position + 1]
            elif position > 0:
                after = self.old_values[position - 1]
        return AddEnumValueOp(
            self.name, self.value, schema=self.schema, before=before, after=after
        )

    def to_diff_tuple(self) -> tuple[Any, ...]:
        return ("enum_remove_value", self.schema, self.name, self.value, self.replace_with)



# --- executors: preflight (the relations the swap locks) + a pure plan ---------------


Relations = list[tuple[str, str, bool]]


def _engine_arguments(op: SwapEnumOp | RemoveEnumValueOp) -> dict[str, Any]:
    if isinstance(op, RemoveEnumValueOp):
        return {
            "new_values": None, "remove": op.value,
            "mapping": {} if op.replace_with is None else {op.value: op.replace_with},
            "old_values": op.old_values,
        }
    return {"new_values": op.new_values, "mapping": op.mapping, "old_values": op.old_values}


def preflight_swap(op: SwapEnumOp | RemoveEnumValueOp, target: Target) -> Relations:
    """The tables and views the swap locks, as the engine describes them (catalog only,
    no data read), so a lock timeout and the revision header can name them; the
    engine itself does every check when it runs, online and offline alike.  An online
    swap also refuses here, before its first step, what it cannot carry over."""
    if op.schema is None:
        schema, _ = enums_for(op, target)  # one read, only to warn about other copies
    else:
        schema = target.schema(op.schema) or op.schema
    described = describe_swap(
        target.require_connection(), schema, op.name,
        strategy="online" if op.online else "rewrite", **_engine_arguments(op),
    )
    if op.online and target.check_data:
        described.raise_first_refusal()
    return [(r.schema, r.name, r.rewritten) for r in described.relations]


def _plan(op: SwapEnumOp | RemoveEnumValueOp, target: Target, relations: Relations | None) -> Plan:
    schema = target.schema(op.schema)
    if op.online:
        return plan_online_swap(
            target.dialect, schema, op.name, lock_timeout=target.options.lock_timeout,
            batch_size=target.options.online_batch_size,
            batch_pause=target.options.online_batch_pause, relations=relations,
            **_engine_arguments(op),
        )
    return swap_planner.plan_swap(
        target.dialect, schema, op.name, lock_timeout=target.options.lock_timeout,
        relations=relations, **_engine_arguments(op),
    )


@executes(SwapEnumOp, preflight=preflight_swap)
def plan_enum_swap(op: SwapEnumOp, target: Target, relations: Relations | None) -> Plan:
    return _plan(op, target, relations)


@executes(RemoveEnumValueOp, preflight=preflight_swap)
def plan_enum_remove_value(
    op: RemoveEnumValueOp, target: Target, relations: Relations | None
) -> Plan:
    return _plan(op, target, relations)
