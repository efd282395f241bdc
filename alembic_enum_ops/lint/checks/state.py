"""What PostgreSQL would keep while one function of a revision runs, and the findings
so far: the state every rule family reads and changes.

* ``pending`` -- labels added by a raw ``ADD VALUE`` in the transaction still open
  (using one before a commit is SQLSTATE 55P04);
* ``local_timeout`` / ``session_timeout`` -- whether a ``lock_timeout`` is in force
  (``SET LOCAL`` dies at the next commit, a plain ``SET`` lasts for the session);
* ``not_valid`` -- CHECK constraints added ``NOT VALID`` in the open transaction;
* ``created_tables`` -- tables the revision created (empty: nothing to scan or rewrite);
* ``swap`` -- the pieces of a hand-written v2 swap, judged once at the end.

A commit (:meth:`FunctionState.commit`) forgets what dies with the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..envpy import EnvFacts
from ..findings import Finding, Span
from ..knowledge import EnumRegistry, Key


@dataclass(frozen=True)
class AddedLabel:
    """A label added by a raw ``ADD VALUE`` whose transaction has not committed yet."""

    type: Key
    label: str
    span: Span
    path: str
    fix: str


@dataclass
class SwapPieces:
    """What a hand-written swap is made of, as the function's statements show it."""

    created: dict[Key, tuple[tuple[str, ...], Span]] = field(default_factory=dict)
    """``CREATE TYPE ... AS ENUM``: the labels and where."""
    renames: list[tuple[Key, str, Span]] = field(default_factory=list)
    """``ALTER TYPE ... RENAME TO``: the type, its new name and where."""
    alters: list[tuple[Key, Span]] = field(default_factory=list)
    """``ALTER COLUMN ... TYPE <enum> USING ...::text::...``: the target type and where."""


@dataclass
class FunctionState:
    """One function's run: the transaction state, the history it changes, the findings."""

    path: str
    """The file as reported."""
    function: str
    """The function's name (``upgrade``, ``downgrade``, a helper), for each finding."""
    registry: EnumRegistry
    """The enum types of the history, changed as the function changes types."""
    env: EnvFacts
    revision: str
    """The revision's id (its path when it has none): types its ``create_table`` calls
    created are remembered for it, as Alembic's DDL runner does."""
    pending: list[AddedLabel] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    autocommit: bool = False
    """Inside ``with ...autocommit_block():``."""
    local_timeout: bool | None = None
    session_timeout: bool | None = None
    not_valid: dict[tuple[Key, str], Span] = field(default_factory=dict)
    created_tables: set[Key] = field(default_factory=set)
    swap: SwapPieces = field(default_factory=SwapPieces)

    def report(self, code: str, span: Span, message: str, fix: str) -> None:
        self.findings.append(Finding(code, self.path, span, message, fix, self.function))

    def commit(self) -> None:
        """The transaction commits: what lives only in it is gone."""
        self.pending = []
        self.local_timeout = None
        self.not_valid = {}
