"""The peer's own virtual environment: ``alembic-postgresql-enum``, newest from PyPI.

It never enters the project's dependencies.  The venv pins Alembic and SQLAlchemy to
the versions the project's interpreter runs, so the comparison differs in the tool
only.  Built once and reused (``benchmarks/.venv-peer`` by default, git-ignored);
``--refresh-peer`` rebuilds it to pick up a newer release.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import venv
from pathlib import Path
from typing import Any

PEER_DIST = "alembic-postgresql-enum"


def _versions(python: str) -> dict[str, str]:
    code = (
        "import json, importlib.metadata as m\n"
        "out = {}\n"
        "for d in ('alembic', 'sqlalchemy', 'psycopg', 'alembic-postgresql-enum'):\n"
        "    try: out[d] = m.version(d)\n"
        "    except m.PackageNotFoundError: pass\n"
        "print(json.dumps(out))\n"
    )
    result = subprocess.run(
        [python, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    data: dict[str, str] = json.loads(result.stdout)
    return data


def own_versions() -> dict[str, str]:
    return _versions(sys.executable)


def ensure_peer_venv(path: Path, *, refresh: bool, progress: Any) -> tuple[str, dict[str, str]]:
    """Return (python executable, installed versions) of the peer venv, building it."""
    python = path / "bin" / "python"
    mine = own_versions()
    if refresh and path.exists():
        shutil.rmtree(path)
    if python.exists():
        have = _versions(str(python))
        if PEER_DIST in have and all(
            have.get(d) == mine.get(d) for d in ("alembic", "sqlalchemy")
        ):
            return str(python), have
    progress(f"creating the peer venv at {path} (pip install {PEER_DIST}) ...")
    if not python.exists():
        venv.EnvBuilder(with_pip=True, clear=True).create(path)
    pins = [f"{d}=={mine[d]}" for d in ("alembic", "sqlalchemy") if d in mine]
    subprocess.run(
        [
            str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
            "--upgrade", PEER_DIST, "psycopg[binary]", *pins,
        ],
        check=True,
        timeout=900,
    )
    have = _versions(str(python))
    progress(f"peer venv ready: {have}")
    return str(python), have
