"""A pure-Python model of an enum, its columns and their rows, driven by the same
operation objects the migration runs.

``apply(model, op)`` returns the model after ``op`` or :class:`Refused` when the
package must refuse it (a label that vanishes while rows or a default still hold it
and no mapping says where they go).  The tests compare the database with the model
after every step, forward, backward (the ops' ``reverse()``) and forward again.

Tables (schema ``app``):

* ``t(id, s status NULL, hist status[], d status NOT NULL DEFAULT <label>)`` with an
  index on ``s`` and a view ``v`` over ``(id, s)``: plain, array, defaulted,
  indexed and viewed columns of the type;
* ``c(id, v status)``: the column that moves to VARCHAR + CHECK and back.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from alembic_enum_ops.operations import (
    AddEnumValueOp,
    CheckToEnumOp,
    EnumToCheckOp,
    RemoveEnumValueOp,
    RenameEnumOp,
    RenameEnumValueOp,
    SetCheckEnumValuesOp,
    SetEnumSchemaOp,
    SwapEnumOp,
)

TRow = tuple[str | None, tuple[str, ...], str]  # s, hist, d


@dataclass
class Model:
    type_schema: str
    type_name: str
    labels: tuple[str, ...]
    default: str
    t_rows: dict[int, TRow]
    c_rows: dict[int, str | None]
    c_mode: str = "enum"  # or "check"
    check_values: tuple[str, ...] = field(default_factory=tuple)

    def enum_values_held(self) -> set[str]:
        """Labels some enum-typed value (row or default) holds."""
        held = {self.default}
        for s, hist, d in self.t_rows.values():
            held.update(hist)
            held.add(d)
            if s is not None:
                held.add(s)
        if self.c_mode == "enum":
            held.update(v for v in self.c_rows.values() if v is not None)
        return held

    def remap_enum(self, mapping: dict[str, str]) -> None:
        def m(value: str) -> str:
            return mapping.get(value, value)

        self.default = m(self.default)
        self.t_rows = {
            i: (None if s is None else m(s), tuple(m(h) for h in hist), m(d))
            for i, (s, hist, d) in self.t_rows.items()
        }
        if self.c_mode == "enum":
            self.c_rows = {i: (None if v is None else m(v)) for i, v in self.c_rows.items()}


@dataclass(frozen=True)
class Refused:
    """The op must be refused with ``error`` and change nothing."""

    error: type[BaseException]
    why: str


def _swap(model: Model, new_values: tuple[str, ...], mapping: dict[str, str]) -> Model | Refused:
    vanished = set(model.labels) - set(new_values)
    held = model.enum_values_held()
    lost = sorted(label for label in vanished if label in held and label not in mapping)
    if lost:
        from alembic_enum_ops import UnsafeOperationError

        return Refused(UnsafeOperationError, f"labels {lost!r} held with no mapping")
    result = copy.deepcopy(model)
    result.remap_enum({k: v for k, v in mapping.items() if k in vanished})
    result.labels = tuple(new_values)
    return result


def apply(model: Model, op: Any) -> Model | Refused:
    """The model after ``op`` (see the module docstring)."""
    result = copy.deepcopy(model)
    if isinstance(op, AddEnumValueOp):
        assert op.value not in model.labels, "histories only add fresh labels"
        labels = list(model.labels)
        if op.before is not None:
            labels.insert(labels.index(op.before), op.value)
        elif op.after is not None:
            labels.insert(labels.index(op.after) + 1, op.value)
        else:
            labels.append(op.value)
        result.labels = tuple(labels)
        return result
    if isinstance(op, RenameEnumValueOp):
        result.labels = tuple(op.new if label == op.old else label for label in model.labels)
        result.remap_enum({op.old: op.new})
        return result
    if isinstance(op, RenameEnumOp):
        result.type_name = op.new_name
        return result
    if isinstance(op, SetEnumSchemaOp):
        result.type_schema = op.new_schema
        return result
    if isinstance(op, RemoveEnumValueOp):
        new_values = tuple(label for label in model.labels if label != op.value)
        mapping = {} if op.replace_with is None else {op.value: op.replace_with}
        return _swap(model, new_values, mapping)
    if isinstance(op, SwapEnumOp):
        return _swap(model, tuple(op.new_values), dict(op.mapping))
    if isinstance(op, EnumToCheckOp):
        assert model.c_mode == "enum"
        result.c_mode = "check"
        result.check_values = tuple(op.values or ())
        return result
    if isinstance(op, CheckToEnumOp):
        assert model.c_mode == "check"
        outside = sorted(
            {v for v in model.c_rows.values() if v is not None and v not in op.values}
        )
        if outside:
            from alembic_enum_ops import UnsafeOperationError

            return Refused(UnsafeOperationError, f"c.v holds {outside!r} outside the enum")
        result.c_mode = "enum"
        result.check_values = ()
        return result
    if isinstance(op, SetCheckEnumValuesOp):
        assert model.c_mode == "check"
        held = {v for v in model.c_rows.values() if v is not None}
        lost = sorted(v for v in held if v not in op.values and v not in op.mapping)
        if lost:
            from alembic_enum_ops import UnsafeOperationError

            return Refused(UnsafeOperationError, f"c.v holds {lost!r} with no mapping")
        result.c_rows = {
            i: (None if v is None else op.mapping.get(v, v)) for i, v in model.c_rows.items()
        }
        result.check_values = tuple(op.values)
        return result
    raise AssertionError(f"no model for {op!r}")
