"""``alembic-enum-ops online-cleanup``: remove what an abandoned online conversion left
(:mod:`alembic_enum_ops.ddl.online.cleanup`), and nothing else.

An interrupted online swap is meant to be resumed (run the migration again); this
command is for a conversion given up.  It lists what it found and the SQL it runs;
``--dry-run`` stops there.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from .common import EXIT_OK, CommandError, connect, database_url


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "online-cleanup",
        help="remove what an abandoned online conversion left (shadow columns, sync "
        "triggers, the new type)",
        description=(
            "Find every object an online swap or conversion created and did not remove "
            "(they carry a comment starting with 'alembic_enum_ops online': sync "
            "triggers and their functions, shadow columns with their twin indexes and "
            "helper CHECKs, domain twins, the new type) and drop them, each table in a "
            "short transaction under --lock-timeout. Nothing else is touched. Run it "
            "only for a conversion you gave up, while no migration runs: an interrupted "
            "conversion resumes when its migration runs again. Exit status: 0 done (or "
            "nothing found), 2 could not run."
        ),
    )
    parser.add_argument(
        "--url",
        help="database URL (default: $DATABASE_URL; one of the two is required)",
    )
    parser.add_argument(
        "--type",
        dest="type_name",
        metavar="[SCHEMA.]NAME",
        help="only the leftovers of this enum's conversion (default: every enum's); "
        "a name without a schema means public",
    )
    parser.add_argument(
        "--column",
        metavar="[SCHEMA.]TABLE.COLUMN",
        help="only the leftovers of this column's online conversion (enum_to_check, "
        "check_to_enum); a name without a schema means public",
    )
    parser.add_argument(
        "--lock-timeout",
        default="2s",
        help="lock_timeout of each short transaction (retried with backoff; default 2s)",
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="list the leftovers and print the SQL, change nothing",
    )
    parser.set_defaults(handler=run, parser=parser)


def _split(value: str, option: str, parts: int) -> list[str]:
    """``[SCHEMA.]A[.B]`` into ``parts`` names, the schema defaulting to public.  Names
    holding a dot cannot be given this way (quote-free on purpose: it is a shell
    argument); use the Python function for those."""
    names = value.split(".")
    if len(names) == parts - 1:
        names.insert(0, "public")
    if len(names) != parts or not all(names):
        shape = "NAME or SCHEMA.NAME" if parts == 2 else "TABLE.COLUMN or SCHEMA.TABLE.COLUMN"
        raise CommandError(f"invalid {option} {value!r}: expected {shape}")
    return names


def run(args: argparse.Namespace) -> int:
    from ..ddl.lock_waits import RETRY_ADVICE
    from ..ddl.online.cleanup import online_cleanup
    from ..ddl.plan import step_sql, terminated
    from ..errors import EnumOpsError, LockTimeoutExhaustedError
    from ..options import EnumOpsOptions

    raw: str | None = args.url if args.url is not None else os.environ.get("DATABASE_URL")
    if not raw:
        parser: argparse.ArgumentParser = args.parser
        parser.error("the following arguments are required: --url (or set $DATABASE_URL)")
    try:
        options = EnumOpsOptions(lock_timeout=args.lock_timeout)
    except ValueError as exc:
        raise CommandError(f"invalid --lock-timeout {args.lock_timeout!r}: {exc}") from None
    if args.type_name and args.column:
        raise CommandError("give --type or --column, not both")
    schema = name = table = column = None
    if args.type_name:
        schema, name = _split(args.type_name, "--type", 2)
    if args.column:
        schema, table, column = _split(args.column, "--column", 3)
    url = database_url(raw)
    connection = connect(url)
    try:
        try:
            leftovers, plan = online_cleanup(
                connection, schema, name, table=table, column=column, options=options,
                dry_run=args.dry_run,
            )
        except LockTimeoutExhaustedError as exc:  # what was done stays done: rerun it
            raise CommandError(str(exc).replace(
                RETRY_ADVICE,
                "Tables cleaned before this one stay clean. Run the command again when "
                "the long transaction ends, or raise --lock-timeout.",
            )) from None
        except EnumOpsError as exc:
            raise CommandError(str(exc)) from None
        sql = "\n".join(
            terminated(line) for step in plan.steps for line in step_sql(step, connection.dialect)
        )
    finally:
        connection.close()
        connection.engine.dispose()
    out = sys.stdout
    if not leftovers:
        what = (
            f" of enum {schema}.{name}" if name
            else f" of column {schema}.{table}.{column}" if column else ""
        )
        out.write(f"nothing left by an online conversion{what}\n")
        return EXIT_OK
    out.write(f"found {len(leftovers)} object(s) left by online conversions:\n")
    for item in leftovers:
        out.write(f"  - {item.describe()} ({item.subject})\n")
    out.write(("would run" if args.dry_run else "ran") + ":\n")
    out.write(sql if sql.endswith("\n") else sql + "\n")
    if args.dry_run:
        out.write("dry run: nothing was changed\n")
    return EXIT_OK
