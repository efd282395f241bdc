"""Checks on names and labels, run before any SQL is built.

PostgreSQL truncates identifiers silently at 63 bytes (NAMEDATALEN - 1) and refuses
enum labels longer than that; NUL bytes cannot travel in SQL text at all.  Catching
these here gives the user a message naming the type and the offending value instead
of a truncated object or a server error halfway through a revision.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from .errors import InvalidEnumInputError

MAX_IDENTIFIER_BYTES = 63
"""NAMEDATALEN - 1: the longest identifier or enum label PostgreSQL keeps intact."""


def qualified_label(schema: str | None, name: str) -> str:
    """A readable ``schema.name`` for messages (not SQL)."""
    return f"{schema}.{name}" if schema else name


def check_name(value: object, *, what: str, type_label: str | None = None) -> str:
    """Validate an identifier (type, schema, table, column or constraint name)."""
    where = f" of enum {type_label}" if type_label else ""
    if not isinstance(value, str):
        raise InvalidEnumInputError(f"{what}{where} must be a string, got {value!r}")
    if value == "":
        raise InvalidEnumInputError(f"{what}{where} must not be empty")
    if "\x00" in value:
        raise InvalidEnumInputError(f"{what}{where} must not contain a NUL byte: {value!r}")
    size = len(value.encode("utf-8"))
    if size > MAX_IDENTIFIER_BYTES:
        raise InvalidEnumInputError(
            f"{what}{where} is {size} bytes in UTF-8, over PostgreSQL's limit of "
            f"{MAX_IDENTIFIER_BYTES} (it would be truncated): {value!r}"
        )
    return value


def check_schema(value: object, *, type_label: str | None = None) -> str | None:
    """Validate an optional schema name."""
    if value is None:
        return None
    return check_name(value, what="schema name", type_label=type_label)


def check_label(value: object, *, type_label: str) -> str:
    """Validate one enum label.  The empty string is a legal PostgreSQL label."""
    if not isinstance(value, str):
        raise InvalidEnumInputError(
            f"enum {type_label}: labels must be strings, got {value!r} "
            f"({type(value).__name__})"
        )
    if "\x00" in value:
        raise InvalidEnumInputError(f"enum {type_label}: label {value!r} contains a NUL byte")
    size = len(value.encode("utf-8"))
    if size > MAX_IDENTIFIER_BYTES:
        raise InvalidEnumInputError(
            f"enum {type_label}: label {value!r} is {size} bytes in UTF-8, over "
            f"PostgreSQL's limit of {MAX_IDENTIFIER_BYTES}"
        )
    return value


def check_labels(values: object, *, type_label: str) -> tuple[str, ...]:
    """Validate a complete, ordered label list: non-empty, strings, no duplicates."""
    if isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        raise InvalidEnumInputError(
            f"enum {type_label}: values must be a list of strings, got {values!r}"
        )
    labels = tuple(check_label(v, type_label=type_label) for v in values)
    if not labels:
        raise InvalidEnumInputError(f"enum {type_label}: the list of values is empty")
    seen: set[str] = set()
    for label in labels:
        if label in seen:
            raise InvalidEnumInputError(f"enum {type_label}: duplicate label {label!r}")
        seen.add(label)
    return labels


def check_mapping(
    mapping: object, *, type_label: str, old_values: Sequence[str] | None = None
) -> dict[str, str]:
    """Validate an ``{old_label: new_label}`` remapping."""
    if mapping is None:
        return {}
    if not isinstance(mapping, dict):
        raise InvalidEnumInputError(
            f"enum {type_label}: mapping must be a dict of old label -> new label, "
            f"got {mapping!r}"
        )
    result: dict[str, str] = {}
    for old, new in mapping.items():
        result[check_label(old, type_label=type_label)] = check_label(
            new, type_label=type_label
        )
    if old_values is not None:
        unknown = [k for k in result if k not in old_values]
        if unknown:
            raise InvalidEnumInputError(
                f"enum {type_label}: mapping names label(s) {unknown!r} that the type "
                f"does not have (it has {list(old_values)!r})"
            )
    return result


_INTERVAL_RE = re.compile(r"^\s*\d+(\.\d+)?\s*(us|ms|s|min|h|d)?\s*$")


def check_timeout(value: str | int) -> str:
    """Normalise a lock/statement timeout (``"2s"``, ``"500ms"``, or ms as an int)."""
    if isinstance(value, bool):
        raise ValueError(f"timeout must be a duration like '2s' or milliseconds, got {value!r}")
    if isinstance(value, int):
        if value < 0:
            raise ValueError(f"timeout must not be negative, got {value!r}")
        return f"{value}ms"
    if not isinstance(value, str) or not _INTERVAL_RE.match(value):
        raise ValueError(
            f"timeout must be a duration like '2s', '500ms' or '1min', got {value!r}"
        )
    return value.strip()
