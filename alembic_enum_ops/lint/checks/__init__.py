"""The rules, applied to one function of one revision while following its transactions.

A revision's ``upgrade()`` runs in a transaction that Alembic opens; the linter walks
its events in order and keeps what PostgreSQL would keep (:mod:`.state`):

* which enum labels were added *in the transaction still open* (``ADD VALUE`` outside an
  autocommit block): using one before a commit is SQLSTATE 55P04;
* whether a ``lock_timeout`` is in force (``SET LOCAL`` dies at the next commit, a plain
  ``SET`` lasts for the session, the pgenum env.py sets one for every statement);
* which CHECK constraints were added ``NOT VALID`` in the open transaction (a
  ``VALIDATE`` there keeps the ACCESS EXCLUSIVE lock through the scan);
* which tables the revision created (a CHECK on an empty table scans nothing);
* the pieces of a hand-written v2 swap, reported once per function.

Commits happen at ``with ...autocommit_block():`` (on entering and on leaving), around
our operations that commit midway (``enum_add_value``, ``check_enum_create``,
``check_enum_set_values``, ``enum_to_check``, ``check_to_enum``: their plans have
``Boundary.OWN`` steps), and at a raw ``COMMIT``.

Modules: :mod:`.function` reads the events (``EO0xx``: SQL it cannot read or parse)
and hands each to its rule family, one module per hundred of the codes in
:mod:`..rules`:

* :mod:`.catalog_surgery` -- ``EO1xx``, ``DROP TYPE ... CASCADE`` and ``pg_enum`` edits;
* :mod:`.transactions` -- ``EO2xx``, ``ADD VALUE`` and the migration's transaction;
* :mod:`.rewrites` -- ``EO302``/``EO303``, column type changes and ``lock_timeout``;
* :mod:`.swaps` -- ``EO301``, the hand-written v2 swap;
* :mod:`.schemas` -- ``EO4xx``, where types are created and which schema they land in;
* :mod:`.constraints` -- ``EO5xx``, CHECK constraints;

with :mod:`.state` (what the run keeps) and :mod:`.fix_text` (fixes as code).
"""

from __future__ import annotations

from .function import FunctionChecker
from .state import AddedLabel
from .transactions import COMMITTING_OPS

__all__ = ["COMMITTING_OPS", "AddedLabel", "FunctionChecker"]
