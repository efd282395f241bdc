"""Our operations used as the documentation shows them are never flagged.

Every revision block of ``docs/*.md`` (the blocks ``tests/test_docs.py`` runs against a
real server) is linted; ``docs/lint.md`` is left out, its examples are bad on purpose.
Blocks the docs show failing with a database error (``raises DBAPIError``: hand-written
SQL in the troubleshooting page) are the other way round: the linter must have caught
them before they ran.  Our operations' own refusals (``UnsafeOperationError``...) are
about the data, which the linter cannot see: those revisions lint clean.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.docs.test_docs import DOCS, Block, parse_blocks

from .conftest import lint_files

REVISIONS = [
    block
    for page in sorted(DOCS.glob("*.md"))
    if page.name != "lint.md"
    for block in parse_blocks(page)
    if block.lang == "python" and not block.skipped
    and re.search(r"^def upgrade\(", block.body, re.MULTILINE)
]


def test_there_are_documented_revisions() -> None:
    assert len(REVISIONS) >= 20


FAILING = {"troubleshooting.md:28": ["EO201", "EO202", "EO203"],
           "troubleshooting.md:132": ["EO301", "EO303"]}


def test_the_failing_examples_are_the_known_ones() -> None:
    assert sorted(b.where for b in REVISIONS if b.arg == "DBAPIError") == sorted(FAILING)


@pytest.mark.parametrize("block", REVISIONS, ids=lambda b: b.where)
def test_documented_revision(block: Block, tmp_path: Path) -> None:
    path = tmp_path / "revision.py"
    path.write_text(block.body)
    findings = lint_files([path], tmp_path)
    assert sorted(f.code for f in findings) == FAILING.get(block.where, []), [
        (f.code, f.line, f.message) for f in findings
    ]
