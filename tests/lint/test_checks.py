"""Rule behaviour beyond the corpus: the edges of each rule, one small revision each."""

from __future__ import annotations

from collections.abc import Callable

from alembic_enum_ops.lint.findings import Finding

LintSource = Callable[..., list[Finding]]

HEAD = (
    "import sqlalchemy as sa\nfrom alembic import op\n"
    "from sqlalchemy.dialects import postgresql\n\nrevision = 'r'\ndown_revision = None\n\n"
    "def upgrade():\n"
)


def found(lint_source: LintSource, body: str) -> list[str]:
    return [f.code for f in lint_source(HEAD + body)]


def test_alter_column_rewrites(lint_source: LintSource) -> None:
    same = "    op.alter_column('t', 'n', type_=sa.Integer(), existing_type=sa.Integer())\n"
    assert found(lint_source, same) == []
    widen = "    op.alter_column('t', 's', type_=sa.String(50), existing_type=sa.String(20))\n"
    assert found(lint_source, widen) == []
    change = "    op.alter_column('t', 'n', type_=sa.BigInteger(), existing_type=sa.Integer())\n"
    assert found(lint_source, change) == ["EO303"]
    to_text = (
        "    op.alter_column('t', 's', type_=sa.Text(), existing_type=sa.Enum(name='st'))\n"
    )
    assert found(lint_source, to_text) == ["EO303"]  # enum -> text: a rewrite, but it casts
    nullable = "    op.alter_column('t', 'n', nullable=False)\n"
    assert found(lint_source, nullable) == []


def test_a_label_added_inside_an_autocommit_block_is_committed(lint_source: LintSource) -> None:
    body = (
        "    with op.get_context().autocommit_block():\n"
        "        op.execute(\"ALTER TYPE ai.s ADD VALUE 'x' AFTER 'w'\")\n"
        "        op.execute(\"UPDATE ai.t SET s = 'x'\")\n"
        "    op.execute(\"UPDATE ai.t SET s = 'x'\")\n"
    )
    assert found(lint_source, body) == []


def test_a_label_used_through_another_type_is_not_this_one(lint_source: LintSource) -> None:
    body = (
        "    op.execute(\"ALTER TYPE ai.s ADD VALUE 'x' AFTER 'w'\")\n"
        "    op.execute(\"UPDATE ai.t SET label = 'x'::text, other = 'x'::ai.other\")\n"
        "    op.execute(\"ALTER TYPE ai.s ADD VALUE 'y' AFTER 'x'\")\n"
        "    op.execute(\"COMMENT ON TYPE ai.s IS 'x'\")\n"
    )
    assert found(lint_source, body) == ["EO201", "EO201"]


def test_our_committing_operations_end_the_transaction(lint_source: LintSource) -> None:
    body = (
        "    op.execute(\"ALTER TYPE ai.s ADD VALUE 'x' AFTER 'w'\")\n"
        "    op.check_enum_create('jobs', 'state', ['a'], schema='ai')\n"
        "    op.execute(\"UPDATE ai.t SET s = 'x'\")\n"
    )
    assert found(lint_source, body) == ["EO201"]
    swap = (
        "    op.execute(\"ALTER TYPE ai.s ADD VALUE 'x' AFTER 'w'\")\n"
        "    op.enum_swap('other', ['a'], schema='ai')\n"
        "    op.execute(\"UPDATE ai.t SET s = 'x'\")\n"
    )
    assert found(lint_source, swap) == ["EO201", "EO202"]  # a swap does not commit


def test_lock_timeout_states(lint_source: LintSource) -> None:
    rewrite = "    op.execute('ALTER TABLE t ALTER c TYPE text')\n"
    assert found(lint_source, "    op.execute(\"SET lock_timeout = '1s'\")\n"
                 "    with op.get_context().autocommit_block():\n    " + rewrite) == []
    assert found(lint_source, "    op.execute(\"SET lock_timeout = '1s'\")\n"
                 "    op.execute('RESET lock_timeout')\n" + rewrite) == ["EO303"]
    assert found(lint_source, "    op.execute(\"SET lock_timeout = '1s'\")\n"
                 "    op.execute('RESET ALL')\n" + rewrite) == ["EO303"]
    assert found(lint_source, "    op.execute(\"SET LOCAL lock_timeout = '1s'\")\n"
                 "    op.execute('COMMIT')\n" + rewrite) == ["EO204", "EO303"]
    assert found(lint_source, "    op.execute(\"SET lock_timeout = 0\")\n"
                 "    op.execute(\"SET LOCAL lock_timeout = '1s'\")\n" + rewrite) == []


def test_checks_on_new_tables_and_not_valid_in_autocommit(lint_source: LintSource) -> None:
    body = (
        "    op.execute('CREATE TABLE ai.t (s text)')\n"
        "    op.execute(\"ALTER TABLE ai.t ADD CONSTRAINT c CHECK (s <> '')\")\n"
        "    with op.get_context().autocommit_block():\n"
        "        op.execute(\"ALTER TABLE ai.u ADD CONSTRAINT c CHECK (s <> '') NOT VALID\")\n"
        "        op.execute('ALTER TABLE ai.u VALIDATE CONSTRAINT c')\n"
        "    op.execute('ALTER TABLE ai.v VALIDATE CONSTRAINT c')\n"
    )
    assert found(lint_source, body) == []


def test_swap_with_unknown_labels_and_created_types(lint_source: LintSource) -> None:
    body = (
        "    op.execute('SET LOCAL lock_timeout = 1')\n"
        "    op.execute('ALTER TABLE ai.t ALTER COLUMN s TYPE ai.status_new "
        "USING s::text::ai.status_new')\n"
    )
    assert found(lint_source, body) == []  # ai.status_new is no known enum: not a swap
    findings = lint_source(
        HEAD + "    op.enum_create('status_new', ['a'], schema='ai')\n" + body
    )
    assert [f.code for f in findings] == ["EO301"]
    assert findings[0].fix.startswith("op.enum_swap('status', [...labels in their new order...]")


def test_enum_declared_once_used_twice(lint_source: LintSource) -> None:
    body = (
        "    kind = postgresql.ENUM('a', name='kind', schema='ai')\n"
        "    op.create_table('one', sa.Column('k', kind), schema='ai')\n"
        "    op.create_table('two', sa.Column('k', kind), schema='ai')\n"
        "    op.add_column('three', sa.Column('k', kind), schema='ai')\n"
    )
    assert found(lint_source, body) == []


def test_dropped_type_can_be_created_again(lint_source: LintSource) -> None:
    body = (
        "    op.execute(\"CREATE TYPE ai.kind AS ENUM ('a')\")\n"
        "    op.execute('DROP TYPE ai.kind')\n"
        "    op.create_table('one', sa.Column('k', sa.Enum('a', name='kind', schema='ai')),"
        " schema='ai')\n"
    )
    assert found(lint_source, body) == []


def test_add_value_fix_names_the_last_known_label(lint_source: LintSource) -> None:
    findings = lint_source(
        HEAD + "    op.enum_create('s', ['a', 'b'], schema='ai')\n"
        "    op.enum_add_value('s', 'c', schema='ai', after='b')\n"
        "    with op.get_context().autocommit_block():\n"
        "        op.execute(\"ALTER TYPE ai.s ADD VALUE 'd'\")\n"
    )
    assert [(f.code, f.fix) for f in findings] == [
        ("EO203", "op.enum_add_value('s', 'd', schema='ai', after='c')")
    ]
    assert "the label goes last (after 'c')" in findings[0].message


def test_batch_operations_are_their_plain_operations(lint_source: LintSource) -> None:
    body = (
        "    with op.batch_alter_table('queue', schema='ai') as batch_op:\n"
        "        batch_op.add_column(sa.Column('s', sa.Enum('a', name='st')))\n"
        "        batch_op.alter_column('t', type_=postgresql.ENUM(name='tt', schema='ai'))\n"
        "        batch_op.create_check_constraint('ck', \"s <> ''\")\n"
        "        batch_op.create_index('ix', ['s'])\n"
    )
    findings = lint_source(HEAD + body)
    assert [(f.code, f.line) for f in findings] == [
        ("EO402", 10), ("EO302", 11), ("EO303", 11), ("EO501", 12),
    ]
    assert "table ai.queue" in findings[0].message


def test_bulk_insert_keys_are_not_values(lint_source: LintSource) -> None:
    body = (
        "    op.execute(\"ALTER TYPE ai.s ADD VALUE 'status' AFTER 'x'\")\n"
        "    op.bulk_insert(t, [{'status': 'x'}])\n"
    )
    assert found(lint_source, body) == ["EO201"]
