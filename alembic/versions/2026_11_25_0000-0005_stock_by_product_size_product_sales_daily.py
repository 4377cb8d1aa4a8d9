"""stock_by_product_size and product_sales_daily, kept by triggers (low stock, best sellers by product)

1. stock_by_product_size(product_id, size, units): pairs in inventory (in_stock / listed) per
   product and size; a row whose units drop to 0 is deleted. Low stock's stock side reads it
   (a few thousand rows) instead of counting the pairs in inventory.
2. product_sales_daily(day, product_id, platform, orders, revenue, profit): orders by UTC sale day,
   product and platform. Best sellers by product and low stock's 90-day sold side read whole days
   from it and the partial edge days from the raw orders (as the 0004 rollups do).

Both are filled from the raw rows and maintained by row triggers (all named analytics_*, so
domains.analytics.rollups.disable_rollup_triggers switches them off for bulk loads):
   - PostgreSQL: plpgsql functions analytics_stock_by_size() and analytics_product_sales().
   - SQLite: triggers with upserts.
Same NOTE as 0004: a later batch_alter_table on inventory_items or orders recreates the table on
SQLite and drops its triggers; such a migration must create them again and rebuild the rollups.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 00:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

import shared.database.types
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

IN_INVENTORY = "('in_stock', 'listed')"


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        "stock_by_product_size",
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("size", sa.String(length=10), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("product_id", "size", name=op.f("pk_stock_by_product_size")),
    )
    op.create_table(
        "product_sales_daily",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.Column("revenue", shared.database.types.Money(), nullable=False),
        sa.Column("profit", shared.database.types.Money(), nullable=False),
        sa.PrimaryKeyConstraint("day", "product_id", "platform", name=op.f("pk_product_sales_daily")),
    )
    op.create_index(
        "ix_product_sales_daily_product_id_day", "product_sales_daily", ["product_id", "day"], unique=False
    )
    for statement in _postgres_triggers() if dialect == "postgresql" else _sqlite_triggers():
        op.execute(statement)
    for statement in rebuild_statements(dialect):
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS analytics_stock_by_size ON inventory_items")
        op.execute("DROP TRIGGER IF EXISTS analytics_stock_by_size_update ON inventory_items")
        op.execute("DROP TRIGGER IF EXISTS analytics_product_sales ON orders")
        op.execute("DROP TRIGGER IF EXISTS analytics_product_sales_update ON orders")
        op.execute("DROP FUNCTION IF EXISTS analytics_stock_by_size()")
        op.execute("DROP FUNCTION IF EXISTS analytics_product_sales()")
    else:
        for name in _SQLITE_TRIGGER_NAMES:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_index("ix_product_sales_daily_product_id_day", table_name="product_sales_daily")
    op.drop_table("product_sales_daily")
    op.drop_table("stock_by_product_size")


# --- rebuilding from the raw rows (domains/analytics/rollups.py holds the same GROUP BYs) ------


def _day(dialect: str, column: str) -> str:
    return f"({column} AT TIME ZONE 'UTC')::date" if dialect == "postgresql" else f"date({column})"


def rebuild_statements(dialect: str) -> list[str]:
    """Rows written in key order (day first): a window's days sit on few pages."""
    return [
        "DELETE FROM stock_by_product_size",
        "DELETE FROM product_sales_daily",
        "INSERT INTO stock_by_product_size (product_id, size, units) "
        f"SELECT product_id, size, count(*) FROM inventory_items WHERE status IN {IN_INVENTORY} "
        "GROUP BY product_id, size ORDER BY product_id, size",
        "INSERT INTO product_sales_daily (day, product_id, platform, orders, revenue, profit) "
        f"SELECT {_day(dialect, 'sold_at')}, product_id, platform, count(*), sum(sale_price), "
        "sum(payout - purchase_price) FROM orders GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
    ]


# --- PostgreSQL --------------------------------------------------------------------------------

# Only changes that move a pair in or out of a (product, size) count, or an order between
# (day, product, platform) rows or its sums, do any work.
_ITEM_CHANGED = (
    f"(OLD.status IN {IN_INVENTORY}) IS DISTINCT FROM (NEW.status IN {IN_INVENTORY}) "
    "OR OLD.product_id IS DISTINCT FROM NEW.product_id OR OLD.size IS DISTINCT FROM NEW.size"
)
_ORDER_CHANGED = (
    "OLD.sold_at IS DISTINCT FROM NEW.sold_at OR OLD.product_id IS DISTINCT FROM NEW.product_id "
    "OR OLD.platform IS DISTINCT FROM NEW.platform OR OLD.sale_price IS DISTINCT FROM NEW.sale_price "
    "OR OLD.payout IS DISTINCT FROM NEW.payout OR OLD.purchase_price IS DISTINCT FROM NEW.purchase_price"
)


def _postgres_triggers() -> list[str]:
    day_old = _day("postgresql", "OLD.sold_at")
    day_new = _day("postgresql", "NEW.sold_at")
    return [
        f"""
CREATE FUNCTION analytics_stock_by_size() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        IF OLD.status IN {IN_INVENTORY} THEN
            UPDATE stock_by_product_size SET units = units - 1
                WHERE product_id = OLD.product_id AND size = OLD.size;
            DELETE FROM stock_by_product_size
                WHERE product_id = OLD.product_id AND size = OLD.size AND units = 0;
        END IF;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        IF NEW.status IN {IN_INVENTORY} THEN
            INSERT INTO stock_by_product_size AS r (product_id, size, units)
                VALUES (NEW.product_id, NEW.size, 1)
                ON CONFLICT (product_id, size) DO UPDATE SET units = r.units + 1;
        END IF;
    END IF;
    RETURN NULL;
END
$$""",
        "CREATE TRIGGER analytics_stock_by_size AFTER INSERT OR DELETE ON inventory_items "
        "FOR EACH ROW EXECUTE FUNCTION analytics_stock_by_size()",
        "CREATE TRIGGER analytics_stock_by_size_update AFTER UPDATE OF status, product_id, size "
        f"ON inventory_items FOR EACH ROW WHEN ({_ITEM_CHANGED}) EXECUTE FUNCTION analytics_stock_by_size()",
        f"""
CREATE FUNCTION analytics_product_sales() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE product_sales_daily SET orders = orders - 1, revenue = revenue - OLD.sale_price,
            profit = profit - (OLD.payout - OLD.purchase_price)
            WHERE day = {day_old} AND product_id = OLD.product_id AND platform = OLD.platform;
        DELETE FROM product_sales_daily
            WHERE day = {day_old} AND product_id = OLD.product_id AND platform = OLD.platform
            AND orders = 0;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO product_sales_daily AS r (day, product_id, platform, orders, revenue, profit)
            VALUES ({day_new}, NEW.product_id, NEW.platform, 1, NEW.sale_price,
                NEW.payout - NEW.purchase_price)
            ON CONFLICT (day, product_id, platform) DO UPDATE SET orders = r.orders + 1,
                revenue = r.revenue + EXCLUDED.revenue, profit = r.profit + EXCLUDED.profit;
    END IF;
    RETURN NULL;
END
$$""",
        "CREATE TRIGGER analytics_product_sales AFTER INSERT OR DELETE ON orders "
        "FOR EACH ROW EXECUTE FUNCTION analytics_product_sales()",
        "CREATE TRIGGER analytics_product_sales_update AFTER UPDATE ON orders "
        f"FOR EACH ROW WHEN ({_ORDER_CHANGED}) EXECUTE FUNCTION analytics_product_sales()",
    ]


# --- SQLite ------------------------------------------------------------------------------------

_SQLITE_TRIGGER_NAMES = (
    "analytics_stock_size_insert",
    "analytics_stock_size_delete",
    "analytics_stock_size_update",
    "analytics_product_sales_insert",
    "analytics_product_sales_delete",
    "analytics_product_sales_update",
)


def _sqlite_stock_minus(row: str) -> list[str]:
    key = f"product_id = {row}.product_id AND size = {row}.size"
    return [
        f"UPDATE stock_by_product_size SET units = units - 1 WHERE {key} AND {row}.status IN {IN_INVENTORY};",
        f"DELETE FROM stock_by_product_size WHERE {key} AND units = 0;",
    ]


def _sqlite_stock_plus(row: str) -> list[str]:
    # "WHERE ..." before ON CONFLICT: SQLite's parser needs a WHERE after INSERT ... SELECT.
    return [
        "INSERT INTO stock_by_product_size (product_id, size, units) "
        f"SELECT {row}.product_id, {row}.size, 1 WHERE {row}.status IN {IN_INVENTORY} "
        "ON CONFLICT (product_id, size) DO UPDATE SET units = units + 1;",
    ]


def _sqlite_sales_minus(row: str) -> list[str]:
    key = f"day = {_day('sqlite', f'{row}.sold_at')} AND product_id = {row}.product_id AND platform = {row}.platform"
    return [
        f"UPDATE product_sales_daily SET orders = orders - 1, revenue = revenue - {row}.sale_price, "
        f"profit = profit - ({row}.payout - {row}.purchase_price) WHERE {key};",
        f"DELETE FROM product_sales_daily WHERE {key} AND orders = 0;",
    ]


def _sqlite_sales_plus(row: str) -> list[str]:
    return [
        "INSERT INTO product_sales_daily (day, product_id, platform, orders, revenue, profit) "
        f"SELECT {_day('sqlite', f'{row}.sold_at')}, {row}.product_id, {row}.platform, 1, {row}.sale_price, "
        f"{row}.payout - {row}.purchase_price WHERE true "
        "ON CONFLICT (day, product_id, platform) DO UPDATE SET orders = orders + 1, "
        "revenue = revenue + excluded.revenue, profit = profit + excluded.profit;",
    ]


def _trigger(name: str, event: str, body: list[str], when: str | None = None) -> str:
    condition = f" WHEN {when}" if when else ""
    return f"CREATE TRIGGER {name} AFTER {event} FOR EACH ROW{condition} BEGIN " + " ".join(body) + " END"


def _sqlite_triggers() -> list[str]:
    return [
        _trigger("analytics_stock_size_insert", "INSERT ON inventory_items", _sqlite_stock_plus("NEW")),
        _trigger("analytics_stock_size_delete", "DELETE ON inventory_items", _sqlite_stock_minus("OLD")),
        _trigger(
            "analytics_stock_size_update",
            "UPDATE OF status, product_id, size ON inventory_items",
            _sqlite_stock_minus("OLD") + _sqlite_stock_plus("NEW"),
            when=_ITEM_CHANGED.replace("IS DISTINCT FROM", "IS NOT"),
        ),
        _trigger("analytics_product_sales_insert", "INSERT ON orders", _sqlite_sales_plus("NEW")),
        _trigger("analytics_product_sales_delete", "DELETE ON orders", _sqlite_sales_minus("OLD")),
        _trigger(
            "analytics_product_sales_update",
            "UPDATE ON orders",
            _sqlite_sales_minus("OLD") + _sqlite_sales_plus("NEW"),
            when=_ORDER_CHANGED.replace("IS DISTINCT FROM", "IS NOT"),
        ),
    ]
