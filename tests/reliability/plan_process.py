"""Run part of a plan in a Python process of its own, so that a test can kill that
process (SIGKILL) at a statement it chose: ``python -m tests.reliability.plan_process``
reads ``(url, plan, options)`` pickled on its standard input and runs the plan through a
real ``MigrationContext``, as :func:`alembic_enum_ops.ddl.runner.run_plan` does in a
migration.  :func:`tests.reliability.procs.start_plan` starts it.
"""

from __future__ import annotations

import pickle
import sys

import sqlalchemy as sa
from alembic.migration import MigrationContext

from alembic_enum_ops import EnumOpsOptions
from alembic_enum_ops.ddl.runner import run_plan


def main() -> None:
    url, plan, options = pickle.load(sys.stdin.buffer)
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            run_plan(MigrationContext.configure(connection), plan, EnumOpsOptions(**options))
    finally:
        engine.dispose()


if __name__ == "__main__":
    main()
