"""What a statement mentions: the types it names and the string literals it holds.

Facts (:mod:`.extraction`) say what a statement does; mentions say what it uses.  The
rules need both: a cast to an unqualified enum name (EO403) or a label used before
the transaction that added it commits (EO202) can be anywhere in any statement.
"""

from __future__ import annotations

from typing import Any

from pglast import ast

from .facts import StringUse, TypeRef
from .nodes import descendants, string_const, type_name


class Mentions:
    """Collects the type names and string literals of one statement."""

    def __init__(self, statement_offset: int, text: str) -> None:
        self.base = statement_offset
        self.text = text
        self.type_refs: list[TypeRef] = []
        self.strings: list[StringUse] = []

    def _offset(self, node: Any) -> int:
        location = getattr(node, "location", None)
        return location if isinstance(location, int) and location >= 0 else self.base

    def _literal_offset(self, value: str) -> int:
        """pglast keeps no location for constants: find the literal as written (the
        first ``'value'`` from the statement on), else the statement's start."""
        found = self.text.find("'" + value.replace("'", "''") + "'", self.base)
        return found if found >= 0 else self.base

    def walk(self, root: Any) -> None:
        cast_args: set[int] = set()
        for node in descendants(root):
            if isinstance(node, ast.TypeCast) and node.typeName is not None:
                target, _ = type_name(node.typeName)
                self.type_refs.append(TypeRef(target, self._offset(node.typeName), True))
                value = string_const(node.arg)
                if value is not None:
                    cast_args.add(id(node.arg))
                    self.strings.append(StringUse(value, self._literal_offset(value), target))
            elif isinstance(node, ast.ColumnDef) and node.typeName is not None:
                target, _ = type_name(node.typeName)
                self.type_refs.append(TypeRef(target, self._offset(node.typeName), False))
            elif isinstance(node, ast.A_Const) and id(node) not in cast_args:
                value = string_const(node)
                if value is not None:
                    self.strings.append(StringUse(value, self._literal_offset(value), None))
