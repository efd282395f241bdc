"""What the Python reader produces: a revision file as ordered events.

The rules (:mod:`..checks`) see a revision only through these classes, never through
``ast``: an :class:`OpCall` with its literal arguments already evaluated, a
:class:`SqlText` with the SQL when it can be read statically, :class:`Autocommit`
boundaries and :class:`TypeObjectCall`.  Arguments the reader cannot know without
running the code are :data:`UNKNOWN`, so "absent" (None) and "not a literal" differ.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..findings import Span


class Unknown:
    """A value the reader cannot know without running the code."""

    _instance: Unknown | None = None

    def __new__(cls) -> Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN = Unknown()


@dataclass(frozen=True)
class EnumDecl:
    """``sa.Enum(...)`` / ``postgresql.ENUM(...)`` as written."""

    name: str | None
    schema: str | None
    schema_given: bool
    labels: tuple[str, ...] | None
    creates_type: bool
    """Table creation fires ``CREATE TYPE`` (native, and not ``create_type=False``)."""
    span: Span
    array: bool = False
    inherit_schema: bool = False
    """``inherit_schema=True``: the type goes where the table goes."""


@dataclass(frozen=True)
class TypeInfo:
    """A column type: ``kind`` is ``enum`` (native), ``string`` or ``other``."""

    kind: str
    enum: EnumDecl | None = None
    name: str = ""
    """The SQLAlchemy type's class name as written (``Integer``, ``VARCHAR``...)."""


@dataclass(frozen=True)
class ColumnDecl:
    """``sa.Column(...)`` in ``create_table`` / ``add_column``, as written."""

    name: str | None
    type: TypeInfo
    rewrite: str | None
    """Why adding this column to an existing table rewrites it, or None."""
    span: Span


@dataclass(frozen=True)
class SqlSource:
    """Maps a character offset of the SQL text back to the revision file.

    ``exact`` when the text is a single plain string literal written in the call:
    then every offset has its own line and column.  Otherwise (escapes, constants,
    ``dedent``, concatenation) every offset maps to where the SQL argument starts.
    """

    start: Span
    exact: bool = False
    body_line: int = 0
    body_col: int = 0

    def span(self, offset: int, text: str) -> Span:
        if not self.exact:
            return self.start
        before = text[:offset]
        newlines = before.count("\n")
        if newlines == 0:
            return self.start.at(self.body_line, self.body_col + offset)
        return self.start.at(self.body_line + newlines, offset - before.rfind("\n"))


@dataclass(frozen=True)
class OpCall:
    """``op.<name>(...)``: Alembic's operations and ours (``batch_op.*`` as the plain
    operation it runs as)."""

    name: str
    args: tuple[Any, ...]
    kwargs: Mapping[str, Any]
    span: Span
    columns: tuple[ColumnDecl, ...] = ()
    type_: TypeInfo | None = None
    existing_type: TypeInfo | None = None
    strings: tuple[str, ...] = ()
    """String literals anywhere in the arguments (``bulk_insert`` rows)."""

    def arg(self, index: int, keyword: str) -> Any:
        """A positional-or-keyword argument, UNKNOWN when not a literal, None if absent."""
        if keyword in self.kwargs:
            return self.kwargs[keyword]
        return self.args[index] if index < len(self.args) else None


@dataclass(frozen=True)
class SqlText:
    """SQL sent as text: ``op.execute(...)``, ``bind.execute(...)``,
    ``bind.exec_driver_sql(...)``."""

    text: str | None
    """None when the SQL is built at run time."""
    why_unread: str
    span: Span
    source: SqlSource
    bind_params: bool = True
    via: str = "op.execute"


@dataclass(frozen=True)
class Autocommit:
    """Entering (``enter``) or leaving ``with ...autocommit_block():``: a commit."""

    enter: bool
    span: Span


@dataclass(frozen=True)
class TypeObjectCall:
    """``sa.Enum(...).create(bind)`` / ``.drop(bind)``."""

    action: str  # "create" or "drop"
    enum: EnumDecl
    span: Span


Event = OpCall | SqlText | Autocommit | TypeObjectCall


@dataclass
class Function:
    """One function of the revision (``upgrade``, ``downgrade``, a helper no entry
    point calls, ``<module>``) and its events in the order they run."""

    name: str
    events: list[Event]


@dataclass
class RevisionFile:
    """One file as the linter reads it: identifiers, functions, suppressions."""

    path: Path
    revision: str | None
    down_revisions: tuple[str, ...]
    functions: list[Function]
    suppressions: dict[int, set[str]] = field(default_factory=dict)
    file_suppressions: set[str] = field(default_factory=set)
    has_entry_points: bool = False

    @property
    def looks_like_revision(self) -> bool:
        """A ``revision`` identifier, or an ``upgrade()``/``downgrade()`` (``env.py``
        and helper modules have neither)."""
        return self.revision is not None or self.has_entry_points
