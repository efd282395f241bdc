"""Every code example in ``docs/*.md`` runs against a real server, so the docs cannot rot.

Conventions for writing a page (one fresh database per page, blocks run in order):

* A ```` ```python ```` block that defines ``upgrade()`` is a **revision**: it is
  executed as a module, then ``upgrade()`` runs online in the page's database through a
  real ``MigrationContext`` (``from alembic_enum_ops import op`` works as in a real
  revision).  When it also defines ``downgrade()``, the test checks the round trip:
  after ``downgrade()`` the enums are exactly as before ``upgrade()``, and a second
  ``upgrade()`` gives the same state again.  The same ``upgrade()`` is rendered as an
  offline (``--sql``) script and replayed with psql into a second database; at the end
  of the page both databases must hold the same enums.
* Any other ```` ```python ```` block is plain code, executed in a namespace shared by
  the page's plain blocks, pre-seeded with ``DATABASE_URL`` (the page's database).
* A block that is not runnable is marked, and such blocks must stay rare: a title with
  "(not run)" (```` ```python title="env.py (not run)" ````) or the marker
  ``<!-- test: skip -->`` on the line before the fence.

Markers (an HTML comment on the line right before the fence):

* ``<!-- test: raises ErrorName -->`` -- the revision's ``upgrade()`` must raise an
  exception of that class name (nothing is replayed offline for it);
* ``<!-- test: online-only -->`` -- the revision is not replayed offline (e.g. it reads
  the catalog); the offline comparison stops from there on;
* ``<!-- test: sql -->`` before a ```` ```sql ```` block -- run it in both databases
  (set-up a reader can copy, e.g. the broken state of a runbook);
* ``<!-- test: offline -->`` before a ```` ```sql ```` block -- it must be exactly the
  ``--sql`` output of the previous revision's ``upgrade()`` (blank lines dropped);
* ``<!-- test: error -->`` before a ```` ```text ```` block -- it must be the message of
  the exception the previous ``raises`` revision raised;
* ``<!-- test: file PATH -->`` before a ```` ```python ```` block -- write it to ``PATH``
  in the page's working directory instead of running it (a revision file that a
  later ``shell`` block applies with the real ``alembic`` command);
* ``<!-- test: shell -->`` before a ```` ```bash ```` block -- run it with ``bash -e`` in
  the page's working directory (a fresh temporary directory), with ``DATABASE_URL``
  set to the page's database and the test's interpreter first on ``PATH``;
* ``<!-- test: output -->`` before a ```` ```text ```` or ```` ```console ```` block -- it
  must be what the previous plain python or shell block printed (e.g. ``doctor``'s report).

``ENUM_OPS_DOCS_UPDATE=1 pytest tests/docs/test_docs.py`` rewrites the ``offline`` and
``error`` and ``output`` blocks from what the code produces, so SQL shown in the docs is always
generated from the real plans, never typed by hand.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

import alembic_enum_ops  # noqa: F401  (registers the operations)
from tests.support.catalog import enum_snapshot
from tests.support.migrate import apply_script

DOCS = Path(__file__).resolve().parents[2] / "docs"
UPDATE = os.environ.get("ENUM_OPS_DOCS_UPDATE") == "1"

FENCE = re.compile(
    r"^(?P<indent>[ ]*)```(?P<lang>[\w+-]*)(?P<info>[^\n]*)\n(?P<body>.*?)^(?P=indent)```[ ]*$",
    re.MULTILINE | re.DOTALL,
)
MARKER = re.compile(r"<!--\s*test:\s*(?P<directive>[\w-]+)\s*(?P<arg>[^>]*?)\s*-->\s*$")
SHOWN_URL = "postgresql+psycopg://app@db/queue"
SERVER_VERSION = re.compile(r"\(PostgreSQL [0-9][0-9.a-z]*\)")
KNOWN = {"skip", "raises", "online-only", "sql", "offline", "error", "output", "file", "shell"}


@dataclass
class Block:
    page: Path
    lang: str
    info: str
    body: str
    line: int
    start: int  # offsets of the body in the page text
    end: int
    directive: str | None = None
    arg: str = ""

    @property
    def where(self) -> str:
        return f"{self.page.name}:{self.line}"

    @property
    def skipped(self) -> bool:
        return self.directive == "skip" or "(not run)" in self.info


def parse_blocks(page: Path) -> list[Block]:
    text = page.read_text()
    blocks: list[Block] = []
    for match in FENCE.finditer(text):
        before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        marker = MARKER.search(before)
        body = textwrap.dedent(match.group("body"))
        blocks.append(
            Block(
                page=page,
                lang=match.group("lang").lower(),
                info=match.group("info"),
                body=body,
                line=text[: match.start()].count("\n") + 1,
                start=match.start("body"),
                end=match.end("body"),
                directive=marker.group("directive") if marker else None,
                arg=marker.group("arg") if marker else "",
            )
        )
    return blocks


def pages() -> list[Path]:
    return sorted(DOCS.glob("*.md"))


def runnable_pages() -> list[Path]:
    return [p for p in pages() if any(b.lang == "python" or b.directive for b in parse_blocks(p))]


# --- running a revision ---------------------------------------------------------------


@contextmanager
def migration(url: str | None) -> Iterator[io.StringIO]:
    """A migration context with Alembic's ``op`` proxy installed, online or offline."""
    buffer = io.StringIO()
    if url is None:
        context = MigrationContext.configure(
            dialect_name="postgresql",
            opts={"as_sql": True, "output_buffer": buffer, "literal_binds": True},
        )
        with Operations.context(context), context.begin_transaction():
            yield buffer
        return
    engine = sa.create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"transaction_per_migration": False}
            )
            with Operations.context(context), context.begin_transaction():
                yield buffer
            if connection.in_transaction():
                connection.commit()
    finally:
        engine.dispose()


def run_online(url: str, fn: Callable[[], None]) -> None:
    with migration(url):
        fn()


def render_offline(fn: Callable[[], None]) -> str:
    with migration(None) as buffer:
        fn()
    return buffer.getvalue()


def normalize_sql(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip().splitlines() if line.strip())


RELATION = re.compile(r"\b(?:FROM|JOIN)\s+(?:\w+\.)?(\w+)", re.IGNORECASE)


def version_neutral(text: str) -> str:
    """What differs between server versions in text they print, made equal.

    * the server's version in a report header, e.g. ``(PostgreSQL 15.20)``;
    * view definitions (``pg_get_viewdef``): up to PostgreSQL 15 a column of the only
      relation is written ``queue.status``, from 16 on ``status``.
    """
    text = SERVER_VERSION.sub("(PostgreSQL *)", text)
    for relation in set(RELATION.findall(text)):
        text = re.sub(rf"(?<![\w.:]){re.escape(relation)}\.(?=\w)", "", text)
    return text


def load_revision(block: Block) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": f"docs_{block.page.stem}_{block.line}"}
    exec(compile(block.body, block.where, "exec"), namespace)
    return namespace


def exception_named(name: str) -> type[BaseException]:
    import alembic_enum_ops.errors as errors

    found = getattr(errors, name, None) or getattr(sa.exc, name, None)
    if not (isinstance(found, type) and issubclass(found, BaseException)):
        raise AssertionError(f"unknown exception class in a raises marker: {name!r}")
    return found


# --- a page run -----------------------------------------------------------------------


@dataclass
class PageRun:
    online: str
    offline: str
    workdir: Path
    replay_offline: bool = True
    last_script: str | None = None
    last_error: BaseException | None = None
    last_output: str | None = None
    plain: dict[str, Any] = field(default_factory=dict)
    updates: list[tuple[Block, str]] = field(default_factory=list)

    def revision(self, block: Block) -> None:
        namespace = load_revision(block)
        upgrade = namespace["upgrade"]
        downgrade = namespace.get("downgrade")
        self.last_script = None
        if block.directive == "raises":
            expected = exception_named(block.arg)
            before = enum_snapshot(self.online)
            with pytest.raises(expected) as caught:
                run_online(self.online, upgrade)
            self.last_error = caught.value
            assert enum_snapshot(self.online) == before, (
                f"{block.where}: a refused operation changed the enums"
            )
            return
        before = enum_snapshot(self.online)
        run_online(self.online, upgrade)
        after = enum_snapshot(self.online)
        if downgrade is not None:
            run_online(self.online, downgrade)
            assert enum_snapshot(self.online) == before, (
                f"{block.where}: downgrade() did not restore the enums"
            )
            run_online(self.online, upgrade)
            assert enum_snapshot(self.online) == after, f"{block.where}: upgrade() not repeatable"
        self.last_script = render_offline(upgrade)
        if block.directive == "online-only":
            self.replay_offline = False
        elif self.replay_offline:
            apply_script(self.offline, self.last_script)

    def sql(self, block: Block) -> None:
        apply_script(self.online, block.body)
        if self.replay_offline:
            apply_script(self.offline, block.body)

    def expect_offline(self, block: Block) -> None:
        assert self.last_script is not None, (
            f"{block.where}: an 'offline' block must follow a revision block"
        )
        self.compare(block, normalize_sql(self.last_script))

    def expect_error(self, block: Block) -> None:
        assert self.last_error is not None, (
            f"{block.where}: an 'error' block must follow a 'raises' revision"
        )
        # a database error shows the server's message (what the user searches for),
        # not SQLAlchemy's wrapper with its version-specific help link
        orig = getattr(self.last_error, "orig", None)
        self.compare(block, str(orig if orig is not None else self.last_error).strip())
        self.last_error = None

    def expect_output(self, block: Block) -> None:
        assert self.last_output is not None, (
            f"{block.where}: an 'output' block must follow a plain python block"
        )
        self.compare(block, self.scrub(self.last_output.strip()))
        self.last_output = None

    def scrub(self, text: str) -> str:
        """Printed output without what changes from run to run: the page database's
        URL (shown as ``SHOWN_URL``) and the server's minor version."""
        url = make_url(self.online)
        for variant in {url.render_as_string(hide_password=True), self.online}:
            text = text.replace(variant, SHOWN_URL)
        return text.replace(f"{self.workdir}{os.sep}", "")

    def write_file(self, block: Block) -> None:
        target = self.workdir / block.arg
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(block.body)

    def shell(self, block: Block) -> None:
        bindir = str(Path(sys.executable).parent)
        result = subprocess.run(
            ["bash", "-e", "-o", "pipefail", "-c", block.body],
            cwd=self.workdir,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
            env={
                **os.environ,
                "DATABASE_URL": self.online,
                "PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}",
            },
        )
        assert result.returncode == 0, (
            f"{block.where}: the shell block failed (exit {result.returncode}):\n"
            f"{result.stdout}\n{result.stderr}"
        )
        self.last_output = result.stdout
        # the shell may have changed the database behind the offline replica's back
        self.replay_offline = False

    def compare(self, block: Block, actual: str) -> None:
        if UPDATE:
            self.updates.append((block, actual))
            return
        expected = version_neutral(normalize_sql(block.body))
        assert expected == version_neutral(normalize_sql(actual)), (
            f"{block.where}: the block differs from what the code produces "
            "(ENUM_OPS_DOCS_UPDATE=1 regenerates it):\n--- docs ---\n"
            f"{block.body}\n--- actual ---\n{actual}"
        )

    def plain_code(self, block: Block) -> None:
        self.plain.setdefault("DATABASE_URL", self.online)
        self.plain.setdefault("__name__", f"docs_{block.page.stem}")
        printed = io.StringIO()
        try:
            with redirect_stdout(printed):
                exec(compile(block.body, block.where, "exec"), self.plain)
        except Exception as exc:
            raise AssertionError(
                f"{block.where}: this python block does not run ({type(exc).__name__}: "
                f"{exc}). Make it runnable or, if it cannot be, give it a title with "
                '"(not run)" -- conventions in tests/docs/test_docs.py'
            ) from exc
        self.last_output = printed.getvalue()


def write_updates(page: Path, updates: list[tuple[Block, str]]) -> None:
    text = page.read_text()
    for block, actual in sorted(updates, key=lambda u: u[0].start, reverse=True):
        text = text[: block.start] + normalize_sql(actual) + "\n" + text[block.end :]
    page.write_text(text)


@pytest.mark.parametrize("page", runnable_pages(), ids=lambda p: p.name)
def test_page_examples_run(
    page: Path, db_url: str, second_db_url: str, tmp_path: Path
) -> None:
    run = PageRun(db_url, second_db_url, tmp_path)
    for block in parse_blocks(page):
        if block.skipped:
            continue
        if block.lang == "python" and block.directive != "file":
            if re.search(r"^def upgrade\(", block.body, re.MULTILINE):
                run.revision(block)
            else:
                assert block.directive is None, f"{block.where}: marker on a plain block"
                run.plain_code(block)
        elif block.directive == "file":
            run.write_file(block)
        elif block.directive == "shell":
            run.shell(block)
        elif block.directive == "sql":
            run.sql(block)
        elif block.directive == "offline":
            run.expect_offline(block)
        elif block.directive == "error":
            run.expect_error(block)
        elif block.directive == "output":
            run.expect_output(block)
    if UPDATE and run.updates:
        write_updates(page, run.updates)
    if run.replay_offline:
        assert enum_snapshot(second_db_url) == enum_snapshot(db_url), (
            f"{page.name}: replaying the page's --sql output gave other enums than online"
        )


# --- the conventions themselves -------------------------------------------------------


def test_markers_are_known_and_placed_on_the_right_blocks() -> None:
    problems: list[str] = []
    for page in pages():
        for block in parse_blocks(page):
            if block.directive is None:
                continue
            if block.directive not in KNOWN:
                problems.append(f"{block.where}: unknown marker {block.directive!r}")
            elif block.directive in {"sql", "offline"} and block.lang != "sql":
                problems.append(f"{block.where}: {block.directive!r} needs a sql block")
            elif block.directive == "error" and block.lang != "text":
                problems.append(f"{block.where}: 'error' needs a text block")
            elif block.directive == "output" and block.lang not in {"text", "console"}:
                problems.append(f"{block.where}: 'output' needs a text or console block")
            elif block.directive == "shell" and block.lang != "bash":
                problems.append(f"{block.where}: 'shell' needs a bash block")
            elif block.directive == "file" and not block.arg:
                problems.append(f"{block.where}: 'file' needs a path")
            elif block.directive in {"raises", "online-only", "file"} and block.lang != "python":
                problems.append(f"{block.where}: {block.directive!r} needs a python block")
    assert not problems, "\n".join(problems)


def test_unrun_python_blocks_stay_rare() -> None:
    blocks = [b for p in pages() for b in parse_blocks(p) if b.lang == "python"]
    skipped = [b.where for b in blocks if b.skipped]
    assert blocks, "the docs have no python examples"
    assert len(skipped) * 5 <= len(blocks), f"too many python blocks not run: {skipped}"


def test_version_neutral_view_definitions() -> None:
    pg15 = "CREATE VIEW ai.v AS SELECT queue.id FROM ai.queue WHERE (queue.s = 'a'::ai.st);"
    pg16 = "CREATE VIEW ai.v AS SELECT id FROM ai.queue WHERE (s = 'a'::ai.st);"
    assert version_neutral(pg15) == version_neutral(pg16) == pg16
    # a schema-qualified type or another relation's column is not touched
    other = "SELECT other.id FROM ai.queue WHERE s = 'a'::queue.st"
    assert version_neutral(other) == other
    assert version_neutral("x (PostgreSQL 17.2)") == version_neutral("x (PostgreSQL 14.1)")


def test_marker_parsing_detects_each_kind(tmp_path: Path) -> None:
    """The parser itself: a wrong regex would silently run nothing."""
    page = tmp_path / "p.md"
    page.write_text(
        "# t\n\n<!-- test: raises UnsafeOperationError -->\n```python\ndef upgrade():\n"
        "    pass\n```\n\n<!-- test: error -->\n```text\nboom\n```\n\n"
        '```python title="env.py (not run)"\nx = 1\n```\n\n'
        "- item\n\n    ```python\n    y = 2\n    ```\n"
    )
    blocks = parse_blocks(page)
    assert [(b.lang, b.directive, b.arg, b.skipped) for b in blocks] == [
        ("python", "raises", "UnsafeOperationError", False),
        ("text", "error", "", False),
        ("python", None, "", True),
        ("python", None, "", False),
    ]
    assert blocks[3].body == "y = 2\n"
