"""One lint run: find the files, read each once, replay the history in order, filter.

Every revision of the project is read (so a type created five revisions ago is known
when a later one uses it), but findings are kept only for the files asked about: with
paths (``pre-commit`` passes the changed files), the rest of the history is context.
Within a file, ``upgrade()`` is checked against the history before it and changes it;
``downgrade()`` is checked against the state its ``upgrade()`` left, on a copy.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .checks import AddedLabel, FunctionChecker
from .envpy import EnvFacts, find_env, read_env
from .findings import Finding
from .knowledge import EnumRegistry
from .python_reader import PythonSyntaxError, RevisionFile, read_revision
from .revisions import Project, ProjectError, load_project, upgrade_order
from .rules import RULES, matching


class LintError(Exception):
    """The linter could not run (exit status 2): one line for the user."""


@dataclass(frozen=True)
class Options:
    paths: Sequence[str] = ()
    configs: Sequence[str] = ()
    section: str = "alembic"
    select: Sequence[str] = ()
    ignore: Sequence[str] = ()
    catalog: Sequence[tuple[str, str, tuple[str, ...]]] | None = None
    """Enums read from a live database (``--url``): (schema, name, labels)."""


@dataclass
class Result:
    findings: list[Finding] = field(default_factory=list)
    files: int = 0
    """Revision files linted (context files not counted)."""
    suppressed: int = 0


def check_codes(values: Iterable[str], option: str) -> list[str]:
    """``--select``/``--ignore`` values (comma-separated, repeatable): each a code or a
    prefix of at least one code."""
    codes: list[str] = []
    for value in values:
        for part in value.split(","):
            part = part.strip().upper()
            if not part:
                continue
            if not matching(part):
                known = f"{min(RULES)}..{max(RULES)}"
                raise LintError(f"{option}: no rule code starts with {part!r} (codes: {known})")
            codes.append(part)
    return codes


def _matches(code: str, prefixes: Iterable[str]) -> bool:
    return any(code.startswith(p.upper()) for p in prefixes)


def lint(options: Options, cwd: Path | None = None) -> Result:
    """Lint as the command line asked; :class:`LintError` when it cannot."""
    cwd = (cwd or Path.cwd()).resolve()
    select = check_codes(options.select, "--select")
    ignore = check_codes(options.ignore, "--ignore")
    try:
        project = load_project(
            cwd, options.configs, section=options.section,
            required=not options.paths or bool(options.configs),
        )
    except ProjectError as exc:
        raise LintError(str(exc)) from None
    targets = _targets(options.paths, cwd, project)
    context = project.files() if project is not None else []
    files = _read_all([*targets, *context], explicit={t for t, walked in targets.items()
                                                       if not walked})
    wanted = {p for p in targets if p in files}
    registry = EnumRegistry()
    if options.catalog:
        registry.seed_catalog(options.catalog)
    envs = _EnvCache(project)
    result = Result(files=len(wanted))
    order = upgrade_order((p, f.revision, f.down_revisions) for p, f in files.items())
    previous: tuple[RevisionFile, list[AddedLabel]] | None = None
    for path in order:
        revision = files[path]
        env = envs.facts(path)
        carried: list[AddedLabel] = []
        if previous is not None and env.one_transaction and previous[0].revision in (
            revision.down_revisions
        ):
            carried = previous[1]
        findings, left = _check_file(_shown(path, cwd), revision, registry, env, carried)
        previous = (revision, left)
        if path in wanted:
            kept = [f for f in findings if _selected(f, select, ignore)]
            visible = [f for f in kept if not _suppressed(f, revision)]
            result.suppressed += len(kept) - len(visible)
            result.findings.extend(visible)
    result.findings = sorted(_unique(result.findings), key=Finding.sort_key)
    return result


def _check_file(
    shown: str, revision: RevisionFile, registry: EnumRegistry, env: EnvFacts,
    carried: list[AddedLabel],
) -> tuple[list[Finding], list[AddedLabel]]:
    findings: list[Finding] = []
    left: list[AddedLabel] = []
    upgrades = [f for f in revision.functions if f.name.startswith("upgrade")]
    others = [f for f in revision.functions if not f.name.startswith("upgrade")]
    rev_id = revision.revision or str(revision.path)
    for index, function in enumerate(upgrades):
        checker = FunctionChecker(
            shown, function, registry, env, revision=rev_id,
            carried=carried if index == 0 else (),
        )
        findings.extend(checker.run())
        left = checker.uncommitted_labels()
    for function in others:
        checker = FunctionChecker(shown, function, registry.copy(), env, revision=rev_id)
        findings.extend(checker.run())
    return findings, left


class _EnvCache:
    def __init__(self, project: Project | None) -> None:
        self.project = project
        self.cache: dict[Path | None, EnvFacts] = {}

    def facts(self, path: Path) -> EnvFacts:
        if self.project is not None and self.project.owns(path):
            env_py = self.project.env_py
            setting = self.project.lock_timeout
        else:
            env_py, setting = find_env(path), None
        if env_py not in self.cache:
            self.cache[env_py] = (
                read_env(env_py, lock_timeout_setting=setting) if env_py is not None
                else EnvFacts.unknown()
            )
        return self.cache[env_py]


def _targets(paths: Sequence[str], cwd: Path, project: Project | None) -> dict[Path, bool]:
    """The files to report on -> whether they were found by walking a folder."""
    if not paths:
        assert project is not None
        if not any(d.is_dir() for d in project.version_dirs):
            shown = ", ".join(str(d) for d in project.version_dirs)
            raise LintError(f"the project's version folder does not exist: {shown}")
        return {p.resolve(): False for p in project.files()}
    found: dict[Path, bool] = {}
    for raw in paths:
        path = Path(raw)
        path = path if path.is_absolute() else cwd / path
        if path.is_file():
            found.setdefault(path.resolve(), False)
        elif path.is_dir():
            for root, dirs, names in os.walk(path):
                dirs[:] = sorted(d for d in dirs if d != "__pycache__" and not d.startswith("."))
                for name in sorted(names):
                    if name.endswith(".py") and name != "__init__.py":
                        found.setdefault((Path(root) / name).resolve(), True)
        else:
            raise LintError(f"path not found: {raw}")
    return found


def _read_all(paths: Iterable[Path], *, explicit: set[Path]) -> dict[Path, RevisionFile]:
    """Each file read once.  Files found by walking a folder that are not revisions
    (``env.py``, helpers: no module-level ``revision`` and no ``upgrade()`` or
    ``downgrade()``) are left out."""
    files: dict[Path, RevisionFile] = {}
    for path in paths:
        resolved = path.resolve()
        if resolved in files:
            continue
        try:
            revision = read_revision(resolved)
        except PythonSyntaxError as exc:
            raise LintError(str(exc)) from None
        except OSError as exc:
            raise LintError(f"cannot read {path}: {exc.strerror or exc}") from None
        if not revision.looks_like_revision and resolved not in explicit:
            continue
        files[resolved] = revision
    return files


def _shown(path: Path, cwd: Path) -> str:
    try:
        return str(path.relative_to(cwd))
    except ValueError:
        return str(path)


def _selected(finding: Finding, select: list[str], ignore: list[str]) -> bool:
    return (not select or _matches(finding.code, select)) and not _matches(finding.code, ignore)


def _suppressed(finding: Finding, revision: RevisionFile) -> bool:
    if _matches(finding.code, revision.file_suppressions):
        return True
    span = finding.span
    lines = {span.line, *range(span.first_line, span.last_line + 1)}
    return any(_matches(finding.code, revision.suppressions.get(line, ())) for line in lines)


def _unique(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple[str, str, int, int, str]] = set()
    unique: list[Finding] = []
    for finding in findings:
        token = (finding.code, finding.path, finding.line, finding.col, finding.message)
        if token not in seen:
            seen.add(token)
            unique.append(finding)
    return unique


__all__ = ["LintError", "Options", "Result", "check_codes", "lint"]
