"""Alembic environment from alembic-enum-ops (``alembic init -t pgenum_async``).

The ``pgenum`` environment on an asyncio engine (psycopg 3 async,
``postgresql+psycopg://``): one transaction per migration, lock_timeout and
statement_timeout on every statement (autocommit steps included), and an advisory
lock so two deploys running ``alembic upgrade head`` at once migrate one at a time.
Settings: ``lock_timeout``, ``statement_timeout``, ``migration_lock`` in alembic.ini
(or ``[tool.alembic]`` in pyproject.toml on Alembic 1.16+).
"""

from logging.config import fileConfig
from typing import Any

from alembic import context
from sqlalchemy.engine import Connection

import alembic_enum_ops  # noqa: F401  (registers op.enum_* and autogenerate support)
from alembic_enum_ops import environment
from alembic_enum_ops.autogenerate import process_revision_directives

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)

# Your models' MetaData goes here, for `alembic revision --autogenerate`:
#     from myapp.models import Base
#     target_metadata = Base.metadata
target_metadata = None

# The database: the connection a caller hands in through
# config.attributes["connection"] (test suites, pytest-alembic), else $DATABASE_URL,
# else sqlalchemy.url in alembic.ini.
URL_ENV_VAR = "DATABASE_URL"
SETTINGS = environment.settings_from_config(config)
# Extra alembic-enum-ops options (lock_retries, retry_backoff, ...), see EnumOpsOptions.
ENUM_OPS = SETTINGS.enum_ops({})


def configure(**kwargs: Any) -> None:
    """context.configure() with the settings every command (online or not) uses."""
    context.configure(
        target_metadata=target_metadata,
        include_schemas=True,  # enums and tables in every schema, e.g. "ai"
        include_name=environment.include_name,  # ...but not pg_catalog & co.
        compare_type=True,
        transaction_per_migration=True,
        process_revision_directives=process_revision_directives,
        enum_ops=ENUM_OPS,
        **kwargs,
    )


def run_migrations_offline() -> None:
    """`alembic upgrade head --sql`: a script for `psql -v ON_ERROR_STOP=1 -f`."""
    configure(url=environment.database_url(config, env_var=URL_ENV_VAR), literal_binds=True)
    for line in environment.offline_preamble(SETTINGS):
        context.get_context().impl.static_output(line)
    with context.begin_transaction():
        context.run_migrations()


def do_run_migrations(connection: Connection) -> None:
    with environment.migration_session(connection, SETTINGS):
        configure(connection=connection)
        with context.begin_transaction():
            context.run_migrations()


def run_migrations_online() -> None:
    # on the caller's Connection / AsyncConnection / (Async)Engine, or on a new async
    # engine, through asyncio.run (see environment.run_async)
    environment.run_async(config, do_run_migrations, env_var=URL_ENV_VAR)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
