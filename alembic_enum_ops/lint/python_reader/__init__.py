"""Revision files read as Python source (``ast``), never imported.

Importing a revision runs its module code, needs every module it imports (the
application's models, in a pre-commit environment that has none of them) and cannot
see *where* a call is.  The AST gives all three: the linter reads each file once and
turns the body of ``upgrade()``/``downgrade()`` into an ordered list of events:

* :class:`OpCall` -- ``op.<name>(...)`` for Alembic's operations and ours, with the
  arguments that are literals (or module-level constants) already evaluated and the
  SQLAlchemy column types of ``create_table``/``add_column``/``alter_column`` read;
* :class:`SqlText` -- SQL sent as text: ``op.execute(...)``, ``bind.execute(...)``,
  ``bind.exec_driver_sql(...)``; the text when it can be read statically (string
  literals, ``sa.text(...)``, ``textwrap.dedent(...)``, constants, concatenations of
  those), or why not;
* :class:`Autocommit` -- entering and leaving ``with ...autocommit_block():``;
* :class:`TypeObjectCall` -- ``sa.Enum(...).create(bind)`` / ``.drop(bind)``.

Helper functions of the module called from ``upgrade()`` are inlined where they are
called; helpers that no entry point calls are read on their own, so no call is skipped.

Modules, one job each:

* :mod:`.events` -- what the reader produces (the event model);
* :mod:`.source` -- the file's text: decoding, parsing, positions, suppressions;
* :mod:`.resolution` -- names, constants and SQL strings, as one function sees them;
* :mod:`.columns` -- SQLAlchemy column types and columns as written;
* :mod:`.calls` -- one call as its event (``op.*``, SQL text, ``batch_op.*``);
* :mod:`.walker` -- the walk: statement order, autocommit blocks, helpers.
"""

from __future__ import annotations

from .events import (
    UNKNOWN,
    Autocommit,
    ColumnDecl,
    EnumDecl,
    Event,
    Function,
    OpCall,
    RevisionFile,
    SqlSource,
    SqlText,
    TypeInfo,
    TypeObjectCall,
    Unknown,
)
from .source import PythonSyntaxError, read_source
from .walker import read_revision

__all__ = [
    "UNKNOWN",
    "Autocommit",
    "ColumnDecl",
    "EnumDecl",
    "Event",
    "Function",
    "OpCall",
    "PythonSyntaxError",
    "RevisionFile",
    "SqlSource",
    "SqlText",
    "TypeInfo",
    "TypeObjectCall",
    "Unknown",
    "read_revision",
    "read_source",
]
