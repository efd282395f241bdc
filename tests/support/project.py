"""A temporary Alembic project driven by real ``alembic`` commands (subprocesses).

End-to-end tests write models and revisions into it and run ``upgrade``,
``downgrade``, ``upgrade --sql``, ``revision --autogenerate`` and ``check`` exactly as
a user would.  The env.py imports ``alembic_enum_ops`` and reads the model module
``models.py`` next to ``alembic.ini``: ``metadata`` (a MetaData or a list of them),
``ENUM_OPS`` (options dict) and ``CONFIGURE`` (extra ``context.configure`` keywords).

The benchmarks (``benchmarks/enumbench/project.py``) use the same project with other
settings: which tool the env.py imports (``tool_import``), how revisions import ``op``
(``op_import``), default ``enum_ops``/``configure`` options, the interpreter that runs
``alembic`` (``python``) and an ``instrumentation`` block of env.py code that wraps the
migration run (it defines ``instrument(engine)`` and ``run_migrations()``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ENV_PY = '''
import os

import sqlalchemy as sa
from alembic import context
from sqlalchemy.pool import NullPool

{tool_import}
import models

config = context.config
url = os.environ.get("ENUM_OPS_URL") or config.get_main_option("sqlalchemy.url")
target_metadata = getattr(models, "metadata", None)
ENUM_OPS = getattr(models, "ENUM_OPS", {enum_ops!r})
CONFIGURE = {{**{configure!r}, **getattr(models, "CONFIGURE", {{}})}}
CONFIGURE.setdefault("include_schemas", True)
CONFIGURE.setdefault("compare_type", True)
CONFIGURE.setdefault("transaction_per_migration", True)

{instrumentation}

def run_migrations_offline():
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        enum_ops=ENUM_OPS,
        **CONFIGURE,
    )
    run_migrations()


def run_migrations_online():
    engine = sa.create_engine(url, poolclass=NullPool)
    instrument(engine)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            enum_ops=ENUM_OPS,
            **CONFIGURE,
        )
        run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
'''

# The env.py hooks by default: nothing to instrument, one ``begin_transaction()``.
INSTRUMENTATION = '''
def instrument(engine):
    pass


def run_migrations():
    with context.begin_transaction():
        context.run_migrations()
'''

TOOL_IMPORT = "import alembic_enum_ops  # noqa: F401  (registers the operations)"
OP_IMPORT = "from alembic_enum_ops import op"

SCRIPT_MAKO = '''"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}
"""
from collections.abc import Sequence

import sqlalchemy as sa
{op_import}
${imports if imports else ""}

revision: str = ${repr(up_revision)}
down_revision: str | Sequence[str] | None = ${repr(down_revision)}
branch_labels: str | Sequence[str] | None = ${repr(branch_labels)}
depends_on: str | Sequence[str] | None = ${repr(depends_on)}


def upgrade() -> None:
    ${upgrades if upgrades else "pass"}


def downgrade() -> None:
    ${downgrades if downgrades else "pass"}
'''

ALEMBIC_INI = """[alembic]
script_location = %(here)s/migrations
prepend_sys_path = .
sqlalchemy.url = {url}

[loggers]
keys = root,sqlalchemy,alembic

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

[handler_console]
class = logging.StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %(levelname)-5.5s [%(name)s] %(message)s
"""


class AlembicFailed(AssertionError):
    def __init__(self, args: list[str], result: subprocess.CompletedProcess[str]) -> None:
        super().__init__(
            f"alembic {' '.join(args)} exited {result.returncode}\n"
            f"--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}"
        )
        self.result = result


@dataclass
class AlembicProject:
    root: Path
    url: str = ""  # "" for none in alembic.ini: each command names its database
    env: dict[str, str | None] = field(default_factory=dict)  # None: unset the variable
    python: str = sys.executable  # the interpreter that runs ``python -m alembic``
    tool_import: str = TOOL_IMPORT  # env.py's line importing the migration tool
    op_import: str = OP_IMPORT  # how revisions import ``op``
    enum_ops: dict[str, Any] = field(default_factory=dict)  # unless models.ENUM_OPS
    configure: dict[str, Any] = field(default_factory=dict)  # under models.CONFIGURE
    instrumentation: str = INSTRUMENTATION  # env.py's instrument() and run_migrations()

    def __post_init__(self) -> None:
        (self.root / "migrations" / "versions").mkdir(parents=True, exist_ok=True)
        (self.root / "migrations" / "env.py").write_text(
            ENV_PY.format(
                tool_import=self.tool_import,
                enum_ops=self.enum_ops,
                configure=self.configure,
                instrumentation=textwrap.dedent(self.instrumentation).strip() + "\n",
            )
        )
        (self.root / "migrations" / "script.py.mako").write_text(
            SCRIPT_MAKO.replace("{op_import}", self.op_import)
        )
        (self.root / "alembic.ini").write_text(
            ALEMBIC_INI.format(url=self.url.replace("%", "%%"))
        )
        if not (self.root / "models.py").exists():
            self.write_models("import sqlalchemy as sa\nmetadata = sa.MetaData()\n")

    @property
    def versions(self) -> Path:
        return self.root / "migrations" / "versions"

    def write_models(self, code: str) -> None:
        (self.root / "models.py").write_text(textwrap.dedent(code))
        # a changed models.py must not be served from a stale bytecode cache
        for cached in (self.root / "__pycache__").glob("models*.pyc"):
            cached.unlink()

    def write_revision(
        self,
        revision: str,
        upgrade: str,
        downgrade: str = "pass",
        *,
        down_revision: str | None = None,
        imports: str = "",
    ) -> Path:
        body = (
            f'"""{revision}"""\n'
            "from collections.abc import Sequence\n\n"
            "import sqlalchemy as sa\n"
            f"{self.op_import}\n"
            f"{textwrap.dedent(imports)}\n\n"
            f"revision: str = {revision!r}\n"
            f"down_revision: str | Sequence[str] | None = {down_revision!r}\n"
            "branch_labels: str | Sequence[str] | None = None\n"
            "depends_on: str | Sequence[str] | None = None\n\n\n"
            "def upgrade() -> None:\n"
            + textwrap.indent(textwrap.dedent(upgrade).strip() or "pass", "    ")
            + "\n\n\ndef downgrade() -> None:\n"
            + textwrap.indent(textwrap.dedent(downgrade).strip() or "pass", "    ")
            + "\n"
        )
        path = self.versions / f"{revision}.py"
        path.write_text(body)
        return path

    def command(self, *args: str) -> list[str]:
        """``python -m alembic -c <alembic.ini> args...``."""
        return [self.python, "-m", "alembic", "-c", str(self.root / "alembic.ini"), *args]

    def environment(self, url: str | None = None) -> dict[str, str]:
        """The environment of an ``alembic`` command run against ``url`` (default: the
        project's): ``os.environ`` with ``$ENUM_OPS_URL`` and :attr:`env` applied."""
        merged = {**os.environ, "ENUM_OPS_URL": self.url if url is None else url, **self.env}
        return {k: v for k, v in merged.items() if v is not None}

    def alembic(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            self.command(*args),
            cwd=self.root,
            capture_output=True,
            text=True,
            env=self.environment(),
            timeout=300,
            check=False,
        )
        if check and result.returncode != 0:
            raise AlembicFailed(list(args), result)
        return result

    def upgrade(self, target: str = "head") -> subprocess.CompletedProcess[str]:
        return self.alembic("upgrade", target)

    def downgrade(self, target: str = "base") -> subprocess.CompletedProcess[str]:
        return self.alembic("downgrade", target)

    def upgrade_sql(self, target: str = "head") -> str:
        """The offline script, as ``alembic upgrade --sql`` prints it."""
        return self.alembic("upgrade", target, "--sql").stdout

    def autogenerate(self, message: str = "auto", rev_id: str | None = None) -> Path:
        args = ["revision", "--autogenerate", "-m", message]
        if rev_id:
            args += ["--rev-id", rev_id]
        self.alembic(*args)
        candidates = sorted(self.versions.glob("*.py"), key=lambda p: p.stat().st_mtime)
        return candidates[-1]

    def check(self) -> subprocess.CompletedProcess[str]:
        return self.alembic("check", check=False)
