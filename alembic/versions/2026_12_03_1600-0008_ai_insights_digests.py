"""ai insight digests and deliveries (daily digest per user, one per UTC day); an index of the
pairs on hand by product + size for pricing them against the market (insight detectors)

Revision ID: 0008
Revises: 0005 (re-chained at merge onto the newest of 0006/0007)
Create Date: 2026-12-03 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

import shared.database.types
from alembic import op

revision: str = "0008"
# The brief names 0006 as parent; that revision is on another branch, and a missing parent would
# stop every migration here. The lead points this at the last of 0006/0007 when merging.
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ai_insight_digests",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("digest_date", sa.Date(), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("insight_count", sa.Integer(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("created_at", shared.database.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_ai_insight_digests_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ai_insight_digests")),
        sa.UniqueConstraint("user_id", "digest_date", name="user_digest_date"),
    )
    op.create_table(
        "ai_insight_deliveries",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("digest_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("delivered_at", shared.database.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", shared.database.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", shared.database.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("channel IN ('webhook', 'email')", name=op.f("ck_ai_insight_deliveries_channel")),
        sa.CheckConstraint(
            "status IN ('pending', 'delivered', 'failed')", name=op.f("ck_ai_insight_deliveries_status")
        ),
        sa.ForeignKeyConstraint(
            ["digest_id"],
            ["ai_insight_digests.id"],
            name=op.f("fk_ai_insight_deliveries_digest_id_ai_insight_digests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ai_insight_deliveries")),
        sa.UniqueConstraint("digest_id", "channel", name="digest_channel"),
    )

    op.create_index(
        "ix_inventory_items_on_hand_product_size",
        "inventory_items",
        ["product_id", "size", "listed_platform"],
        unique=False,
        postgresql_include=["id", "purchase_price", "listed_price", "status"],
        postgresql_where=sa.text("status IN ('in_stock', 'listed')"),
        sqlite_where=sa.text("status IN ('in_stock', 'listed')"),
    )


def downgrade() -> None:
    op.drop_index("ix_inventory_items_on_hand_product_size", table_name="inventory_items")
    op.drop_table("ai_insight_deliveries")
    op.drop_table("ai_insight_digests")
