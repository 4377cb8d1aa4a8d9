"""product_sales_hourly, kept by triggers: best sellers by product at a window's partial days

product_sales_hourly(hour, product_id, platform, orders, revenue, profit): product_sales_daily by
UTC hour (its start) of the sale. A window that ends now has a partial day at each end: by
product, the semantic query read it from the raw orders (41,835 orders for today on the 10M-pair
demo data, 46 of the 59 ms of "top products this year"); it now reads the day's whole hours from
here and only the partial hours from the orders, as sales_hourly does for brands and platforms
(migration 0010). Maintained like 0005's rollups by row triggers named analytics_*; the same
NOTE as 0004 applies to a later batch_alter_table on orders.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 19:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

import shared.database.types
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SQLITE_TRIGGER_NAMES = (
    "analytics_product_sales_hourly_insert",
    "analytics_product_sales_hourly_delete",
    "analytics_product_sales_hourly_update",
)
# Only changes that move an order between (hour, product, platform) rows or change its sums.
_ORDER_CHANGED = (
    "OLD.sold_at IS DISTINCT FROM NEW.sold_at OR OLD.product_id IS DISTINCT FROM NEW.product_id "
    "OR OLD.platform IS DISTINCT FROM NEW.platform OR OLD.sale_price IS DISTINCT FROM NEW.sale_price "
    "OR OLD.payout IS DISTINCT FROM NEW.payout OR OLD.purchase_price IS DISTINCT FROM NEW.purchase_price"
)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        "product_sales_hourly",
        sa.Column("hour", shared.database.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.Column("revenue", shared.database.types.Money(), nullable=False),
        sa.Column("profit", shared.database.types.Money(), nullable=False),
        sa.PrimaryKeyConstraint("hour", "product_id", "platform", name=op.f("pk_product_sales_hourly")),
    )
    for statement in _postgres_triggers() if dialect == "postgresql" else _sqlite_triggers():
        op.execute(statement)
    op.execute(
        "INSERT INTO product_sales_hourly (hour, product_id, platform, orders, revenue, profit) "
        f"SELECT {_hour(dialect, 'sold_at')}, product_id, platform, count(*), sum(sale_price), "
        "sum(payout - purchase_price) FROM orders GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS analytics_product_sales_hourly ON orders")
        op.execute("DROP TRIGGER IF EXISTS analytics_product_sales_hourly_update ON orders")
        op.execute("DROP FUNCTION IF EXISTS analytics_product_sales_hourly()")
    else:
        for name in _SQLITE_TRIGGER_NAMES:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("product_sales_hourly")


def _hour(dialect: str, column: str) -> str:
    """The start of the UTC hour of a timestamp, whatever the session's time zone."""
    if dialect == "postgresql":
        return f"(date_trunc('hour', {column} AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')"
    return f"strftime('%Y-%m-%d %H:00:00.000000', {column})"


def _postgres_triggers() -> list[str]:
    hour_old = _hour("postgresql", "OLD.sold_at")
    hour_new = _hour("postgresql", "NEW.sold_at")
    return [
        f"""
CREATE FUNCTION analytics_product_sales_hourly() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE product_sales_hourly SET orders = orders - 1, revenue = revenue - OLD.sale_price,
            profit = profit - (OLD.payout - OLD.purchase_price)
            WHERE hour = {hour_old} AND product_id = OLD.product_id AND platform = OLD.platform;
        DELETE FROM product_sales_hourly
            WHERE hour = {hour_old} AND product_id = OLD.product_id AND platform = OLD.platform
            AND orders = 0;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO product_sales_hourly AS r (hour, product_id, platform, orders, revenue, profit)
            VALUES ({hour_new}, NEW.product_id, NEW.platform, 1, NEW.sale_price,
                NEW.payout - NEW.purchase_price)
            ON CONFLICT (hour, product_id, platform) DO UPDATE SET orders = r.orders + 1,
                revenue = r.revenue + EXCLUDED.revenue, profit = r.profit + EXCLUDED.profit;
    END IF;
    RETURN NULL;
END
$$""",
        "CREATE TRIGGER analytics_product_sales_hourly AFTER INSERT OR DELETE ON orders "
        "FOR EACH ROW EXECUTE FUNCTION analytics_product_sales_hourly()",
        "CREATE TRIGGER analytics_product_sales_hourly_update AFTER UPDATE ON orders "
        f"FOR EACH ROW WHEN ({_ORDER_CHANGED}) EXECUTE FUNCTION analytics_product_sales_hourly()",
    ]


def _sqlite_minus(row: str) -> list[str]:
    key = f"hour = {_hour('sqlite', f'{row}.sold_at')} AND product_id = {row}.product_id AND platform = {row}.platform"
    return [
        f"UPDATE product_sales_hourly SET orders = orders - 1, revenue = revenue - {row}.sale_price, "
        f"profit = profit - ({row}.payout - {row}.purchase_price) WHERE {key};",
        f"DELETE FROM product_sales_hourly WHERE {key} AND orders = 0;",
    ]


def _sqlite_plus(row: str) -> list[str]:
    # "WHERE true" before ON CONFLICT: SQLite's parser needs a WHERE after INSERT ... SELECT.
    return [
        "INSERT INTO product_sales_hourly (hour, product_id, platform, orders, revenue, profit) "
        f"SELECT {_hour('sqlite', f'{row}.sold_at')}, {row}.product_id, {row}.platform, 1, {row}.sale_price, "
        f"{row}.payout - {row}.purchase_price WHERE true "
        "ON CONFLICT (hour, product_id, platform) DO UPDATE SET orders = orders + 1, "
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
