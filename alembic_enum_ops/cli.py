"""The ``alembic-enum-ops`` command (also ``python -m alembic_enum_ops``).

Each subcommand adds itself in its own ``_add_<name>`` function, called from
:func:`build_parser`, and runs through the ``handler`` it sets.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

Handler = Callable[[argparse.Namespace], int]

# --- doctor / demo (issue 7) ------------------------------------------------------------
# Errors a user can cause (bad URL, unreachable server, a --metadata that does not
# import) are CommandError: one line on stderr, exit status 2, never a traceback.

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_UNUSABLE = 2


class CommandError(Exception):
    """A problem with the command's input or environment, shown as one line."""


# --- shared helpers -------------------------------------------------------------------


def database_url(raw: str) -> Any:
    """Parse ``--url``; a driverless ``postgresql://`` (or ``postgres://``) gets psycopg 3,
    the driver this package depends on."""
    import sqlalchemy as sa
    from sqlalchemy.exc import ArgumentError

    try:
        url = sa.make_url(raw)
    except ArgumentError as exc:
        raise CommandError(f"invalid database URL {raw!r}: {exc}") from None
    if url.drivername in {"postgresql", "postgres"}:
        url = url.set(drivername="postgresql+psycopg")
    if not url.drivername.startswith("postgresql"):
        raise CommandError(
            f"invalid database URL {raw!r}: alembic-enum-ops works on PostgreSQL only "
            f"(got {url.drivername!r})"
        )
    return url


def connect(url: Any) -> Any:
    """An open connection, or a one-line CommandError saying why not."""
    import sqlalchemy as sa
    from sqlalchemy.exc import DBAPIError, NoSuchModuleError

    shown = url.render_as_string(hide_password=True)
    try:
        engine = sa.create_engine(url, connect_args={"connect_timeout": 5})
    except (NoSuchModuleError, ImportError) as exc:
        raise CommandError(f"cannot use database URL {shown}: {exc}") from None
    try:
        return engine.connect()
    except DBAPIError as exc:
        reason = str(exc.orig).strip().splitlines()
        engine.dispose()
        raise CommandError(
            f"cannot connect to {shown}: {reason[0] if reason else type(exc.orig).__name__}"
        ) from None


def load_metadata(spec: str) -> Any:
    """Import ``module:attribute`` (cwd on sys.path) and return a MetaData, a list of
    them, or the ``.metadata`` of a declarative base."""
    import sqlalchemy as sa

    module_name, sep, attribute = spec.partition(":")
    if not sep or not module_name or not attribute:
        raise CommandError(
            f"invalid --metadata {spec!r}: expected module:attribute, e.g. myapp.models:Base"
        )
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        module = importlib.import_module(module_name)
    except Exception as exc:  # any error in the user's module is reported, not raised
        raise CommandError(
            f"cannot import {module_name!r} (from --metadata {spec}): "
            f"{type(exc).__name__}: {exc}"
        ) from None
    target: Any = module
    owner = module_name
    for part in attribute.split("."):
        if not hasattr(target, part):
            raise CommandError(f"--metadata {spec}: {owner!r} has no attribute {part!r}")
        target = getattr(target, part)
        owner = f"{owner}.{part}"
    if not isinstance(target, sa.MetaData) and isinstance(
        getattr(target, "metadata", None), sa.MetaData
    ):
        target = target.metadata
    if isinstance(target, sa.MetaData):
        return target
    if isinstance(target, (list, tuple)) and target and all(
        isinstance(m, sa.MetaData) for m in target
    ):
        return list(target)
    raise CommandError(
        f"--metadata {spec}: expected a MetaData, a list of MetaData or a declarative "
        f"base, got {type(target).__name__}"
    )


def _use_color(choice: str, stream: Any) -> bool:
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    isatty: Callable[[], bool] | None = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


# --- doctor ------------------------------------------------------------------------------


def _add_doctor(subparsers: Any) -> None:
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
    parser.add_argument(
        "--url",
        default=os.environ.get("DATABASE_URL"),
        required=not os.environ.get("DATABASE_URL"),
        help="database URL, e.g. postgresql://u@h/db (default: $DATABASE_URL)",
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
    parser.set_defaults(handler=_run_doctor)


def _run_doctor(args: argparse.Namespace) -> int:
    from .doctor import diagnose, render_json, render_text
    from .errors import InvalidEnumInput

    url = database_url(args.url)
    expected = None
    if args.metadata:
        from .verify import expected_enums

        metadata = load_metadata(args.metadata)
        try:
            expected = expected_enums(metadata)
        except InvalidEnumInput as exc:
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
        sys.stdout.write(render_text(report, color=_use_color(args.color, sys.stdout)))
    return EXIT_FINDINGS if report.exit_code else EXIT_OK


# --- demo --------------------------------------------------------------------------------


def _add_demo(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="run the whole enum story on a throwaway database",
        description=(
            "Create a temporary Alembic project from the pgenum template with the model "
            "ai.ingestion_queue.status (type ai.ingestionstatus) and run autogenerate, "
            "upgrade, insert rows, add a status, remove a status with a mapping, check "
            "and downgrade, printing each revision and the SQL it ran. Without --url it "
            "starts an embedded PostgreSQL (pip install 'alembic-enum-ops[demo]'); with "
            "--url it creates a scratch database on that server and drops it afterwards."
        ),
    )
    parser.add_argument(
        "--url",
        help="a server to use (any database on it; the demo creates and drops its own)",
    )
    parser.set_defaults(handler=_run_demo)


def _run_demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    return run_demo(url=args.url)



# --- template-path ------------------------------------------------------------------


def _template_path(args: argparse.Namespace) -> int:
    from .templates import template_path

    try:
        path = template_path(args.name)
    except (ValueError, FileNotFoundError) as exc:
        print(f"alembic-enum-ops: {exc}", file=sys.stderr)
        return 2
    print(path)
    return 0


def _add_template_path(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "template-path",
        help="print the folder of an Alembic template, for alembic init -t",
        description=(
            "Print the folder of an alembic-enum-ops template. With an editable install "
            "Alembic cannot find the templates by name; use: "
            'alembic init -t "$(alembic-enum-ops template-path pgenum)" migrations'
        ),
    )
    parser.add_argument("name", choices=["pgenum", "pgenum_async"])
    parser.set_defaults(handler=_template_path)


# --- parser -------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="alembic-enum-ops",
        description="Safe PostgreSQL enum migrations for Alembic.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True)
    _add_template_path(subparsers)
    _add_doctor(subparsers)
    _add_demo(subparsers)
    importlib.import_module(".lint.command", __package__).add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except CommandError as exc:
        print(f"alembic-enum-ops {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    except KeyboardInterrupt:
        print(f"alembic-enum-ops {args.command}: interrupted", file=sys.stderr)
        return 130
