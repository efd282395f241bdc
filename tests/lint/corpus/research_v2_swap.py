"""v2 swap of ai.ingestionstatus, as the research's option B writes it

Revision ID: 8b9c0d1e2f3a
Revises:
Create Date: 2025-02-01 10:00:00.000000
"""
from alembic import op

revision = "8b9c0d1e2f3a"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        """
BEGIN;

-- 1) Criar o novo tipo com o conjunto e ordem corretos
CREATE TYPE ai.ingestionstatus_v2 AS ENUM ('pending','processing','succeeded','failed');

-- 2) Migrar as colunas que usam o tipo antigo
ALTER TABLE ai.ingestion_queue
  ALTER COLUMN status TYPE ai.ingestionstatus_v2
  USING status::text::ai.ingestionstatus_v2;

-- (migre demais tabelas que usem o tipo)

-- 3) Remover o tipo antigo e renomear o novo
DROP TYPE ai.ingestionstatus;                   -- só quando não houver mais dependências
ALTER TYPE ai.ingestionstatus_v2 RENAME TO ingestionstatus;

COMMIT;
"""
    )


def downgrade():
    pass
