"""A project made by ``alembic init -t pgenum`` (or ``pgenum_async``), driven by real
``alembic`` subprocesses, with whichever Python has alembic-enum-ops installed (the
test venv, or a fresh venv holding the built wheel)."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from alembic_enum_ops.templates import template_path

# The README's quickstart, step 2: the one line of env.py a user edits.
ENV_LINE = "target_metadata = None"
ENV_LINE_EDITED = "from models import Base\ntarget_metadata = Base.metadata"

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_models() -> str:
    """The quickstart's models.py, taken from the README itself."""
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)
    (models,) = [b for b in blocks if "class IngestionQueue(Base)" in b]
    return str(models)


def story_models(*labels: str) -> str:
    """The README's models.py with the enum members changed to ``labels`` (in order),
    as the quickstart's steps edit it."""
    models = readme_models()
    members = re.search(r"class IngestionStatus\(str, enum.Enum\):\n((?:    .*\n)+)", models)
    assert members is not None, models
    wanted = "".join(f'    {label.upper()} = "{label}"\n' for label in labels)
    return models.replace(members.group(1), wanted)


@contextmanager
def logging_preserved() -> Iterator[None]:
    """Run a template's env.py in-process (its ``fileConfig()`` reconfigures logging)
    and put the root logger and the loggers alembic.ini names back afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    named = {
        name: (logging.getLogger(name).level, logging.getLogger(name).propagate,
               list(logging.getLogger(name).handlers))
        for name in ("alembic", "sqlalchemy", "sqlalchemy.engine", "alembic_enum_ops")
    }
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        for name, (old_level, propagate, old_handlers) in named.items():
            logger = logging.getLogger(name)
            logger.setLevel(old_level)
            logger.propagate = propagate
            logger.handlers[:] = old_handlers


class AlembicError(AssertionError):
    def __init__(self, args: list[str], result: subprocess.CompletedProcess[str]) -> None:
        super().__init__(
            f"{' '.join(args)} exited {result.returncode}\n"
            f"--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}"
        )
        self.result = result


@dataclass
class TemplateProject:
    """``root`` holds alembic.ini, models.py and ``migrations/`` from the template."""

    root: Path
    url: str
    python: str = sys.executable
    env: dict[str, str] = field(default_factory=dict)

    @property
    def versions(self) -> Path:
        return self.root / "migrations" / "versions"

    @property
    def env_py(self) -> Path:
        return self.root / "migrations" / "env.py"

    def run(
        self, *args: str, check: bool = True, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        environ = {**os.environ, "DATABASE_URL": self.url, **self.env}
        environ.pop("PYTHONPATH", None)
        result = subprocess.run(
            list(args),
            cwd=self.root,
            capture_output=True,
            text=True,
            env=environ,
            timeout=timeout,
            check=False,
        )
        if check and result.returncode != 0:
            raise AlembicError(list(args), result)
        return result

    def alembic(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.run(self.python, "-m", "alembic", *args, check=check)

    def popen_alembic(self, *args: str) -> subprocess.Popen[str]:
        environ = {**os.environ, "DATABASE_URL": self.url, **self.env}
        return subprocess.Popen(
            [self.python, "-m", "alembic", *args],
            cwd=self.root,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=environ,
        )

    def init(self, template: str, *, by_path: bool = False) -> None:
        """``alembic init -t TEMPLATE migrations``; ``by_path`` uses the source tree's
        template folder (what ``alembic-enum-ops template-path`` prints)."""
        self.root.mkdir(parents=True, exist_ok=True)
        name = str(template_path(template)) if by_path else template
        self.alembic("init", "-t", name, "migrations")

    def edit_env(self) -> None:
        text = self.env_py.read_text()
        assert text.count(ENV_LINE) == 1, "the template's target_metadata line moved"
        self.env_py.write_text(text.replace(ENV_LINE, ENV_LINE_EDITED))

    def write_models(self, code: str) -> None:
        (self.root / "models.py").write_text(textwrap.dedent(code))
        for cached in (self.root / "__pycache__").glob("models*.pyc"):
            cached.unlink()

    def set_ini_option(self, name: str, value: str) -> None:
        """Change ``name = ...`` in the ``[alembic]`` section of alembic.ini."""
        ini = self.root / "alembic.ini"
        lines = ini.read_text().splitlines()
        for i, line in enumerate(lines):
            if line.startswith(f"{name} ="):
                lines[i] = f"{name} = {value}"
                break
        else:
            raise AssertionError(f"{name} not in alembic.ini")
        ini.write_text("\n".join(lines) + "\n")

    def remove_ini_option(self, name: str) -> None:
        ini = self.root / "alembic.ini"
        lines = [ln for ln in ini.read_text().splitlines() if not ln.startswith(f"{name} =")]
        ini.write_text("\n".join(lines) + "\n")

    def write_revision(self, revision: str, upgrade: str, down_revision: str | None) -> Path:
        """A hand-written revision in the shape the template's script.py.mako makes."""
        path = self.versions / f"{revision}.py"
        path.write_text(
            f'"""{revision}"""\n'
            "from collections.abc import Sequence\n\n"
            "from alembic_enum_ops import op\n\n"
            f"revision: str = {revision!r}\n"
            f"down_revision: str | Sequence[str] | None = {down_revision!r}\n"
            "branch_labels: str | Sequence[str] | None = None\n"
            "depends_on: str | Sequence[str] | None = None\n\n\n"
            "def upgrade() -> None:\n"
            + textwrap.indent(textwrap.dedent(upgrade).strip(), "    ")
            + "\n\n\ndef downgrade() -> None:\n    pass\n"
        )
        return path

    def autogenerate(self, message: str, rev_id: str) -> Path:
        self.alembic("revision", "--autogenerate", "-m", message, "--rev-id", rev_id)
        (path,) = self.versions.glob(f"{rev_id}_*.py")
        return path
