"""``alembic-enum-ops lint``: a linter for Alembic revisions that touch enum types.

Revision files are read as Python syntax trees and the SQL of ``op.execute(...)`` is
parsed by PostgreSQL's own grammar (pglast, the ``lint`` extra).  Modules, one job each:

* :mod:`.rules` -- the rule catalogue (codes, severities);
* :mod:`.revisions` -- the project's revision files, found through Alembic's Config;
* :mod:`.python_reader` -- a revision file as ordered events (ast), a package;
* :mod:`.sql_reader` -- SQL text as facts (pglast), a package;
* :mod:`.envpy` -- what the project's env.py decides (lock_timeout, transactions);
* :mod:`.knowledge` -- the enum types the history (and ``--url``) knows;
* :mod:`.checks` -- the rules, following the migration's transactions: a package, one
  module per rule family;
* :mod:`.findings` -- what a finding is and where it points;
* :mod:`.linter` -- one run: read once, replay in order, filter;
* :mod:`.report` -- text, JSON and GitHub output.

The subcommand is :mod:`alembic_enum_ops.cli.lint`.  Nothing is imported here, so it
loads without pglast.
"""
