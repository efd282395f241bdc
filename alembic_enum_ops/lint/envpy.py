"""What a project's ``env.py`` decides for every revision: read, not run.

Two facts change what a revision may do:

* **lock_timeout.**  A table rewrite needs one in force.  The ``pgenum`` templates'
  env.py sets it on the session (``alembic_enum_ops.environment.migration_session``,
  configured by ``settings_from_config``), so every statement of every revision runs
  under it.  An env.py that sets it some other way (``SET lock_timeout`` sent on the
  connection, ``options='-c lock_timeout=...'`` in the engine's connect arguments)
  counts too: any string in env.py that names ``lock_timeout`` is taken as setting it.
* **transaction_per_migration.**  Alembic's default runs *all* revisions of one
  ``alembic upgrade`` in a single transaction, so an enum label added without a commit
  in one revision is still uncommitted in the next (SQLSTATE 55P04 when it is used
  there, but only when both revisions are applied in the same run: a fresh database,
  a CI job, a deploy of several revisions).  ``transaction_per_migration=True``
  (the templates set it) gives each revision its own transaction.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path

_ZERO = re.compile(r"^0+(\.0*)?\s*(us|ms|s|min|h|d)?$")

_TEMPLATE_CALLS = {"migration_session", "settings_from_config"}


@dataclass(frozen=True)
class EnvFacts:
    path: Path | None
    """The env.py read; None when none was found (the file is linted on its own)."""
    lock_timeout: bool | None
    """True: env.py puts a lock_timeout in force; None: unknown (no env.py)."""
    one_transaction: bool | None
    """True: every revision of a run shares one transaction (no
    ``transaction_per_migration=True``); None: unknown."""
    how: str = ""
    """How env.py sets the lock_timeout, for messages."""

    @classmethod
    def unknown(cls) -> EnvFacts:
        return cls(None, None, None)


def read_env(path: Path, *, lock_timeout_setting: str | None = None) -> EnvFacts:
    """The facts of one env.py.  ``lock_timeout_setting`` is the project's configured
    ``lock_timeout`` (alembic.ini / pyproject) when the template's env.py uses it: a
    value of 0 turns it off."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return EnvFacts(path, None, None)
    names = {
        node.attr if isinstance(node, ast.Attribute) else node.id
        for node in ast.walk(tree)
        if isinstance(node, (ast.Attribute, ast.Name))
    }
    how = ""
    lock = False
    if names & _TEMPLATE_CALLS:
        lock = lock_timeout_setting is None or not _is_zero(lock_timeout_setting)
        how = "alembic_enum_ops.environment.migration_session (the pgenum env.py)"
        if not lock:
            how = f"lock_timeout = {lock_timeout_setting} in the project's settings (off)"
    elif any(
        isinstance(node, ast.Constant) and isinstance(node.value, str)
        and "lock_timeout" in node.value
        for node in ast.walk(tree)
    ):
        lock, how = True, "a lock_timeout setting in env.py"
    return EnvFacts(path, lock, not _per_migration(tree), how)


def _is_zero(value: str) -> bool:
    """``0``, ``0ms``, ``0s``...: PostgreSQL's "no timeout"."""
    return bool(_ZERO.match(value.strip().lower()))


def _per_migration(tree: ast.AST) -> bool:
    """``transaction_per_migration=True`` as a keyword, a dict entry, a ``setdefault``
    or an item assignment."""
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg == "transaction_per_migration":
            return _is_true(node.value)
        if isinstance(node, ast.Dict):
            for k, v in zip(node.keys, node.values, strict=True):
                if isinstance(k, ast.Constant) and k.value == "transaction_per_migration":
                    return _is_true(v)
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "setdefault"
            and len(node.args) == 2
            and isinstance(node.args[0], ast.Constant)
            and node.args[0].value == "transaction_per_migration"
        ):
            return _is_true(node.args[1])
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if (
                    isinstance(target, ast.Subscript)
                    and isinstance(target.slice, ast.Constant)
                    and target.slice.value == "transaction_per_migration"
                ):
                    return _is_true(node.value)
    return False


def _is_true(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def find_env(path: Path, levels: int = 3) -> Path | None:
    """The env.py of a revision file linted outside a project: in its folder or the
    ones above (``versions/../env.py``)."""
    folder = path.resolve().parent
    for _ in range(levels):
        candidate = folder / "env.py"
        if candidate.is_file() and candidate.resolve() != path.resolve():
            return candidate
        if folder.parent == folder:
            break
        folder = folder.parent
    return None
