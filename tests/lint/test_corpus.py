"""The corpus: realistic revision files, each rule triggered and not triggered.

Each file is linted on its own (no project around it, no env.py: so every table
rewrite without a SET lock_timeout is reported, see EO303) and must give exactly the
findings listed here -- code, line and column.  ``research_*`` are the research's own
recommendations (``research_robust_migration.py`` is its "robust Alembic migration",
verbatim; ``research_v2_swap.py`` its option B wrapped in the revision it says to
write; ``eo201_add_value_in_transaction.py`` its ``op.execute("ALTER TYPE ... ADD
VALUE 'processing' AFTER 'pending'")``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from alembic_enum_ops.lint.rules import RULES

from .conftest import CORPUS, codes, lint_files

EXPECTED: dict[str, list[tuple[str, int, int]]] = {
    "eo001_ok_postgresql_syntax.py": [],
    "eo001_sql_syntax_error.py": [("EO001", 16, 23)],
    "eo002_dynamic_sql.py": [("EO002", 23, 20), ("EO002", 24, 16), ("EO002", 26, 16)],
    "eo002_ok_constants_are_read.py": [],
    "eo101_drop_type_cascade.py": [("EO101", 17, 17), ("EO101", 18, 25), ("EO101", 19, 17)],
    "eo101_ok_drop_type_without_cascade.py": [],
    "eo102_ok_reading_pg_enum.py": [],
    "eo102_pg_enum_surgery.py": [("EO102", 18, 9), ("EO102", 24, 9)],
    "eo201_add_value_in_transaction.py": [("EO201", 16, 17)],
    "eo201_ok_autocommit_block.py": [],
    "eo202_new_value_used_same_transaction.py": [
        ("EO201", 19, 17), ("EO202", 23, 25), ("EO202", 27, 72), ("EO202", 28, 5),
    ],
    "eo202_ok_enum_add_value.py": [],
    "eo203_add_value_without_position.py": [("EO203", 17, 21)],
    "eo203_ok_add_value_with_position.py": [],
    "eo204_ok_autocommit_block.py": [],
    "eo204_raw_commit.py": [("EO204", 17, 17), ("EO201", 18, 17)],
    "eo301_hand_rolled_swap.py": [("EO301", 18, 9)],
    "eo301_hand_rolled_swap_alter_column.py": [("EO301", 22, 17)],
    "eo301_ok_enum_swap.py": [],
    "eo302_alter_type_without_using.py": [("EO302", 20, 17), ("EO302", 21, 5), ("EO302", 28, 5)],
    "eo302_ok_with_using.py": [],
    "eo303_ok_lock_timeout_in_force.py": [],
    "eo303_rewrite_without_lock_timeout.py": [
        ("EO303", 17, 17), ("EO303", 18, 17), ("EO303", 19, 5),
    ],
    "eo303_set_local_dies_at_commit.py": [("EO303", 19, 17), ("EO303", 23, 17)],
    "eo401_enum_created_twice.py": [("EO401", 25, 13), ("EO401", 35, 9)],
    "eo401_ok_create_type_false.py": [],
    "eo402_enum_schema_differs_from_table.py": [("EO402", 21, 29), ("EO402", 26, 28)],
    "eo402_ok_schema_given.py": [],
    "eo403_ok_qualified.py": [],
    "eo403_unqualified_enum_name.py": [
        ("EO403", 17, 17), ("EO403", 19, 57), ("EO403", 22, 73), ("EO403", 24, 65),
    ],
    "eo501_check_without_not_valid.py": [("EO501", 17, 9), ("EO501", 20, 5)],
    "eo501_ok_not_valid_then_validate.py": [],
    "eo502_not_valid_validate_same_transaction.py": [("EO502", 20, 9), ("EO502", 27, 17)],
    "eo502_ok_validate_in_later_transaction.py": [],
    "research_robust_migration.py": [("EO101", 10, 17), ("EO101", 11, 17), ("EO101", 24, 17)],
    "research_v2_swap.py": [("EO204", 18, 1), ("EO301", 21, 1), ("EO303", 24, 1), ("EO204", 34, 1)],
}


def test_every_corpus_file_has_its_expectations() -> None:
    assert sorted(p.name for p in CORPUS.glob("*.py")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_file(name: str) -> None:
    findings = lint_files([CORPUS / name], CORPUS)
    assert codes(findings) == EXPECTED[name]
    for finding in findings:
        assert finding.path == name
        assert finding.message and finding.fix


def test_every_rule_is_triggered_and_has_a_clean_counterpart() -> None:
    """Each code has a file named for it that triggers it, and an ``_ok_`` file (the
    same intent, written the safe way) that does not."""
    triggered = {code for found in EXPECTED.values() for code, _, _ in found}
    assert triggered == set(RULES)
    for code in RULES:
        prefix = code.lower() + "_"
        bad = [n for n in EXPECTED if n.startswith(prefix) and "_ok_" not in n]
        ok = [n for n in EXPECTED if n.startswith(prefix + "ok_")]
        assert any(code in {c for c, _, _ in EXPECTED[n]} for n in bad), code
        assert ok and all(code not in {c for c, _, _ in EXPECTED[n]} for n in ok), code


def test_the_research_robust_migration_is_verbatim() -> None:
    """The file is the research's code block, character for character (markdown's
    backticks and trailing line-break spaces removed), so the finding is about what
    users were told to write."""
    seed = Path("/work/shared/seed")
    research = next(seed.glob("*.txt"), None) if seed.is_dir() else None
    if research is None:
        pytest.skip("the research text is not on this machine")
    flat = "\n".join(
        line.strip().strip("`").strip()
        for line in research.read_text(encoding="utf-8").splitlines()
        if line.strip()
    )
    corpus = (CORPUS / "research_robust_migration.py").read_text(encoding="utf-8")
    body = "\n".join(line.strip() for line in corpus.splitlines() if line.strip())
    assert body in flat


def test_research_robust_migration_messages() -> None:
    findings = lint_files([CORPUS / "research_robust_migration.py"], CORPUS)
    assert [f.fix.split(" -- ")[0] for f in findings] == [
        "op.enum_drop('ingestionstatus', schema='ai', if_exists=True)",
        "op.enum_drop('ingestionstatus', schema='public', if_exists=True)",
        "op.enum_drop('ingestionstatus', schema='ai', if_exists=True)",
    ]
    assert all(f.severity.value == "error" for f in findings)
    assert "DROP TYPE ai.ingestionstatus CASCADE" in findings[0].message


def test_swap_fix_names_the_final_type_and_its_labels() -> None:
    for name in ("eo301_hand_rolled_swap.py", "research_v2_swap.py"):
        (swap,) = [f for f in lint_files([CORPUS / name], CORPUS) if f.code == "EO301"]
        assert swap.fix.startswith(
            "op.enum_swap('ingestionstatus', ['pending', 'processing', 'succeeded', "
            "'failed'], schema='ai', mapping="
        ), swap.fix
    (swap,) = lint_files([CORPUS / "eo301_hand_rolled_swap_alter_column.py"], CORPUS)
    assert swap.fix.startswith(
        "op.enum_swap('ingestionstatus', ['pending', 'processing', 'done'], schema='ai'"
    ), swap.fix


def test_add_value_fixes_translate_before_and_after() -> None:
    findings = lint_files([CORPUS / "eo204_raw_commit.py"], CORPUS)
    assert findings[1].fix.startswith(
        "op.enum_add_value('ingestionstatus', 'retrying', schema='ai', before='failed')"
    )
    findings = lint_files([CORPUS / "eo201_add_value_in_transaction.py"], CORPUS)
    assert findings[0].fix.startswith(
        "op.enum_add_value('ingestionstatus', 'processing', schema='ai', after='pending')"
    )


def test_a_few_hundred_files_are_read_once_and_fast(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every file is parsed once (Python and SQL), however many there are: the corpus
    copied into a 300-odd revision history (chained by down_revision) lints in well
    under the bound (about 1 s on the shared test machine)."""
    import re
    import time

    from alembic_enum_ops.lint import linter, sql_reader

    previous = None
    count = 0
    for _copy in range(9):
        for source in sorted(CORPUS.glob("*.py")):
            rev = f"r{count:04d}"
            text = re.sub(r"^revision(: str)? = .*$", f"revision = {rev!r}",
                          source.read_text(), flags=re.M)
            text = re.sub(r"^down_revision(: .*?)? = .*$", f"down_revision = {previous!r}",
                          text, flags=re.M)
            (tmp_path / f"{rev}_{source.name}").write_text(text)
            previous, count = rev, count + 1
    reads: list[Path] = []
    parses: list[str] = []
    real_read, real_parse = linter.read_revision, sql_reader.parse
    monkeypatch.setattr(linter, "read_revision", lambda p: reads.append(p) or real_read(p))
    monkeypatch.setattr(sql_reader, "parse",
                        lambda text, **kw: parses.append(text) or real_parse(text, **kw))
    start = time.perf_counter()
    findings = lint_files([tmp_path], tmp_path)
    elapsed = time.perf_counter() - start
    assert len(reads) == len(set(reads)) == count >= 300
    sql_calls = len(parses)
    single = sum(len(lint_files([s], CORPUS)) for s in sorted(CORPUS.glob("*.py")))
    assert len(findings) >= single * 9  # the copies find what the originals find
    parses.clear()
    lint_files(sorted(CORPUS.glob("*.py")), CORPUS)
    assert sql_calls == len(parses) * 9  # one parse per SQL text, none repeated
    assert elapsed < 20, elapsed
