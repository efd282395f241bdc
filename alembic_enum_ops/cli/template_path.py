"""``alembic-enum-ops template-path``: where a template is, for ``alembic init -t``."""

from __future__ import annotations

import argparse
import sys


def run(args: argparse.Namespace) -> int:
    from ..templates import template_path

    try:
        path = template_path(args.name)
    except (ValueError, FileNotFoundError) as exc:
        print(f"alembic-enum-ops: {exc}", file=sys.stderr)
        return 2
    print(path)
    return 0


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
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
    parser.set_defaults(handler=run)
