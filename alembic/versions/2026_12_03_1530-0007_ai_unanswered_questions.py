"""ai_unanswered_questions: questions the assistant did not (fully) understand, per user;
ai_messages.interpretation: what each stored answer answered

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from shared.database.types import UTCDateTime

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ai_unanswered_questions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("conversation_id", sa.Uuid(), nullable=True),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("unknown_terms", sa.JSON(), nullable=False),
        sa.Column("understood", sa.String(length=10), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["ai_conversations.id"],
            name=op.f("fk_ai_unanswered_questions_conversation_id_ai_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_ai_unanswered_questions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ai_unanswered_questions")),
    )
    op.create_index("ix_ai_unanswered_questions_user_id_id", "ai_unanswered_questions", ["user_id", "id"])
    with op.batch_alter_table("ai_messages") as batch:
        batch.add_column(sa.Column("interpretation", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ai_messages") as batch:
        batch.drop_column("interpretation")
    op.drop_index("ix_ai_unanswered_questions_user_id_id", table_name="ai_unanswered_questions")
    op.drop_table("ai_unanswered_questions")
