"""``alembic-enum-ops lint``: the subcommand's parser and handler; the linter itself is
:mod:`alembic_enum_ops.lint`.

Nothing here imports pglast (or the rest of the linter) at import time: the CLI builds
every subcommand's parser on start-up, and ``doctor``/``demo`` must keep working when
the ``lint`` extra is not installed.  The handler checks for pglast first and says in
one line how to install it.

Exit status: 0 no finding at or above ``--fail-on`` (default: warning), 1 findings,
2 the linter could not run (bad path, bad configuration, a file that is not Python,
pglast missing, database unreachable with ``--url``).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path
from typing import Any

from .common import EXIT_FINDINGS, EXIT_OK, CommandError, connect, database_url

INSTALL_HINT = "pip install 'alembic-enum-ops[lint]'"
FAIL_ON = ("error", "warning", "info")


def add_parser(subparsers: Any) -> None:
    """Add ``lint`` to the ``alembic-enum-ops`` command line."""
    parser = subparsers.add_parser(
        "lint",
        help="check Alembic revisions for unsafe enum migrations",
        description=(
            "Read Alembic revision files as Python (never importing them), with the SQL "
            "of op.execute() parsed by PostgreSQL's own grammar (pglast), and report "
            "unsafe enum migrations: DROP TYPE ... CASCADE, ADD VALUE inside the "
            "transaction, a label used before it is committed, hand-written swaps, "
            "rewrites without lock_timeout, enums in the wrong schema, CHECKs validated "
            "at once... Without PATH, the revisions of the Alembic project in the current "
            "directory (alembic.ini, or [tool.alembic] in pyproject.toml). "
            "Suppress one line with '# enum-ops: ignore[EO101]'. "
            "Exit status: 0 clean, 1 findings, 2 could not run. Rules: docs/lint.md."
        ),
    )
    parser.add_argument(
        "paths", nargs="*", metavar="PATH",
        help="revision files or folders to lint (default: the project's revisions); the "
        "rest of the project's history, when there is one, is read for context",
    )
    parser.add_argument(
        "-c", "--config", action="append", default=[], metavar="FILE",
        help="alembic.ini (and/or pyproject.toml) of the project, as alembic -c takes it",
    )
    parser.add_argument(
        "-n", "--name", default="alembic", help="the ini file's section (default: alembic)"
    )
    parser.add_argument("--format", choices=("text", "json", "github"), default="text",
                        help="text (default), json, or github (workflow annotations)")
    parser.add_argument(
        "--select", action="append", default=[], metavar="CODES",
        help="only these rule codes or prefixes, comma-separated (e.g. EO1,EO201)",
    )
    parser.add_argument(
        "--ignore", action="append", default=[], metavar="CODES",
        help="leave out these rule codes or prefixes, comma-separated",
    )
    parser.add_argument(
        "--fail-on", choices=FAIL_ON, default="warning",
        help="lowest severity that makes the exit status 1 (default: warning; info "
        "findings such as EO002 'not checked' are reported but pass)",
    )
    parser.add_argument(
        "--url", metavar="URL",
        help="also read the live catalog (which names are enums, in which schema) from "
        "this database; never taken from $DATABASE_URL implicitly",
    )
    parser.set_defaults(handler=run)


def _require_pglast() -> None:
    try:
        importlib.import_module("pglast")
    except ImportError:
        raise CommandError(
            f"lint needs pglast (PostgreSQL's SQL parser): {INSTALL_HINT}"
        ) from None


def _catalog(url: str) -> list[tuple[str, str, tuple[str, ...]]]:
    """The enums of the database at ``url``: one catalog query (``read_enums``)."""
    from sqlalchemy.exc import DBAPIError

    from ..catalog import read_enums

    connection = connect(database_url(url))
    try:
        return [(e.schema, e.name, e.labels) for e in read_enums(connection)]
    except DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()
        raise CommandError(f"cannot read the catalog: {reason[0] if reason else exc}") from None
    finally:
        connection.close()
        connection.engine.dispose()


def run(args: argparse.Namespace) -> int:
    """Lint and print; the exit status (CommandError for status 2)."""
    _require_pglast()
    from ..lint.linter import LintError, Options, check_codes, lint
    from ..lint.report import RENDERERS
    from ..lint.rules import Severity

    try:  # a typo in --select fails before any database is touched
        check_codes(args.select, "--select")
        check_codes(args.ignore, "--ignore")
    except LintError as exc:
        raise CommandError(str(exc)) from None
    catalog = _catalog(args.url) if args.url else None
    options = Options(
        paths=args.paths, configs=args.config, section=args.name,
        select=args.select, ignore=args.ignore, catalog=catalog,
    )
    try:
        result = lint(options, Path.cwd())
    except LintError as exc:
        raise CommandError(str(exc)) from None
    sys.stdout.write(
        RENDERERS[args.format](result.findings, result.files, result.suppressed)
    )
    threshold = Severity(args.fail_on).rank
    failing = [f for f in result.findings if f.severity.rank >= threshold]
    return EXIT_FINDINGS if failing else EXIT_OK
