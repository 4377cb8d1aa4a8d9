"""orders carry purchased_at + size; daily analytics rollups kept by triggers

1. orders.purchased_at and orders.size are copied from the item at sale time (backfilled here),
   NOT NULL, and covered by ix_orders_sold_at (PostgreSQL INCLUDE): days to sell and low stock
   by size read orders alone.
2. stock_daily / purchases_daily / sales_daily (domains/analytics/models.py) are filled from the
   raw rows and maintained by row triggers on inventory_items and orders, per dialect:
   - PostgreSQL: plpgsql trigger functions analytics_rollup_items() / analytics_rollup_orders().
   - SQLite: triggers with upserts.
   The triggers are not in SQLAlchemy's metadata (Alembic autogenerate does not compare
   triggers). NOTE: a later batch_alter_table on inventory_items or orders recreates the table on
   SQLite and drops its triggers; such a migration must create them again (copy
   _sqlite_triggers()) and rebuild the rollups (_REBUILD).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 23:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

import shared.database.types
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD_INCLUDE = ["sale_price", "payout", "purchase_price", "platform", "product_id"]
_NEW_INCLUDE = [*_OLD_INCLUDE, "purchased_at", "size"]
IN_INVENTORY = "('in_stock', 'listed')"


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("purchased_at", shared.database.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("size", sa.String(length=10), nullable=True))
    if dialect == "postgresql":
        op.execute(
            "UPDATE orders o SET purchased_at = i.purchased_at, size = i.size "
            "FROM inventory_items i WHERE i.id = o.inventory_item_id"
        )
    else:
        op.execute(
            "UPDATE orders SET "
            "purchased_at = (SELECT i.purchased_at FROM inventory_items i WHERE i.id = orders.inventory_item_id), "
            "size = (SELECT i.size FROM inventory_items i WHERE i.id = orders.inventory_item_id)"
        )
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.alter_column(
            "purchased_at", existing_type=shared.database.types.UTCDateTime(timezone=True), nullable=False
        )
        batch_op.alter_column("size", existing_type=sa.String(length=10), nullable=False)
        batch_op.drop_index("ix_orders_sold_at", postgresql_include=_OLD_INCLUDE)
        batch_op.create_index("ix_orders_sold_at", ["sold_at"], unique=False, postgresql_include=_NEW_INCLUDE)

    op.create_table(
        "stock_daily",
        sa.Column("purchase_day", sa.Date(), nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.Column("value", shared.database.types.Money(), nullable=False),
        sa.PrimaryKeyConstraint("purchase_day", "brand_id", "status", name=op.f("pk_stock_daily")),
    )
    op.create_table(
        "purchases_daily",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.Column("value", shared.database.types.Money(), nullable=False),
        sa.PrimaryKeyConstraint("day", "brand_id", name=op.f("pk_purchases_daily")),
    )
    op.create_table(
        "sales_daily",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.Column("revenue", shared.database.types.Money(), nullable=False),
        sa.Column("cogs", shared.database.types.Money(), nullable=False),
        sa.Column("payout", shared.database.types.Money(), nullable=False),
        sa.Column("platform_fees", shared.database.types.Money(), nullable=False),
        sa.Column("processing_fees", shared.database.types.Money(), nullable=False),
        sa.Column("shipping_costs", shared.database.types.Money(), nullable=False),
        sa.Column("days_to_sell_sum", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("day", "brand_id", "platform", name=op.f("pk_sales_daily")),
    )
    for statement in _postgres_triggers() if dialect == "postgresql" else _sqlite_triggers():
        op.execute(statement)
    for statement in rebuild_statements(dialect):
        op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS analytics_rollup_items ON inventory_items")
        op.execute("DROP TRIGGER IF EXISTS analytics_rollup_orders ON orders")
        op.execute("DROP TRIGGER IF EXISTS analytics_order_size ON inventory_items")
        op.execute("DROP FUNCTION IF EXISTS analytics_rollup_items()")
        op.execute("DROP FUNCTION IF EXISTS analytics_rollup_orders()")
        op.execute("DROP FUNCTION IF EXISTS analytics_order_size()")
    else:
        for name in _SQLITE_TRIGGER_NAMES:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("sales_daily")
    op.drop_table("purchases_daily")
    op.drop_table("stock_daily")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index("ix_orders_sold_at", postgresql_include=_NEW_INCLUDE)
        batch_op.create_index("ix_orders_sold_at", ["sold_at"], unique=False, postgresql_include=_OLD_INCLUDE)
        batch_op.drop_column("size")
        batch_op.drop_column("purchased_at")


# --- rebuilding the rollups from the raw rows (also run by scripts/demo_data.py after a bulk load) ---


def _day(dialect: str, column: str) -> str:
    return f"({column} AT TIME ZONE 'UTC')::date" if dialect == "postgresql" else f"date({column})"


def _days_between(dialect: str, start: str, end: str) -> str:
    if dialect == "postgresql":
        return f"(extract(epoch FROM {end} - {start}) / 86400.0)::float8"
    return f"(julianday({end}) - julianday({start}))"


def rebuild_statements(dialect: str) -> list[str]:
    """DELETE every rollup row, then one INSERT ... SELECT ... GROUP BY per rollup."""
    item_day = _day(dialect, "i.purchased_at")
    sale_day = _day(dialect, "o.sold_at")
    days = _days_between(dialect, "o.purchased_at", "o.sold_at")
    return [
        "DELETE FROM stock_daily",
        "DELETE FROM purchases_daily",
        "DELETE FROM sales_daily",
        "INSERT INTO stock_daily (purchase_day, brand_id, status, units, value) "
        f"SELECT {item_day}, p.brand_id, i.status, count(*), sum(i.purchase_price) "
        "FROM inventory_items i JOIN products p ON p.id = i.product_id "
        f"WHERE i.status IN {IN_INVENTORY} GROUP BY 1, 2, 3",
        "INSERT INTO purchases_daily (day, brand_id, units, value) "
        f"SELECT {item_day}, p.brand_id, count(*), sum(i.purchase_price) "
        "FROM inventory_items i JOIN products p ON p.id = i.product_id GROUP BY 1, 2",
        "INSERT INTO sales_daily (day, brand_id, platform, orders, revenue, cogs, payout, platform_fees, "
        "processing_fees, shipping_costs, days_to_sell_sum) "
        f"SELECT {sale_day}, p.brand_id, o.platform, count(*), sum(o.sale_price), sum(o.purchase_price), "
        "sum(o.payout), sum(o.platform_fee), sum(o.processing_fee), sum(o.shipping_cost), "
        f"sum({days}) FROM orders o JOIN products p ON p.id = o.product_id GROUP BY 1, 2, 3",
    ]


# --- PostgreSQL --------------------------------------------------------------------------------


def _postgres_triggers() -> list[str]:
    item_day_old = _day("postgresql", "OLD.purchased_at")
    item_day_new = _day("postgresql", "NEW.purchased_at")
    sale_day_old = _day("postgresql", "OLD.sold_at")
    sale_day_new = _day("postgresql", "NEW.sold_at")
    days_old = _days_between("postgresql", "OLD.purchased_at", "OLD.sold_at")
    days_new = _days_between("postgresql", "NEW.purchased_at", "NEW.sold_at")
    return [
        f"""
CREATE FUNCTION analytics_rollup_items() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    brand integer;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        SELECT brand_id INTO brand FROM products WHERE id = OLD.product_id;
        UPDATE purchases_daily SET units = units - 1, value = value - OLD.purchase_price
            WHERE day = {item_day_old} AND brand_id = brand;
        DELETE FROM purchases_daily WHERE day = {item_day_old} AND brand_id = brand AND units = 0;
        IF OLD.status IN {IN_INVENTORY} THEN
            UPDATE stock_daily SET units = units - 1, value = value - OLD.purchase_price
                WHERE purchase_day = {item_day_old} AND brand_id = brand AND status = OLD.status;
            DELETE FROM stock_daily
                WHERE purchase_day = {item_day_old} AND brand_id = brand AND status = OLD.status
                AND units = 0;
        END IF;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        SELECT brand_id INTO brand FROM products WHERE id = NEW.product_id;
        INSERT INTO purchases_daily AS r (day, brand_id, units, value)
            VALUES ({item_day_new}, brand, 1, NEW.purchase_price)
            ON CONFLICT (day, brand_id)
            DO UPDATE SET units = r.units + 1, value = r.value + EXCLUDED.value;
        IF NEW.status IN {IN_INVENTORY} THEN
            INSERT INTO stock_daily AS r (purchase_day, brand_id, status, units, value)
                VALUES ({item_day_new}, brand, NEW.status, 1, NEW.purchase_price)
                ON CONFLICT (purchase_day, brand_id, status)
                DO UPDATE SET units = r.units + 1, value = r.value + EXCLUDED.value;
        END IF;
    END IF;
    RETURN NULL;
END
$$""",
        "CREATE TRIGGER analytics_rollup_items AFTER INSERT OR DELETE OR UPDATE OF status, purchase_price, "
        "purchased_at, product_id ON inventory_items FOR EACH ROW EXECUTE FUNCTION analytics_rollup_items()",
        f"""
CREATE FUNCTION analytics_rollup_orders() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    brand integer;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        SELECT brand_id INTO brand FROM products WHERE id = OLD.product_id;
        UPDATE sales_daily SET orders = orders - 1, revenue = revenue - OLD.sale_price,
            cogs = cogs - OLD.purchase_price, payout = payout - OLD.payout,
            platform_fees = platform_fees - OLD.platform_fee,
            processing_fees = processing_fees - OLD.processing_fee,
            shipping_costs = shipping_costs - OLD.shipping_cost,
            days_to_sell_sum = days_to_sell_sum - {days_old}
            WHERE day = {sale_day_old} AND brand_id = brand AND platform = OLD.platform;
        DELETE FROM sales_daily
            WHERE day = {sale_day_old} AND brand_id = brand AND platform = OLD.platform AND orders = 0;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        SELECT brand_id INTO brand FROM products WHERE id = NEW.product_id;
        INSERT INTO sales_daily AS r (day, brand_id, platform, orders, revenue, cogs, payout,
                platform_fees, processing_fees, shipping_costs, days_to_sell_sum)
            VALUES ({sale_day_new}, brand, NEW.platform, 1, NEW.sale_price, NEW.purchase_price,
                NEW.payout, NEW.platform_fee, NEW.processing_fee, NEW.shipping_cost, {days_new})
            ON CONFLICT (day, brand_id, platform) DO UPDATE SET orders = r.orders + 1,
                revenue = r.revenue + EXCLUDED.revenue, cogs = r.cogs + EXCLUDED.cogs,
                payout = r.payout + EXCLUDED.payout,
                platform_fees = r.platform_fees + EXCLUDED.platform_fees,
                processing_fees = r.processing_fees + EXCLUDED.processing_fees,
                shipping_costs = r.shipping_costs + EXCLUDED.shipping_costs,
                days_to_sell_sum = r.days_to_sell_sum + EXCLUDED.days_to_sell_sum;
    END IF;
    RETURN NULL;
END
$$""",
        "CREATE TRIGGER analytics_rollup_orders AFTER INSERT OR DELETE OR UPDATE ON orders "
        "FOR EACH ROW EXECUTE FUNCTION analytics_rollup_orders()",
        # A pair's size corrected after its sale: the order's copy follows (low stock by size).
        """
CREATE FUNCTION analytics_order_size() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE orders SET size = NEW.size WHERE inventory_item_id = NEW.id AND size <> NEW.size;
    RETURN NULL;
END
$$""",
        "CREATE TRIGGER analytics_order_size AFTER UPDATE OF size ON inventory_items FOR EACH ROW "
        "WHEN (OLD.size IS DISTINCT FROM NEW.size) EXECUTE FUNCTION analytics_order_size()",
    ]


# --- SQLite ------------------------------------------------------------------------------------

_SQLITE_TRIGGER_NAMES = (
    "analytics_items_insert",
    "analytics_items_delete",
    "analytics_items_update",
    "analytics_orders_insert",
    "analytics_orders_delete",
    "analytics_orders_update",
    "analytics_order_size",
)


def _sqlite_item_minus(row: str) -> list[str]:
    day = _day("sqlite", f"{row}.purchased_at")
    brand = f"(SELECT brand_id FROM products WHERE id = {row}.product_id)"
    stock_key = f"purchase_day = {day} AND brand_id = {brand} AND status = {row}.status"
    return [
        f"UPDATE purchases_daily SET units = units - 1, value = value - {row}.purchase_price "
        f"WHERE day = {day} AND brand_id = {brand};",
        f"DELETE FROM purchases_daily WHERE day = {day} AND brand_id = {brand} AND units = 0;",
        f"UPDATE stock_daily SET units = units - 1, value = value - {row}.purchase_price "
        f"WHERE {stock_key} AND {row}.status IN {IN_INVENTORY};",
        f"DELETE FROM stock_daily WHERE {stock_key} AND units = 0;",
    ]


def _sqlite_item_plus(row: str) -> list[str]:
    day = _day("sqlite", f"{row}.purchased_at")
    brand = f"(SELECT brand_id FROM products WHERE id = {row}.product_id)"
    # "WHERE true" before ON CONFLICT: SQLite's parser needs it after INSERT ... SELECT.
    return [
        "INSERT INTO purchases_daily (day, brand_id, units, value) "
        f"SELECT {day}, {brand}, 1, {row}.purchase_price WHERE true "
        "ON CONFLICT (day, brand_id) DO UPDATE SET units = units + 1, value = value + excluded.value;",
        "INSERT INTO stock_daily (purchase_day, brand_id, status, units, value) "
        f"SELECT {day}, {brand}, {row}.status, 1, {row}.purchase_price WHERE {row}.status IN {IN_INVENTORY} "
        "ON CONFLICT (purchase_day, brand_id, status) "
        "DO UPDATE SET units = units + 1, value = value + excluded.value;",
    ]


def _sqlite_order_minus(row: str) -> list[str]:
    day = _day("sqlite", f"{row}.sold_at")
    brand = f"(SELECT brand_id FROM products WHERE id = {row}.product_id)"
    key = f"day = {day} AND brand_id = {brand} AND platform = {row}.platform"
    days = _days_between("sqlite", f"{row}.purchased_at", f"{row}.sold_at")
    return [
        f"UPDATE sales_daily SET orders = orders - 1, revenue = revenue - {row}.sale_price, "
        f"cogs = cogs - {row}.purchase_price, payout = payout - {row}.payout, "
        f"platform_fees = platform_fees - {row}.platform_fee, "
        f"processing_fees = processing_fees - {row}.processing_fee, "
        f"shipping_costs = shipping_costs - {row}.shipping_cost, "
        f"days_to_sell_sum = days_to_sell_sum - {days} WHERE {key};",
        f"DELETE FROM sales_daily WHERE {key} AND orders = 0;",
    ]


def _sqlite_order_plus(row: str) -> list[str]:
    day = _day("sqlite", f"{row}.sold_at")
    brand = f"(SELECT brand_id FROM products WHERE id = {row}.product_id)"
    days = _days_between("sqlite", f"{row}.purchased_at", f"{row}.sold_at")
    return [
        "INSERT INTO sales_daily (day, brand_id, platform, orders, revenue, cogs, payout, platform_fees, "
        "processing_fees, shipping_costs, days_to_sell_sum) "
        f"SELECT {day}, {brand}, {row}.platform, 1, {row}.sale_price, {row}.purchase_price, {row}.payout, "
        f"{row}.platform_fee, {row}.processing_fee, {row}.shipping_cost, {days} WHERE true "
        "ON CONFLICT (day, brand_id, platform) DO UPDATE SET orders = orders + 1, "
        "revenue = revenue + excluded.revenue, cogs = cogs + excluded.cogs, "
        "payout = payout + excluded.payout, platform_fees = platform_fees + excluded.platform_fees, "
        "processing_fees = processing_fees + excluded.processing_fees, "
        "shipping_costs = shipping_costs + excluded.shipping_costs, "
        "days_to_sell_sum = days_to_sell_sum + excluded.days_to_sell_sum;",
    ]


def _trigger(name: str, event: str, body: list[str]) -> str:
    return f"CREATE TRIGGER {name} AFTER {event} FOR EACH ROW BEGIN " + " ".join(body) + " END"


def _sqlite_triggers() -> list[str]:
    return [
        _trigger("analytics_items_insert", "INSERT ON inventory_items", _sqlite_item_plus("NEW")),
        _trigger("analytics_items_delete", "DELETE ON inventory_items", _sqlite_item_minus("OLD")),
        _trigger(
            "analytics_items_update",
            "UPDATE OF status, purchase_price, purchased_at, product_id ON inventory_items",
            _sqlite_item_minus("OLD") + _sqlite_item_plus("NEW"),
        ),
        _trigger("analytics_orders_insert", "INSERT ON orders", _sqlite_order_plus("NEW")),
        _trigger("analytics_orders_delete", "DELETE ON orders", _sqlite_order_minus("OLD")),
        _trigger(
            "analytics_orders_update",
            "UPDATE ON orders",
            _sqlite_order_minus("OLD") + _sqlite_order_plus("NEW"),
        ),
        "CREATE TRIGGER analytics_order_size AFTER UPDATE OF size ON inventory_items FOR EACH ROW "
        "WHEN OLD.size IS NOT NEW.size BEGIN "
        "UPDATE orders SET size = NEW.size WHERE inventory_item_id = NEW.id; END",
    ]
