# PostgreSQL with safe enum migrations (alembic-enum-ops, `alembic init -t pgenum`).

[alembic]
# path to migration scripts, relative to the token %(here)s (this file's folder)
script_location = ${script_location}

# template used to generate migration file names; The default value is %%(rev)s_%%(slug)s
# file_template = %%(year)d_%%(month).2d_%%(day).2d_%%(hour).2d%%(minute).2d-%%(rev)s_%%(slug)s

# sys.path path, will be prepended to sys.path if present (so env.py can import
# your models from the project root).
prepend_sys_path = .
path_separator = os

# timezone to use when rendering the date within the migration file (blank: localtime)
# timezone =

# database URL. $DATABASE_URL, when set, wins over this line (see env.py); a bare
# postgresql:// URL is taken as psycopg 3 (postgresql+psycopg://). A % must be
# written %% here.
sqlalchemy.url = postgresql+psycopg://user:pass@localhost/dbname

# --- alembic-enum-ops: limits for every migration ---------------------------------
# Set on the migration session, so they hold in every revision's transaction and in
# the autocommit steps (ALTER TYPE ... ADD VALUE) between them.
# lock_timeout: a statement that cannot get its lock in time fails (enum operations
# retry it with backoff) instead of queueing and blocking every query on the table.
lock_timeout = 2s
# statement_timeout: the longest one statement may run (and hold its locks).
statement_timeout = 5min
# migration_lock: serialize concurrent `alembic` runs (e.g. two deploy pods) with a
# PostgreSQL advisory lock; the second waits, then finds nothing left to do.
migration_lock = true


[post_write_hooks]
# post_write_hooks defines scripts or Python functions that are run
# on newly generated revision scripts.
# hooks = ruff
# ruff.type = module
# ruff.module = ruff
# ruff.options = check --fix REVISION_SCRIPT_FILENAME

# Logging configuration.
[loggers]
keys = root,sqlalchemy,alembic,alembic_enum_ops

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARNING
handlers = console
qualname =

[logger_sqlalchemy]
level = WARNING
handlers =
qualname = sqlalchemy.engine

[logger_alembic]
level = INFO
handlers =
qualname = alembic

[logger_alembic_enum_ops]
level = INFO
handlers =
qualname = alembic_enum_ops

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %(levelname)-5.5s [%(name)s] %(message)s
datefmt = %H:%M:%S
