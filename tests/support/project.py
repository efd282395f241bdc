"""A temporary Alembic project driven by real ``alembic`` commands (subprocesses).

End-to-end tests write models and revisions into it and run ``upgrade``,
``downgrade``, ``upgrade --sql``, ``revision --autogenerate`` and ``check`` exactly as
a user would.  The env.py imports ``alembic_enum_ops`` and reads the model module
``models.py`` next to ``alembic.ini``: ``metadata`` (a MetaData or a list of them),
``ENUM_OPS`` (options dict) and ``CONFIGURE`` (extra ``context.configure`` keywords).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

ENV_PY = '''
import os

import sqlalchemy as sa
from alembic import context
from sqlalchemy.pool import NullPool

import alembic_enum_ops  # noqa: F401  (registers the operations)
import models

config = context.config
url = os.environ.get("ENUM_OPS_URL") or config.get_main_option("sqlalchemy.url")
target_metadata = getattr(models, "metadata", None)
ENUM_OPS = getattr(models, "ENUM_OPS", {})
CONFIGURE = dict(getattr(models, "CONFIGURE", {}))
CONFIGURE.setdefault("include_schemas", True)
CONFIGURE.setdefault("compare_type", True)
CONFIGURE.setdefault("transaction_per_migration", True)


def run_migrations_offline():
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        enum_ops=ENUM_OPS,
        **CONFIGURE,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    engine = sa.create_engine(url, poolclass=NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            enum_ops=ENUM_OPS,
            **CONFIGURE,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
'''

SCRIPT_MAKO = '''"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic_enum_ops import op
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
    url: str
    env: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        (self.root / "migrations" / "versions").mkdir(parents=True, exist_ok=True)
        (self.root / "migrations" / "env.py").write_text(ENV_PY)
        (self.root / "migrations" / "script.py.mako").write_text(SCRIPT_MAKO)
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
            "from alembic_enum_ops import op\n"
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

    def alembic(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        cmd = [sys.executable, "-m", "alembic", "-c", str(self.root / "alembic.ini"), *args]
        result = subprocess.run(
            cmd,
            cwd=self.root,
            capture_output=True,
            text=True,
            env={**os.environ, "ENUM_OPS_URL": self.url, **self.env},
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
