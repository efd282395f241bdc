"""The pure parts of ``scripts/matrix.py``: counting, the result table, the docs update.

Starting servers and building venvs is exercised by ``.ci/run`` itself (the matrix
section); these tests pin what decides pass or fail, so a matrix that ran nothing can
never report "passed".
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "matrix.py"


@pytest.fixture(scope="module")
def matrix() -> ModuleType:
    spec = importlib.util.spec_from_file_location("matrix_script", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["matrix_script"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" errors="1" failures="2" skipped="3" tests="20"
 time="12.5"><testcase classname="t" name="a" time="1"/></testsuite></testsuites>
"""


def test_counts_come_from_the_junit_report(matrix: ModuleType, tmp_path: Path) -> None:
    report = tmp_path / "r.xml"
    report.write_text(JUNIT)
    assert matrix.parse_counts(report) == {"passed": 14, "failed": 2, "skipped": 3, "error": 1}
    assert matrix.parse_counts(tmp_path / "missing.xml") == {
        "passed": 0, "failed": 0, "skipped": 0, "error": 0,
    }


def _result(matrix: ModuleType, **changes: object) -> Any:
    fields = dict(
        label="pg14-newest", postgres="14.23", sqlalchemy="2.1.9", alembic="1.20.1",
        passed=10, failed=0, skipped=1, errors=0, seconds=61.4, returncode=0,
        log=Path("x.log"), scope="subset",
    )
    fields.update(changes)
    return matrix.Result(**fields)


def test_a_run_passes_only_with_tests_and_no_failure(matrix: ModuleType) -> None:
    assert _result(matrix).ok
    assert not _result(matrix, failed=1).ok
    assert not _result(matrix, errors=1).ok
    assert not _result(matrix, returncode=2).ok
    assert not _result(matrix, passed=0).ok  # ran nothing: never "passed"


def test_table_marks_failures(matrix: ModuleType) -> None:
    table = matrix.table([_result(matrix), _result(matrix, postgres="18.6", failed=2)])
    rows = table.splitlines()
    assert rows[2] == "| 14.23 | 2.1.9 | 1.20.1 | subset | passed | 10 | 0 | 1 | 61s |"
    assert rows[3] == "| 18.6 | 2.1.9 | 1.20.1 | subset | **FAILED** | 10 | 2 | 1 | 61s |"


def test_external_rows_read_their_junit(matrix: ModuleType, tmp_path: Path) -> None:
    report = tmp_path / "main.xml"
    report.write_text(JUNIT)
    row = matrix.external_result(f"15.20 (local)|2.1.9|1.20.1|full suite={report}")
    assert (row.postgres, row.sqlalchemy, row.alembic, row.scope) == (
        "15.20 (local)", "2.1.9", "1.20.1", "full suite",
    )
    assert (row.passed, row.failed, row.errors, round(row.seconds, 1)) == (14, 2, 1, 12.5)
    assert not row.ok
    missing = matrix.external_result(f"15|a|b|full suite={tmp_path / 'none.xml'}")
    assert not missing.ok


def test_docs_update_replaces_only_between_the_markers(
    matrix: ModuleType, tmp_path: Path
) -> None:
    page = tmp_path / "compat.md"
    page.write_text(f"intro\n{matrix.MARK_BEGIN}\nold table\n{matrix.MARK_END}\noutro\n")
    matrix.write_docs(page, "| new |")
    text = page.read_text()
    assert text.startswith("intro\n") and text.endswith(f"{matrix.MARK_END}\noutro\n")
    assert "old table" not in text and "| new |" in text


def test_suite_selection(matrix: ModuleType) -> None:
    """--subset trims every run but the newest combination of a --full version;
    explicit pytest arguments win over both."""
    full = ["18"]
    assert matrix.suite_for("18", "newest", subset=True, full=full, extra=[]) == (
        ["-q"], "full suite"
    )
    assert matrix.suite_for("16", "newest", subset=True, full=full, extra=[]) == (
        matrix.SUBSET_ARGS, "subset"
    )
    assert matrix.suite_for("18", "floor", subset=True, full=full, extra=[]) == (
        matrix.FLOOR_SUBSET_ARGS, "floor subset"
    )
    assert matrix.suite_for("14", "newest", subset=False, full=[], extra=[]) == (
        ["-q"], "full suite"
    )
    assert matrix.suite_for("18", "newest", subset=True, full=full, extra=["-k", "x"]) == (
        ["-k", "x"], "pytest -k x"
    )
