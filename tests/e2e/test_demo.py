"""``alembic-enum-ops demo``: the whole story on the local server and on an embedded one."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from alembic_enum_ops import cli, templates
from alembic_enum_ops.cli.demo import run_demo
from alembic_enum_ops.cli.demo_story import add_mapping
from tests.support.catalog import query
from tests.support.server import Server

pytestmark = pytest.mark.e2e


def scratch_name(output: str) -> str:
    found = re.search(r"scratch database: (enum_ops_demo_[0-9a-f]+)", output)
    assert found, output
    return found.group(1)


def database_exists(server: Server, name: str) -> bool:
    rows = query(server.admin_url, "SELECT 1 FROM pg_database WHERE datname = :n", n=name)
    return bool(rows)


def check_story(output: str) -> None:
    """Every step ran and printed what it did."""
    for n in range(1, 10):
        assert f"==> [{n}/9] " in output, n
    # the generated revisions
    assert "op.enum_create('ingestionstatus', ['pending', 'processing', 'completed', " \
        "'failed'], schema='ai')" in output
    assert "op.enum_add_value('ingestionstatus', 'retrying', schema='ai', " \
        "before='completed')" in output
    assert re.search(r"op\.enum_swap\('ingestionstatus', \['pending', 'processing', "
                     r"'retrying', 'completed'\], .*mapping=\{'failed': 'retrying'\}\)", output)
    # the SQL it ran
    assert "CREATE TYPE ai.ingestionstatus AS ENUM ('pending', 'processing', 'completed', " \
        "'failed');" in output
    assert "ALTER TYPE ai.ingestionstatus ADD VALUE IF NOT EXISTS 'retrying' BEFORE " \
        "'completed';" in output
    assert "WHEN 'failed' THEN 'retrying'" in output  # the mapping, inside the swap
    assert "No new upgrade operations detected." in output
    # the closing summary
    assert re.search(r"'failed' removed\s+labels: pending, processing, retrying, completed\n"
                     r"\s+rows:\s+completed=4, pending=3, processing=2, retrying=2 \(total 11\)",
                     output)
    assert re.search(r"after downgrade -1\s+labels: pending, processing, retrying, "
                     r"completed, failed\n", output)
    assert "rows kept through every migration: yes" in output
    assert "Demo finished in" in output


def test_demo_against_the_local_server(pg_server: Server) -> None:
    out = io.StringIO()
    started = time.monotonic()
    assert run_demo(url=pg_server.admin_url, out=out) == 0
    elapsed = time.monotonic() - started
    output = out.getvalue()
    check_story(output)
    assert not database_exists(pg_server, scratch_name(output))
    project = re.search(r"project in (\S+);", output)
    assert project and not Path(project.group(1)).exists()
    assert elapsed < 60


def test_demo_on_an_embedded_server_through_the_console() -> None:
    """No --url: a throwaway pgserver, removed afterwards (what CI runs)."""
    pytest.importorskip("pgserver")
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "alembic_enum_ops", "demo"],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # progress goes to stdout; no warnings leak
    check_story(result.stdout)
    assert "Starting a throwaway embedded PostgreSQL" in result.stdout
    directory = re.search(r"started in [0-9.]+s \((\S+)\)", result.stdout)
    assert directory and not Path(directory.group(1)).exists()
    assert time.monotonic() - started < 60


def test_demo_without_pgserver_says_how_to_get_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "pgserver", None)
    monkeypatch.setitem(sys.modules, "pgserver.postgres_server", None)
    assert cli.main(["demo"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1
    assert "needs pgserver: pip install 'alembic-enum-ops[demo]'" in err[0]
    assert "--url" in err[0]


def test_demo_with_an_unreachable_url(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["demo", "--url", "postgresql://postgres@127.0.0.1:1/postgres"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1
    assert err[0].startswith("alembic-enum-ops demo: error: cannot create a scratch "
                             "database on postgresql+psycopg://postgres@127.0.0.1:1/postgres")


def test_demo_names_the_step_that_is_unavailable_and_cleans_up(
    pg_server: Server, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def missing(name: str) -> Path:
        raise FileNotFoundError(f"template {name!r} not found")

    monkeypatch.setattr(templates, "template_path", missing)
    out = io.StringIO()
    assert run_demo(url=pg_server.admin_url, out=out) == 1
    err = capsys.readouterr().err
    assert err.strip() == (
        "alembic-enum-ops demo: step 1 (Project from the pgenum template: alembic init -t "
        "pgenum) is unavailable or failed: the pgenum template is unavailable: template "
        "'pgenum' not found"
    )
    assert not database_exists(pg_server, scratch_name(out.getvalue()))


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        ("op.enum_swap('s', ['a'], schema='ai')",
         "op.enum_swap('s', ['a'], schema='ai', mapping={'b': 'a'})"),
        ("op.enum_swap(\n        'é', ['a'],\n        schema='ai',\n    )",
         "op.enum_swap(\n        'é', ['a'],\n        schema='ai', mapping={'b': 'a'})"),
    ],
)
def test_add_mapping_edits_the_generated_call(tmp_path: Path, call: str, expected: str) -> None:
    path = tmp_path / "rev.py"
    path.write_text(f"def upgrade():\n    {call}\n\n\ndef downgrade():\n    {call}\n")
    add_mapping(path, {"b": "a"})
    text = path.read_text()
    assert text == f"def upgrade():\n    {expected}\n\n\ndef downgrade():\n    {call}\n"
    compile(text, "rev.py", "exec")


def test_interrupted_demo_exits_130_without_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import alembic_enum_ops.cli.demo as demo_module

    def interrupted(url: str | None = None) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(demo_module, "run_demo", interrupted)
    assert cli.main(["demo"]) == 130
    assert capsys.readouterr().err == "alembic-enum-ops demo: interrupted\n"
