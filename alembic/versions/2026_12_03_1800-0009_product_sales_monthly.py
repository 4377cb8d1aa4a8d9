"""product_sales_monthly, kept by triggers: best sellers by product over long windows; the
pairs-in-inventory-by-age index carries the product


product_sales_monthly(month, product_id, platform, orders, revenue, profit): orders by UTC sale
month (its first day), product and platform; a row whose orders drop to 0 is deleted. The
semantic query reads whole months from here, the whole days of partial months from
product_sales_daily and the partial days at a window's edges from the raw orders: a year of
"top products by revenue" reads ~11 x products x platforms rows instead of ~330 x that
(73-92 ms on 1M pairs for the daily rows alone; docs/benchmarks.md).

Maintained like 0005's rollups by row triggers named analytics_* (bulk loads switch them off and
call domains.analytics.rollups.rebuild_rollups). Same NOTE as 0004: a later batch_alter_table on
orders recreates the table on SQLite and drops its triggers.

ix_inventory_items_status_purchased_at INCLUDE (purchase_price, product_id) (PostgreSQL): the
semantic query reads the in-inventory pairs of the days an age line falls in from the raw rows;
with the product in the index, a brand or model filter on them is an index-only scan and a hash
join (0.7 ms) instead of a nested loop over the product index (30 ms on 1M pairs).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

import shared.database.types
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SQLITE_TRIGGER_NAMES = (
    "analytics_product_sales_monthly_insert",
    "analytics_product_sales_monthly_delete",
    "analytics_product_sales_monthly_update",
)
# Only changes that move an order between (month, product, platform) rows or change its sums.
_ORDER_CHANGED = (
    "OLD.sold_at IS DISTINCT FROM NEW.sold_at OR OLD.product_id IS DISTINCT FROM NEW.product_id "
    "OR OLD.platform IS DISTINCT FROM NEW.platform OR OLD.sale_price IS DISTINCT FROM NEW.sale_price "
    "OR OLD.payout IS DISTINCT FROM NEW.payout OR OLD.purchase_price IS DISTINCT FROM NEW.purchase_price"
)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        "product_sales_monthly",
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.Column("revenue", shared.database.types.Money(), nullable=False),
        sa.Column("profit", shared.database.types.Money(), nullable=False),
        sa.PrimaryKeyConstraint("month", "product_id", "platform", name=op.f("pk_product_sales_monthly")),
    )
    for statement in _postgres_triggers() if dialect == "postgresql" else _sqlite_triggers():
        op.execute(statement)
    if dialect == "postgresql":
        _status_purchased_at_index(["purchase_price", "product_id"])
    op.execute(
        "INSERT INTO product_sales_monthly (month, product_id, platform, orders, revenue, profit) "
        f"SELECT {_month(dialect, 'sold_at')}, product_id, platform, count(*), sum(sale_price), "
        "sum(payout - purchase_price) FROM orders GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _status_purchased_at_index(["purchase_price"])
        op.execute("DROP TRIGGER IF EXISTS analytics_product_sales_monthly ON orders")
        op.execute("DROP TRIGGER IF EXISTS analytics_product_sales_monthly_update ON orders")
        op.execute("DROP FUNCTION IF EXISTS analytics_product_sales_monthly()")
    else:
        for name in _SQLITE_TRIGGER_NAMES:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("product_sales_monthly")


def _status_purchased_at_index(include: list[str]) -> None:
    op.drop_index("ix_inventory_items_status_purchased_at", table_name="inventory_items")
    op.create_index(
        "ix_inventory_items_status_purchased_at",
        "inventory_items",
        ["status", "purchased_at"],
        postgresql_include=include,
    )


def _month(dialect: str, column: str) -> str:
    if dialect == "postgresql":
        return f"date_trunc('month', {column} AT TIME ZONE 'UTC')::date"
    return f"strftime('%Y-%m-01', {column})"


def _postgres_triggers() -> list[str]:
    month_old = _month("postgresql", "OLD.sold_at")
    month_new = _month("postgresql", "NEW.sold_at")
    return [
        f"""
CREATE FUNCTION analytics_product_sales_monthly() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE product_sales_monthly SET orders = orders - 1, revenue = revenue - OLD.sale_price,
            profit = profit - (OLD.payout - OLD.purchase_price)
            WHERE month = {month_old} AND product_id = OLD.product_id AND platform = OLD.platform;
        DELETE FROM product_sales_monthly
            WHERE month = {month_old} AND product_id = OLD.product_id AND platform = OLD.platform
            AND orders = 0;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO product_sales_monthly AS r (month, product_id, platform, orders, revenue, profit)
            VALUES ({month_new}, NEW.product_id, NEW.platform, 1, NEW.sale_price,
                NEW.payout - NEW.purchase_price)
            ON CONFLICT (month, product_id, platform) DO UPDATE SET orders = r.orders + 1,
                revenue = r.revenue + EXCLUDED.revenue, profit = r.profit + EXCLUDED.profit;
    END IF;
    RETURN NULL;
END
$$""",
        "CREATE TRIGGER analytics_product_sales_monthly AFTER INSERT OR DELETE ON orders "
        "FOR EACH ROW EXECUTE FUNCTION analytics_product_sales_monthly()",
        "CREATE TRIGGER analytics_product_sales_monthly_update AFTER UPDATE ON orders "
        f"FOR EACH ROW WHEN ({_ORDER_CHANGED}) EXECUTE FUNCTION analytics_product_sales_monthly()",
    ]


def _sqlite_minus(row: str) -> list[str]:
    key = f"month = {_month('sqlite', f'{row}.sold_at')} AND product_id = {row}.product_id AND platform = {row}.platform"
    return [
        f"UPDATE product_sales_monthly SET orders = orders - 1, revenue = revenue - {row}.sale_price, "
        f"profit = profit - ({row}.payout - {row}.purchase_price) WHERE {key};",
        f"DELETE FROM product_sales_monthly WHERE {key} AND orders = 0;",
    ]


def _sqlite_plus(row: str) -> list[str]:
    # "WHERE true" before ON CONFLICT: SQLite's parser needs a WHERE after INSERT ... SELECT.
    return [
        "INSERT INTO product_sales_monthly (month, product_id, platform, orders, revenue, profit) "
        f"SELECT {_month('sqlite', f'{row}.sold_at')}, {row}.product_id, {row}.platform, 1, {row}.sale_price, "
        f"{row}.payout - {row}.purchase_price WHERE true "
        "ON CONFLICT (month, product_id, platform) DO UPDATE SET orders = orders + 1, "
        "revenue = revenue + excluded.revenue, profit = profit + excluded.profit;",
    ]


def _trigger(name: str, event: str, body: list[str], when: str | None = None) -> str:
    condition = f" WHEN {when}" if when else ""
    return f"CREATE TRIGGER {name} AFTER {event} FOR EACH ROW{condition} BEGIN " + " ".join(body) + " END"


def _sqlite_triggers() -> list[str]:
    insert, delete, update = _SQLITE_TRIGGER_NAMES
    return [
        _trigger(insert, "INSERT ON orders", _sqlite_plus("NEW")),
        _trigger(delete, "DELETE ON orders", _sqlite_minus("OLD")),
        _trigger(
            update,
            "UPDATE ON orders",
            _sqlite_minus("OLD") + _sqlite_plus("NEW"),
            when=_ORDER_CHANGED.replace("IS DISTINCT FROM", "IS NOT"),
        ),
    ]
