"""Helpers for the linter's tests: lint in-process, one corpus file at a time."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from alembic_enum_ops.lint.findings import Finding
from alembic_enum_ops.lint.linter import Options, lint

CORPUS = Path(__file__).resolve().parent / "corpus"

Lint = Callable[..., list[Finding]]


def lint_files(paths: Sequence[Path | str], cwd: Path, **options: object) -> list[Finding]:
    return lint(Options(paths=[str(p) for p in paths], **options), cwd=cwd).findings  # type: ignore[arg-type]


def codes(findings: Sequence[Finding]) -> list[tuple[str, int, int]]:
    return [(f.code, f.line, f.col) for f in findings]


@pytest.fixture
def lint_source(tmp_path: Path) -> Callable[[str], list[Finding]]:
    """Lint one revision written from source text (a file in an empty folder)."""

    def run(source: str, name: str = "rev.py") -> list[Finding]:
        path = tmp_path / name
        path.write_text(source)
        return lint_files([path], tmp_path)

    return run
