"""``alembic-enum-ops demo`` (being written)."""

from __future__ import annotations

import sys


def run_demo(url: str | None = None) -> int:
    print("alembic-enum-ops demo: error: not available in this build yet", file=sys.stderr)
    return 2
