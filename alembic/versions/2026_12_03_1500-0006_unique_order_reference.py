"""One order per (platform, external_ref): a unique index, so concurrent imports cannot both add it

A unique index rather than a table constraint: on SQLite a new constraint means recreating
`orders` (batch_alter_table), which would drop the rollup triggers of 0004/0005.
Existing duplicates stop the upgrade with a list of them: which of two orders is the real one
is a question for a person, not for a migration.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "uq_orders_platform_external_ref"


def upgrade() -> None:
    duplicates = (
        op.get_bind()
        .execute(
            sa.text(
                "SELECT platform, external_ref, count(*) FROM orders WHERE external_ref IS NOT NULL "
                "GROUP BY platform, external_ref HAVING count(*) > 1 ORDER BY platform, external_ref"
            )
        )
        .all()
    )
    if duplicates:
        listed = ", ".join(f"{platform} {ref} ({count}x)" for platform, ref, count in duplicates[:20])
        raise RuntimeError(
            f"orders recorded more than once: {listed}. Delete or re-reference the extra orders, "
            "then upgrade again."
        )
    op.create_index(INDEX, "orders", ["platform", "external_ref"], unique=True)


def downgrade() -> None:
    op.drop_index(INDEX, table_name="orders")
