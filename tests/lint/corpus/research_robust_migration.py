"""Fix enum schema issues

Revision ID: fix_enum_schema
"""
from alembic import op
import sqlalchemy as sa

def upgrade():
    # Remover tipos conflitantes
    op.execute("DROP TYPE IF EXISTS ai.ingestionstatus CASCADE")
    op.execute("DROP TYPE IF EXISTS public.ingestionstatus CASCADE")

    # Criar tipo correto no schema 'ai'
    op.execute("""
        CREATE TYPE ai.ingestionstatus AS ENUM (
            'pending', 'processing', 'completed', 'failed'
        )
    """)

    # Recriar tabela se necessário
    # (SQLAlchemy criará com referência correta ao tipo)

def downgrade():
    op.execute("DROP TYPE IF EXISTS ai.ingestionstatus CASCADE")
