"""create the queue's helper objects

Revision ID: 0d3f55e7b2c8
Revises: 7c9e2d11aa01
Create Date: 2024-03-10 16:40:12.901842
"""
import textwrap

import sqlalchemy as sa
from alembic import op

revision = "0d3f55e7b2c8"
down_revision = "7c9e2d11aa01"
branch_labels = None
depends_on = None

CREATE_VIEW = """
CREATE VIEW ai.pending_jobs AS
SELECT id FROM ai.ingestion_queue WHERE status = 'pending'::ai.ingestionstatus
"""
GRANT = "GRANT SELECT ON ai.pending_jobs " + "TO reporting"


def upgrade():
    op.execute(CREATE_VIEW)
    op.execute(sa.text(GRANT))
    op.execute(
        textwrap.dedent(
            """
            COMMENT ON VIEW ai.pending_jobs IS 'jobs waiting for a worker'
            """
        )
    )
    bind = op.get_bind()
    bind.execute(sa.text("SELECT count(*) FROM ai.ingestion_queue WHERE id > :id"), {"id": 0})


def downgrade():
    op.execute("DROP VIEW ai.pending_jobs")
