"""ai messages: the recall's search document stored with each message (PostgreSQL)

Memory recall parsed the user's newest messages with to_tsvector on every question (5-15 ms
of the 400 newest, most of a recall's time on PostgreSQL). The parsed document is now a stored
generated column, computed once when a message is written; recall only compares and ranks.
SQLite keeps its FTS5 table (migration 0003). The column is not in SQLAlchemy's metadata
(domains.ai.memory.fts.include_object skips columns named fts_*), so `select(Message)` never
reads it.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 19:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # Rewrites the table once.
        op.execute(
            "ALTER TABLE ai_messages ADD COLUMN fts_document tsvector "
            "GENERATED ALWAYS AS (to_tsvector('simple', left(content, 1000))) STORED"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE ai_messages DROP COLUMN IF EXISTS fts_document")
