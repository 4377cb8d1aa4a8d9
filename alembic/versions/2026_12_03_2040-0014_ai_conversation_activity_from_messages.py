"""ai_conversations.updated_at kept by a trigger from the conversation's newest message

A follow-up question moved its conversation's activity time on with an UPDATE of its own (one
more round trip per turn); the conversation's owner is already checked when its history is read
in the same transaction. An AFTER INSERT trigger on ai_messages now moves updated_at on to the
newest message's time, so every way a message is stored keeps the conversation list's order.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 20:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_MOVE_ON = (
    "UPDATE ai_conversations SET updated_at = NEW.created_at "
    "WHERE id = NEW.conversation_id AND updated_at < NEW.created_at"
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION ai_conversation_activity() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"{_MOVE_ON}; RETURN NULL; END $$"
        )
        op.execute(
            "CREATE TRIGGER ai_conversation_activity AFTER INSERT ON ai_messages FOR EACH ROW "
            "EXECUTE FUNCTION ai_conversation_activity()"
        )
    else:
        op.execute(
            f"CREATE TRIGGER ai_conversation_activity AFTER INSERT ON ai_messages FOR EACH ROW BEGIN {_MOVE_ON}; END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS ai_conversation_activity ON ai_messages")
        op.execute("DROP FUNCTION IF EXISTS ai_conversation_activity()")
    else:
        op.execute("DROP TRIGGER IF EXISTS ai_conversation_activity")
