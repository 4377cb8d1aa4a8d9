"""ai_usage kept by a trigger from each answer: the answer's cost stored with its message

Each assistant turn stored its messages and then added itself to the usage ledger in a statement
of its own (one more round trip per turn: ~0.2 ms of a ~10 ms turn on SQLite). The answer's
message now carries its estimated cost (ai_messages.cost_usd) and an AFTER INSERT trigger adds
the message to its (user, UTC day, provider, model) row of ai_usage, in the same statement and
transaction. Only the turn's own answer counts: an assistant message a client sent as earlier
history has no provider. The ledger stays a table of its own: deleting conversations does not
give a user's budget back.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 20:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COUNTED = "NEW.role = 'assistant' AND NEW.provider IS NOT NULL"
_UPSERT = (
    "INSERT INTO ai_usage (user_id, day, provider, model, requests, prompt_tokens, completion_tokens, "
    "cost_usd) VALUES (NEW.user_id, {day}, NEW.provider, coalesce(NEW.model, NEW.provider), 1, "
    "NEW.prompt_tokens, NEW.completion_tokens, NEW.cost_usd) "
    "ON CONFLICT (user_id, day, provider, model) DO UPDATE SET "
    "requests = ai_usage.requests + 1, "
    "prompt_tokens = ai_usage.prompt_tokens + excluded.prompt_tokens, "
    "completion_tokens = ai_usage.completion_tokens + excluded.completion_tokens, "
    "cost_usd = ai_usage.cost_usd + excluded.cost_usd"
)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.add_column(
        "ai_messages",
        sa.Column("cost_usd", sa.Numeric(precision=12, scale=6), server_default="0", nullable=False),
    )
    if dialect == "postgresql":
        op.execute(
            "CREATE FUNCTION ai_usage_from_message() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            + _UPSERT.format(day="(NEW.created_at AT TIME ZONE 'UTC')::date")
            + "; RETURN NULL; END $$"
        )
        op.execute(
            "CREATE TRIGGER ai_usage_from_message AFTER INSERT ON ai_messages FOR EACH ROW "
            f"WHEN ({_COUNTED}) EXECUTE FUNCTION ai_usage_from_message()"
        )
    else:
        op.execute(
            f"CREATE TRIGGER ai_usage_from_message AFTER INSERT ON ai_messages FOR EACH ROW WHEN {_COUNTED} "
            f"BEGIN {_UPSERT.format(day='date(NEW.created_at)')}; END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS ai_usage_from_message ON ai_messages")
        op.execute("DROP FUNCTION IF EXISTS ai_usage_from_message()")
    else:
        op.execute("DROP TRIGGER IF EXISTS ai_usage_from_message")
    # Not batch_alter_table: on SQLite that copies the table and loses its FTS triggers.
    op.execute("ALTER TABLE ai_messages DROP COLUMN cost_usd")
