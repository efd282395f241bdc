"""SQL that only a real PostgreSQL parser reads right

Revision ID: 9c0d1e2f3a4b
Revises:
Create Date: 2025-02-10 10:00:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = "9c0d1e2f3a4b"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        r"""
        -- a comment with a semicolon; and a quote ' in it
        CREATE FUNCTION ai.label_of(s ai.ingestionstatus) RETURNS text
        LANGUAGE sql IMMUTABLE AS $fn$ SELECT s::text || ';' $fn$;
        DO $$
        BEGIN
            RAISE NOTICE 'DROP TYPE ai.ingestionstatus CASCADE is only a string here';
        END
        $$;
        SELECT E'it\'s', 'a:b', '10:30'::time, CAST('1' AS integer);
        """
    )
    op.execute(sa.text("UPDATE ai.ingestion_queue SET note = :note WHERE id = :id"))
    op.get_bind().exec_driver_sql("SELECT 1 /* ; */ ; SELECT 2")


def downgrade():
    op.execute("DROP FUNCTION ai.label_of(ai.ingestionstatus)")
