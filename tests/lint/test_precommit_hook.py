"""``.pre-commit-hooks.yaml``: the hook's command exists and lints what it is given.

pre-commit itself is not run (it would fetch the hook's environment from the
network); the test checks the file's fields and runs its ``entry`` the way pre-commit
does: ``<entry> <args> <changed files>`` from the repository's root.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from .conftest import CORPUS

ROOT = Path(__file__).resolve().parents[2]
HOOKS = ROOT / ".pre-commit-hooks.yaml"


def hook() -> dict[str, Any]:
    yaml = pytest.importorskip("yaml")
    hooks = yaml.safe_load(HOOKS.read_text())
    (found,) = [h for h in hooks if h["id"] == "alembic-enum-ops-lint"]
    return dict(found)


def test_hook_fields() -> None:
    found = hook()
    assert found["language"] == "python"
    assert found["pass_filenames"] is True
    assert any(str(d).startswith("pglast") for d in found["additional_dependencies"])
    pyproject = (ROOT / "pyproject.toml").read_text()
    (floor,) = re.findall(r'lint = \["(pglast[^"]*)"\]', pyproject)
    assert floor in found["additional_dependencies"]
    program = shlex.split(str(found["entry"]))[0]
    assert re.search(rf'^{re.escape(program)} = "alembic_enum_ops.cli:main"$', pyproject, re.M)


@pytest.mark.parametrize(
    ("path", "matched"),
    [
        ("migrations/versions/0001_queue.py", True),
        ("alembic/versions/2024/abc_add_status.py", True),
        ("versions/x.py", True),
        ("migrations/env.py", False),
        ("app/models.py", False),
        ("migrations/versions/README", False),
    ],
)
def test_hook_files_pattern(path: str, matched: bool) -> None:
    assert bool(re.search(str(hook()["files"]), path)) is matched


def test_hook_entry_lints_the_files_it_is_given() -> None:
    entry = shlex.split(str(hook()["entry"]))
    program = Path(sys.executable).with_name(entry[0])
    if not program.exists():
        pytest.skip(f"{entry[0]} is not installed beside {sys.executable}")
    command = [str(program), *entry[1:]]
    bad = subprocess.run(
        [*command, str(CORPUS / "research_robust_migration.py"),
         str(CORPUS / "eo201_ok_autocommit_block.py")],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )
    assert bad.returncode == 1, bad.stderr
    assert bad.stdout.count(": EO101 [error]") == 3
    good = subprocess.run(
        [*command, str(CORPUS / "eo201_ok_autocommit_block.py")],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )
    assert (good.returncode, good.stdout) == (0, "All checked: 1 revision file, no findings.\n")
