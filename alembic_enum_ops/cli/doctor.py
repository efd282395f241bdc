"""``alembic-enum-ops doctor``: the diagnosis of :mod:`alembic_enum_ops.doctor` on the
command line."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from .common import (
    EXIT_FINDINGS,
    EXIT_OK,
    CommandError,
    connect,
    database_url,
    load_metadata,
    use_color,
)


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "doctor",
        help="diagnose the database's enum types (and compare them with a model)",
        description=(
            "Read the catalog (and the model, with --metadata) and report enum problems: "
            "the same type name in several schemas and which copy search_path picks, "
            "types in another schema than the model expects, names-vs-values label "
            "mix-ups and other label drift, unused types, columns whose enum lives in "
            "another schema, and objects that block or complicate a swap. "
            "Exit status: 0 no error-level finding, 1 error-level findings, "
            "2 could not run (bad URL, unreachable server, --metadata import failure)."
        ),
    )
    # not required=True: $DATABASE_URL serves as well, so the usage line must not say
    # --url is required (run() refuses when neither is there)
    parser.add_argument(
        "--url",
        help="database URL, e.g. postgresql://u@h/db; an async driver "
        "(postgresql+asyncpg, postgresql+psycopg_async) is read through psycopg 3 "
        "(default: $DATABASE_URL; one of the two is required)",
    )
    parser.add_argument(
        "--metadata",
        metavar="MODULE:ATTRIBUTE",
        help="the model's MetaData (or declarative base), imported with the current "
        "directory on sys.path, e.g. myapp.models:Base",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour text output (auto: only on a terminal, and not when NO_COLOR is set)",
    )
    parser.set_defaults(handler=run, parser=parser)


def run(args: argparse.Namespace) -> int:
    from ..doctor import diagnose, render_json, render_text
    from ..errors import InvalidEnumInputError

    raw: str | None = args.url if args.url is not None else os.environ.get("DATABASE_URL")
    if raw is None or (not raw and args.url is None):
        parser: argparse.ArgumentParser = args.parser
        parser.error("the following arguments are required: --url (or set $DATABASE_URL)")
    url = database_url(raw)
    expected = None
    if args.metadata:
        from ..verify import expected_enums

        metadata = load_metadata(args.metadata)
        try:
            expected = expected_enums(metadata)
        except InvalidEnumInputError as exc:
            raise CommandError(f"--metadata {args.metadata}: {exc}") from None
    connection = connect(url)
    try:
        report = diagnose(connection, expected)
    finally:
        connection.close()
        connection.engine.dispose()
    if args.format == "json":
        sys.stdout.write(render_json(report))
    else:
        sys.stdout.write(render_text(report, color=use_color(args.color, sys.stdout)))
    return EXIT_FINDINGS if report.exit_code else EXIT_OK
