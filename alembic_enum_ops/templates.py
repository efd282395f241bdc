"""Where the ``pgenum`` Alembic templates are, for ``alembic init -t``.

``alembic init -t NAME`` only looks in Alembic's own ``templates`` folder, so the
wheel installs ours there (``alembic/templates/pgenum``).  A source checkout or an
editable install has them in ``templates/`` beside the package instead, which
Alembic cannot find by name; :func:`template_path` finds either, and
``alembic-enum-ops template-path pgenum`` prints it for
``alembic init -t "$(alembic-enum-ops template-path pgenum)" migrations``.
"""

from __future__ import annotations

from pathlib import Path

TEMPLATES = ("pgenum", "pgenum_async")


def _alembic_templates_dir() -> Path:
    import alembic

    return Path(alembic.__file__).resolve().parent / "templates"


def _source_templates_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "templates"


def _in_source_tree() -> bool:
    return (_source_templates_dir().parent / "pyproject.toml").is_file()


def candidate_paths(name: str) -> list[Path]:
    """Where ``name`` may be, in the order looked at.

    In a source checkout (editable install) the source tree comes first: the copy an
    editable install leaves in Alembic's folder is a snapshot taken at install time.
    Otherwise (wheel installs) Alembic's templates folder.
    """
    alembic_dir = _alembic_templates_dir() / name
    source_dir = _source_templates_dir() / name
    if _in_source_tree():
        return [source_dir, alembic_dir]
    return [alembic_dir, source_dir]


def template_path(name: str) -> Path:
    """The folder of template ``name`` (``pgenum`` or ``pgenum_async``)."""
    if name not in TEMPLATES:
        raise ValueError(f"unknown template {name!r}; the templates are {', '.join(TEMPLATES)}")
    for path in candidate_paths(name):
        if (path / "alembic.ini.mako").is_file() and (path / "env.py").is_file():
            return path
    looked = ", ".join(str(p) for p in candidate_paths(name))
    raise FileNotFoundError(
        f"template {name!r} is not installed (looked in {looked}); "
        "reinstall alembic-enum-ops from its wheel"
    )
