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

from collections.abc import Iterable
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


class FunctionState:
    """One function's run: the transaction state, the history it changes, the findings.

    ``registry`` is changed as the function changes types (callers pass a copy when
    the function must not change the history, e.g. ``downgrade()``).  ``carried``
    holds labels left uncommitted by the previous revision when env.py runs all
    revisions in one transaction.
    """

    def __init__(
        self,
        path: str,
        function: str,
        registry: EnumRegistry,
        env: EnvFacts,
        *,
        revision: str,
        carried: Iterable[AddedLabel] = (),
    ) -> None:
        self.path = path
        self.function = function
        self.registry = registry
        self.env = env
        self.revision = revision
        self.findings: list[Finding] = []
        self.autocommit = False
        self.pending: list[AddedLabel] = list(carried)
        self.local_timeout: bool | None = None
        self.session_timeout: bool | None = None
        self.not_valid: dict[tuple[Key, str], Span] = {}
        self.created_tables: set[Key] = set()
        self.swap = SwapPieces()

    def report(self, code: str, span: Span, message: str, fix: str) -> None:
        self.findings.append(Finding(code, self.path, span, message, fix, self.function))

    def commit(self) -> None:
        """The transaction commits: what lives only in it is gone."""
        self.pending = []
        self.local_timeout = None
        self.not_valid = {}
