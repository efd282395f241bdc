"""The command line: output formats, exit status, options, and every error a user can
cause (one line on stderr, exit status 2, never a traceback)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from alembic_enum_ops import cli
from alembic_enum_ops.cli import lint as command
from alembic_enum_ops.lint.report import _escape_property, render_github

from .conftest import CORPUS

RESEARCH = str(CORPUS / "research_robust_migration.py")
CLEAN = str(CORPUS / "eo202_ok_enum_add_value.py")
DYNAMIC = str(CORPUS / "eo002_dynamic_sql.py")


def run(
    capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str]:
    code = cli.main(["lint", *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(autouse=True)
def _in_corpus(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(CORPUS)
    monkeypatch.delenv("ALEMBIC_CONFIG", raising=False)


def test_clean_file_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, CLEAN) == (0, "All checked: 1 revision file, no findings.\n", "")


def test_findings_exit_1_in_text(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "research_robust_migration.py")
    assert code == 1 and err == ""
    lines = out.splitlines()
    assert lines[0].startswith(
        "research_robust_migration.py:10:17: EO101 [error] DROP TYPE ai.ingestionstatus CASCADE"
    )
    assert lines[1].startswith("    fix: op.enum_drop('ingestionstatus', schema='ai', if_exists")
    assert lines[-1] == "Found 3 findings (3 errors) in 1 file of 1 checked."


def test_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--format", "json", RESEARCH, CLEAN)
    document = json.loads(out)
    assert code == 1
    assert document["version"] == 1
    assert document["summary"] == {
        "files": 2, "findings": 3, "error": 3, "warning": 0, "info": 0, "suppressed": 0,
    }
    first = document["findings"][0]
    assert {k: first[k] for k in ("code", "name", "severity", "line", "col", "function")} == {
        "code": "EO101", "name": "drop-type-cascade", "severity": "error", "line": 10,
        "col": 17, "function": "upgrade",
    }
    assert first["path"] == "research_robust_migration.py"
    assert first["fix"].startswith("op.enum_drop(")


def test_github_annotations(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "--format", "github", "eo002_dynamic_sql.py", "eo201_add_value_in_transaction.py"
    )
    lines = out.splitlines()
    assert code == 1
    assert lines[0].startswith(
        "::notice file=eo002_dynamic_sql.py,line=23,col=20,title=EO002 sql-not-checked::"
    )
    assert lines[3].startswith(
        "::error file=eo201_add_value_in_transaction.py,line=16,col=17,"
        "title=EO201 add-value-in-transaction::ALTER TYPE"
    )
    assert "%0Afix: op.enum_add_value(" in lines[3]
    assert lines[-1].startswith("Found 4 findings")


def test_github_escaping() -> None:
    assert _escape_property("a,b:c%\nd") == "a%2Cb%3Ac%25%0Ad"
    assert render_github([], 0) == "All checked: 0 revision files, no findings.\n"


def test_select_ignore_and_prefixes(capsys: pytest.CaptureFixture[str]) -> None:
    bad = "eo202_new_value_used_same_transaction.py"
    assert run(capsys, "--select", "EO202", bad)[1].count(": EO20") == 3
    assert run(capsys, "--select", "eo2", "--ignore", "EO202", bad)[1].count(": EO20") == 1
    assert run(capsys, "--ignore", "EO201,EO202", bad)[0] == 0
    assert run(capsys, "--ignore", "EO2", "--ignore", "EO1", bad)[0] == 0


def test_unknown_code(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "--select", "EO9", CLEAN) == (
        2, "",
        "alembic-enum-ops lint: error: --select: no rule code starts with 'EO9' "
        "(codes: EO001..EO502)\n",
    )
    assert run(capsys, "--ignore", "X", CLEAN)[2].startswith(
        "alembic-enum-ops lint: error: --ignore: no rule code starts with 'X'"
    )


def test_fail_on(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, DYNAMIC)
    assert code == 0 and "Found 3 findings (3 info)" in out
    assert run(capsys, "--fail-on", "info", DYNAMIC)[0] == 1
    warning_only = str(CORPUS / "eo203_add_value_without_position.py")
    assert run(capsys, warning_only)[0] == 1
    assert run(capsys, "--fail-on", "error", warning_only)[0] == 0


def test_suppressed_count_is_shown(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    revision = tmp_path / "r.py"
    revision.write_text(
        "from alembic import op\nrevision = 'r'\ndown_revision = None\n\ndef upgrade():\n"
        "    op.execute('DROP TYPE a CASCADE')  # enum-ops: ignore[EO101]\n"
    )
    assert run(capsys, str(revision))[:2] == (
        0, "All checked: 1 revision file, no findings (1 suppressed).\n"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.py"], "path not found: missing.py"),
        (["-c", "nowhere.ini"], "config file not found: nowhere.ini"),
    ],
)
def test_user_errors(
    capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert run(capsys, *args) == (2, "", f"alembic-enum-ops lint: error: {message}\n")


def test_no_project_here(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys)
    assert (code, out) == (2, "")
    assert err == (
        f"alembic-enum-ops lint: error: no Alembic project in {tmp_path.resolve()}: no "
        "alembic.ini and no [tool.alembic] in pyproject.toml (use -c FILE, or give the "
        "revision files to lint)\n"
    )


def test_bad_configurations(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    ini = tmp_path / "alembic.ini"
    ini.write_text("[alembic]\nsqlalchemy.url = postgresql://x/y\n")
    code, _, err = run(capsys)
    assert code == 2
    assert err == (
        f"alembic-enum-ops lint: error: {ini}: No 'script_location' key found in "
        "configuration.\n"
    )
    ini.write_text("[alembic]\nscript_location = %(here)s/nowhere\n")
    code, _, err = run(capsys)
    assert code == 2 and "nowhere" in err and err.count("\n") == 1
    ini.write_text("not an ini file\n")
    code, _, err = run(capsys)
    assert code == 2 and "MissingSectionHeaderError" in err and err.count("\n") == 1
    (tmp_path / "migrations").mkdir()
    ini.write_text("[alembic]\nscript_location = %(here)s/migrations\nlock_timeout = soon\n")
    code, _, err = run(capsys)
    assert code == 2
    assert err.startswith("alembic-enum-ops lint: error: lock_timeout: timeout must be")
    ini.write_text("[alembic]\nscript_location = %(here)s/migrations\n")
    code, _, err = run(capsys)
    assert code == 2
    assert err == (
        "alembic-enum-ops lint: error: the project's version folder does not exist: "
        f"{tmp_path / 'migrations' / 'versions'}\n"
    )
    ini.unlink()
    toml = tmp_path / "pyproject.toml"
    toml.write_text("[project]\nname = 'x'\n")
    code, _, err = run(capsys, "-c", "pyproject.toml")
    assert code == 2 and err.endswith("pyproject.toml has no [tool.alembic] section\n")


def test_not_python(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    broken = tmp_path / "0001_broken.py"
    broken.write_text("def upgrade(:\n    pass\n")
    assert run(capsys, str(broken)) == (
        2, "", f"alembic-enum-ops lint: error: {broken}:1:13: not valid Python (invalid syntax)\n"
    )


def test_without_pglast(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    real = command.importlib.import_module

    def no_pglast(name: str, package: str | None = None) -> object:
        if name == "pglast":
            raise ImportError("No module named 'pglast'")
        return real(name, package)

    monkeypatch.setattr(command.importlib, "import_module", no_pglast)
    assert run(capsys, CLEAN) == (
        2, "",
        "alembic-enum-ops lint: error: lint needs pglast (PostgreSQL's SQL parser): "
        "pip install 'alembic-enum-ops[lint]'\n",
    )


def test_the_cli_does_not_import_pglast() -> None:
    """doctor/demo/template-path work without the lint extra: building the parser
    (every subcommand's, lint's included) imports no pglast."""
    code = (
        "import sys; from alembic_enum_ops import cli; cli.build_parser(); "
        "print('pglast' in sys.modules, 'alembic_enum_ops.lint.checks' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )
    assert result.stdout.strip() == "False False"


def test_url_errors(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--url", "mysql://u@h/db", CLEAN)
    assert code == 2 and err.startswith(
        "alembic-enum-ops lint: error: invalid database URL 'mysql://u@h/db': "
        "alembic-enum-ops works on PostgreSQL only"
    )
    code, _, err = run(capsys, "--url", "postgresql://nobody@127.0.0.1:1/none", CLEAN)
    assert code == 2
    assert err.startswith("alembic-enum-ops lint: error: cannot connect to ")
    assert err.count("\n") == 1
    # a bad --select is reported before any connection is tried
    assert run(capsys, "--select", "ZZ", "--url", "postgresql://nobody@127.0.0.1:1/x", CLEAN)[
        2
    ].startswith("alembic-enum-ops lint: error: --select")


def test_help_lists_lint(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    assert "lint" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        cli.main(["lint", "--help"])
    out = capsys.readouterr().out
    for option in ("--config", "--format", "--select", "--ignore", "--fail-on", "--url"):
        assert option in out
