"""Finding the revision files of an Alembic project, the way Alembic finds them.

The project's configuration is read by Alembic's own :class:`alembic.config.Config`
and :class:`alembic.script.ScriptDirectory`: ``-c``/``--config`` (an ini file and/or a
``pyproject.toml``, as ``alembic -c`` takes them), ``$ALEMBIC_CONFIG``, ``-n`` for the
ini section, ``[tool.alembic]`` in pyproject.toml (Alembic 1.16+), ``script_location``
(paths and ``package:resource`` forms), ``version_locations``, ``%(here)s`` and
``recursive_version_locations`` all mean what they mean to ``alembic upgrade``.

What Alembic does next -- import every revision module to read its identifiers -- the
linter does not: importing runs the revision's module code and needs everything it
imports.  It lists the same files (``*.py`` in the version locations, ``__init__.py``
and editor lock files left out) and reads ``revision``/``down_revision`` from their
syntax trees (:mod:`.python_reader`), then orders them from base to heads.
"""

from __future__ import annotations

import configparser
import importlib
import inspect
import os
import re
import sys
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_REVISION_FILE = re.compile(r"(?!\.\#|__init__)(.*\.py)$")


class ProjectError(Exception):
    """The project's configuration cannot be used (one line for the user)."""


@dataclass(frozen=True)
class Project:
    config_files: tuple[Path, ...]
    script_dir: Path
    version_dirs: tuple[Path, ...]
    recursive: bool
    env_py: Path | None
    lock_timeout: str | None
    """The ``lock_timeout`` the pgenum env.py would use (alembic.ini / pyproject)."""

    def files(self) -> list[Path]:
        """The revision files, as Alembic lists them (sorted within each folder)."""
        found: list[Path] = []
        for folder in self.version_dirs:
            if not folder.is_dir():
                continue
            for root, dirs, names in os.walk(folder):
                dirs[:] = sorted(d for d in dirs if d != "__pycache__")
                found.extend(Path(root) / n for n in sorted(names) if _REVISION_FILE.match(n))
                if not self.recursive:
                    break
        return found

    def owns(self, path: Path) -> bool:
        resolved = path.resolve()
        return any(resolved.is_relative_to(d.resolve()) for d in self.version_dirs)


def _config_files(
    cwd: Path, configs: Sequence[str], environ: dict[str, str]
) -> tuple[Path | None, Path | None, bool]:
    """(ini, pyproject.toml, explicit) as ``alembic`` picks them (``-c`` given twice:
    one ini and one pyproject.toml)."""
    ini: Path | None = None
    toml: Path | None = None
    for name in configs:
        path = Path(name)
        path = path if path.is_absolute() else cwd / path
        if not path.is_file():
            raise ProjectError(f"config file not found: {name}")
        if path.name == "pyproject.toml":
            if toml is not None:
                raise ProjectError("pyproject.toml given more than once with -c")
            toml = path
        else:
            if ini is not None:
                raise ProjectError("only one ini file may be given with -c")
            ini = path
    explicit = bool(configs)
    env = environ.get("ALEMBIC_CONFIG")
    if ini is None and toml is None:
        if env and Path(env).name == "pyproject.toml":
            toml = cwd / env
        elif env:
            ini = cwd / env
    if ini is None and (cwd / "alembic.ini").is_file():
        ini = cwd / "alembic.ini"
    if toml is None:
        default = cwd / "pyproject.toml"
        toml = default if default.is_file() else None
    return ini, toml, explicit


def _has_tool_alembic(path: Path) -> bool:
    # Python 3.10 has no tomllib; Alembic 1.16+ (the first to read pyproject.toml)
    # depends on tomli there
    name = "tomllib" if sys.version_info >= (3, 11) else "tomli"
    try:
        toml: Any = importlib.import_module(name)
    except ImportError:
        return False
    try:
        with path.open("rb") as handle:
            data = toml.load(handle)
    except (OSError, ValueError) as exc:
        raise ProjectError(f"cannot read {path}: {exc}") from None
    tool = data.get("tool", {})
    return isinstance(tool, dict) and isinstance(tool.get("alembic"), dict)


def load_project(
    cwd: Path,
    configs: Sequence[str] = (),
    *,
    section: str = "alembic",
    required: bool = True,
    environ: dict[str, str] | None = None,
) -> Project | None:
    """The Alembic project that ``alembic`` run in ``cwd`` with these ``-c`` would use.

    None (when not ``required``) if there is none; :class:`ProjectError` when there is
    one that cannot be used, or none and one is required.
    """
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    ini, toml, explicit = _config_files(cwd, configs, dict(os.environ if environ is None
                                                            else environ))
    if toml is not None and not _has_tool_alembic(toml):
        if explicit and ini is None:
            raise ProjectError(f"{toml} has no [tool.alembic] section")
        toml = None
    if ini is None and toml is None:
        if not required:
            return None
        raise ProjectError(
            f"no Alembic project in {cwd}: no alembic.ini and no [tool.alembic] in "
            "pyproject.toml (use -c FILE, or give the revision files to lint)"
        )
    kwargs: dict[str, Any] = {"ini_section": section}
    if ini is not None:
        kwargs["file_"] = str(ini)
    if toml is not None:
        if "toml_file" not in inspect.signature(Config.__init__).parameters:
            if ini is None:
                raise ProjectError(
                    f"{toml}: [tool.alembic] needs Alembic 1.16 or later (installed: "
                    f"{_alembic_version()})"
                )
        else:
            kwargs["toml_file"] = str(toml)
    saved_path = list(sys.path)
    try:
        with warnings.catch_warnings():
            # Alembic's own deprecation notices about the configuration (path_separator
            # ...) are for `alembic` to give, not for a linter run on every commit
            warnings.simplefilter("ignore", DeprecationWarning)
            config = Config(**kwargs)
            script = ScriptDirectory.from_config(config)
            locations = _version_locations(script)
            lock_timeout = _lock_timeout(config)
    except CommandError as exc:
        raise ProjectError(f"{_shown(ini or toml)}: {_one_line(exc)}") from None
    except (configparser.Error, ValueError, KeyError) as exc:
        raise ProjectError(
            f"{_shown(ini or toml)}: {type(exc).__name__}: {_one_line(exc)}"
        ) from None
    finally:
        sys.path[:] = saved_path  # from_config prepends prepend_sys_path entries
    script_dir = Path(script.dir)
    env_py = script_dir / "env.py"
    return Project(
        config_files=tuple(p for p in (ini, toml) if p is not None),
        script_dir=script_dir,
        version_dirs=tuple(locations),
        recursive=bool(getattr(script, "recursive_version_locations", False)),
        env_py=env_py if env_py.is_file() else None,
        lock_timeout=lock_timeout,
    )


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def _shown(path: Path | None) -> str:
    return str(path) if path is not None else "configuration"


def _alembic_version() -> str:
    import alembic

    return str(getattr(alembic, "__version__", "?"))


def _version_locations(script: Any) -> list[Path]:
    """The version folders, as Alembic resolved them (``version_locations``, package
    resources, ``%(here)s``); ``script_location/versions`` by default.  Alembic 1.13 to
    1.20 all keep them in ``_version_locations`` (strings before 1.16, paths after)."""
    resolved = getattr(script, "_version_locations", None)
    if resolved is None:  # pragma: no cover - every supported Alembic has it
        configured = list(getattr(script, "version_locations", None) or ())
        resolved = configured or [os.path.join(script.dir, "versions")]
    return [Path(p).absolute() for p in resolved]


def _lock_timeout(config: Any) -> str | None:
    from ..environment import ConfigError, settings_from_config

    try:
        return settings_from_config(config).lock_timeout
    except ConfigError as exc:
        raise ProjectError(f"{exc}") from None


# --- ordering -------------------------------------------------------------------------


def upgrade_order(
    items: Iterable[tuple[Path, str | None, tuple[str, ...]]],
) -> list[Path]:
    """Files ordered so that each revision comes after its ``down_revision``\\ (s);
    files without identifiers, or in a cycle, keep their place at the end (by path)."""
    entries = sorted(items, key=lambda item: str(item[0]))
    by_id = {rev: path for path, rev, _ in entries if rev}
    parents = {path: [by_id[d] for d in downs if d in by_id] for path, _, downs in entries}
    ordered: list[Path] = []
    state: dict[Path, int] = {}

    def visit(path: Path) -> None:
        stack: list[tuple[Path, int]] = [(path, 0)]
        while stack:
            current, index = stack.pop()
            if index == 0:
                if state.get(current):
                    continue
                state[current] = 1
            deps = parents.get(current, [])
            if index < len(deps):
                stack.append((current, index + 1))
                if not state.get(deps[index]):
                    stack.append((deps[index], 0))
                continue
            state[current] = 2
            ordered.append(current)

    for path, _, _ in entries:
        visit(path)
    return ordered
