"""The operations (``op.enum_*``, ``op.check_*``) and their executors, by family.

Importing this package registers every operation on Alembic's ``Operations`` and its
executor: native enums (:mod:`.native`), swaps (:mod:`.swap`), the VARCHAR + CHECK
variant (:mod:`.check`) and the conversions between the two (:mod:`.convert`).
"""

from __future__ import annotations

from .base import CheckEnumOperation, EnumOperation
from .check import CreateCheckEnumOp, DropCheckEnumOp, SetCheckEnumValuesOp
from .convert import CheckToEnumOp, EnumToCheckOp
from .native import (
    AddEnumValueOp,
    CreateEnumOp,
    DropEnumOp,
    RenameEnumOp,
    RenameEnumValueOp,
    SetEnumSchemaOp,
)
from .notes import EnumNoteOp
from .swap import RemoveEnumValueOp, SwapEnumOp

__all__ = [
    "AddEnumValueOp",
    "CheckEnumOperation",
    "CheckToEnumOp",
    "CreateCheckEnumOp",
    "CreateEnumOp",
    "DropCheckEnumOp",
    "DropEnumOp",
    "EnumNoteOp",
    "EnumOperation",
    "EnumToCheckOp",
    "RemoveEnumValueOp",
    "RenameEnumOp",
    "RenameEnumValueOp",
    "SetCheckEnumValuesOp",
    "SetEnumSchemaOp",
    "SwapEnumOp",
]
