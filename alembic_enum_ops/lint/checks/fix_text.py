"""Fixes written as the code a user would type: ``op.enum_drop('t', schema='ai')``.

Every rule that suggests one of our operations renders it here, so the suggestions
read the same whichever rule makes them.
"""

from __future__ import annotations

from typing import Any


def py(value: Any) -> str:
    """A value as Python source (tuples as lists, as the operations take them)."""
    return repr(list(value) if isinstance(value, tuple) else value)


def op_call(name: str, *args: Any, **kwargs: Any) -> str:
    """``op.name(...)`` as it would be written, keyword arguments that are None left out."""
    parts = [py(a) for a in args]
    parts += [f"{k}={py(v)}" for k, v in kwargs.items() if v is not None]
    return f"op.{name}({', '.join(parts)})"


def qualified(schema: str | None, name: str) -> str:
    """``schema.name``, or ``name`` alone when no schema is given."""
    return f"{schema}.{name}" if schema else name
