"""The ``alembic-enum-ops`` command (also ``python -m alembic_enum_ops``).

Each subcommand adds itself in its own ``_add_<name>`` function, called from
:func:`build_parser`, and runs through the ``handler`` it sets.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

Handler = Callable[[argparse.Namespace], int]


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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    return handler(args)
