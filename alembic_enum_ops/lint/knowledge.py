"""What the linter knows about the project's enum types, and since when.

Without a database the files are the only source: types created by ``op.enum_create``,
by ``CREATE TYPE ... AS ENUM`` in raw SQL, by a ``create_table`` whose column type fires
``CREATE TYPE`` (or ``sa.Enum(...).create(bind)``), renamed, moved and dropped, replayed
in revision order.  Walking the history in order is what lets a rule say "this type
already exists *at this revision*" rather than "exists somewhere, some time".

With ``--url`` the live catalog adds the names and schemas of the enums that exist
*now* (one :func:`alembic_enum_ops.catalog.read_enums` query).  That tells which
names are enums (a raw cast to ``::ingestionstatus`` when no revision created it) and
where they live, but not when they were created, so it never makes a type "already
exist" for an older revision.

Unqualified names are taken to be in ``public``, PostgreSQL's default schema.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass, field

DEFAULT_SCHEMA = "public"

Key = tuple[str, str]


def key(schema: str | None, name: str) -> Key:
    return (schema or DEFAULT_SCHEMA, name)


@dataclass
class KnownEnum:
    schema: str
    name: str
    labels: list[str] | None
    implicit: str | None = None
    """Set when the type was created by a ``create_table`` (the revision's id or path):
    Alembic's DDL runner remembers it for the rest of that run, so another
    ``create_table`` of the same revision does not create it again."""


@dataclass
class EnumRegistry:
    types: dict[Key, KnownEnum] = field(default_factory=dict)
    ever: set[Key] = field(default_factory=set)
    catalog: dict[Key, tuple[str, ...]] = field(default_factory=dict)

    def copy(self) -> EnumRegistry:
        return copy.deepcopy(self)

    def seed_catalog(self, enums: Iterable[tuple[str, str, tuple[str, ...]]]) -> None:
        for schema, name, labels in enums:
            self.catalog[(schema, name)] = labels

    # --- questions ---

    def get(self, schema: str | None, name: str) -> KnownEnum | None:
        return self.types.get(key(schema, name))

    def is_enum_name(self, name: str) -> bool:
        """Was ``name`` an enum anywhere in the history, or is it one in the catalog?"""
        return any(n == name for _, n in self.ever) or any(n == name for _, n in self.catalog)

    def schemas_of(self, name: str) -> list[str]:
        found = {s for s, n in self.types if n == name} | {s for s, n in self.catalog if n == name}
        if not found:
            found = {s for s, n in self.ever if n == name}
        return sorted(found)

    def known_in(self, schema: str | None, name: str) -> bool:
        """The type exists in ``schema`` now (history) or in the catalog."""
        return key(schema, name) in self.types or key(schema, name) in self.catalog

    def labels(self, schema: str | None, name: str) -> list[str] | None:
        known = self.get(schema, name)
        if known is not None and known.labels is not None:
            return list(known.labels)
        labels = self.catalog.get(key(schema, name))
        return list(labels) if labels is not None else None

    # --- changes, as the revisions make them ---

    def create(
        self, schema: str | None, name: str, labels: Iterable[str] | None,
        implicit: str | None = None,
    ) -> None:
        k = key(schema, name)
        self.types[k] = KnownEnum(k[0], name, list(labels) if labels is not None else None,
                                  implicit)
        self.ever.add(k)

    def drop(self, schema: str | None, name: str) -> None:
        self.types.pop(key(schema, name), None)

    def rename(self, schema: str | None, old: str, new: str) -> None:
        known = self.types.pop(key(schema, old), None)
        labels = known.labels if known else self.labels(schema, old)
        self.create(schema, new, labels)

    def move(self, schema: str | None, name: str, new_schema: str) -> None:
        known = self.types.pop(key(schema, name), None)
        labels = known.labels if known else self.labels(schema, name)
        self.create(new_schema, name, labels)

    def set_labels(self, schema: str | None, name: str, labels: Iterable[str]) -> None:
        known = self.get(schema, name)
        if known is None:
            self.create(schema, name, labels)
        else:
            known.labels = list(labels)

    def add_label(
        self, schema: str | None, name: str, label: str, before: str | None, after: str | None
    ) -> None:
        known = self.get(schema, name)
        if known is None:
            self.create(schema, name, None)
            return
        if known.labels is None or label in known.labels:
            return
        anchor = before if before in known.labels else after if after in known.labels else None
        if anchor is None:
            known.labels.append(label)
        else:
            index = known.labels.index(anchor) + (0 if anchor == before else 1)
            known.labels.insert(index, label)

    def rename_label(self, schema: str | None, name: str, old: str, new: str) -> None:
        known = self.get(schema, name)
        if known is not None and known.labels is not None and old in known.labels:
            known.labels[known.labels.index(old)] = new

    def remove_label(self, schema: str | None, name: str, label: str) -> None:
        known = self.get(schema, name)
        if known is not None and known.labels is not None and label in known.labels:
            known.labels.remove(label)
