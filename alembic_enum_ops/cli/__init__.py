"""The ``alembic-enum-ops`` command (also ``python -m alembic_enum_ops``).

Each subcommand lives in a module of its own with ``add_parser(subparsers)`` (which
sets the ``handler`` it runs through) and is listed in :func:`build_parser`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from .. import __version__
from . import demo, doctor, lint, online_cleanup, template_path
from .common import EXIT_UNUSABLE, CommandError

Handler = Callable[[argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="alembic-enum-ops",
        description="Safe PostgreSQL enum migrations for Alembic.",
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {__version__}"
    )
    subparsers = parser.add_subparsers(dest="command", required=True)
    template_path.add_parser(subparsers)
    doctor.add_parser(subparsers)
    demo.add_parser(subparsers)
    lint.add_parser(subparsers)
    online_cleanup.add_parser(subparsers)
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
