"""sales_hourly and stock_hourly, kept by triggers: the partial days at a window's edges

A window that ends now (this year, the last 30 days) has a partial day at each end; a dead-stock or
aging question has an age line inside a purchase day. The semantic query read those days from the
raw rows: ~1 day of sales (50,000 orders on the 10M-pair demo data) per question. With the hours
rolled up it reads only the partial hour at each end from the raw rows
(domains/analytics/semantic/plan.py).

1. sales_hourly(hour, brand_id, platform, ...): sales_daily's sums by UTC hour of sold_at.
2. stock_hourly(purchase_hour, brand_id, status, units, value): stock_daily's by UTC hour of
   purchased_at.
`hour` is the UTC hour's start as a timestamp (SQLite: 'YYYY-MM-DD HH:00:00.000000', the format
SQLAlchemy stores UTC instants in). Maintained like 0004's rollups by row triggers named
analytics_* (bulk loads switch them off and call domains.analytics.rollups.rebuild_rollups); the
same NOTE as 0004 applies to a later batch_alter_table on inventory_items or orders.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 18:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

import shared.database.types
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

IN_INVENTORY = "('in_stock', 'listed')"
_SALES_SUMS = ("revenue", "cogs", "payout", "platform_fees", "processing_fees", "shipping_costs")
_ORDER_COLUMNS = ("sale_price", "purchase_price", "payout", "platform_fee", "processing_fee", "shipping_cost")
_SQLITE_TRIGGER_NAMES = (
    "analytics_hourly_items_insert",
    "analytics_hourly_items_delete",
    "analytics_hourly_items_update",
    "analytics_hourly_orders_insert",
    "analytics_hourly_orders_delete",
    "analytics_hourly_orders_update",
)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    money = shared.database.types.Money
    hour = shared.database.types.UTCDateTime(timezone=True)
    op.create_table(
        "sales_hourly",
        sa.Column("hour", hour, nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=20), nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
        *(sa.Column(name, money(), nullable=False) for name in _SALES_SUMS),
        sa.Column("days_to_sell_sum", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("hour", "brand_id", "platform", name=op.f("pk_sales_hourly")),
    )
    op.create_table(
        "stock_hourly",
        sa.Column("purchase_hour", hour, nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("units", sa.Integer(), nullable=False),
        sa.Column("value", money(), nullable=False),
        sa.PrimaryKeyConstraint("purchase_hour", "brand_id", "status", name=op.f("pk_stock_hourly")),
    )
    for statement in _postgres_triggers() if dialect == "postgresql" else _sqlite_triggers():
        op.execute(statement)
    item_hour, sale_hour = _hour(dialect, "i.purchased_at"), _hour(dialect, "o.sold_at")
    op.execute(
        "INSERT INTO stock_hourly (purchase_hour, brand_id, status, units, value) "
        f"SELECT {item_hour}, p.brand_id, i.status, count(*), sum(i.purchase_price) "
        "FROM inventory_items i JOIN products p ON p.id = i.product_id "
        f"WHERE i.status IN {IN_INVENTORY} GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
    )
    op.execute(
        f"INSERT INTO sales_hourly (hour, brand_id, platform, orders, {', '.join(_SALES_SUMS)}, days_to_sell_sum) "
        f"SELECT {sale_hour}, p.brand_id, o.platform, count(*), "
        + ", ".join(f"sum(o.{column})" for column in _ORDER_COLUMNS)
        + f", sum({_days_between(dialect, 'o.purchased_at', 'o.sold_at')}) "
        "FROM orders o JOIN products p ON p.id = o.product_id GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS analytics_hourly_items ON inventory_items")
        op.execute("DROP TRIGGER IF EXISTS analytics_hourly_orders ON orders")
        op.execute("DROP FUNCTION IF EXISTS analytics_hourly_items()")
        op.execute("DROP FUNCTION IF EXISTS analytics_hourly_orders()")
    else:
        for name in _SQLITE_TRIGGER_NAMES:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_table("stock_hourly")
    op.drop_table("sales_hourly")


def _hour(dialect: str, column: str) -> str:
    """The start of the UTC hour of a timestamp, whatever the session's time zone."""
    if dialect == "postgresql":
        return f"(date_trunc('hour', {column} AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')"
    return f"strftime('%Y-%m-%d %H:00:00.000000', {column})"


def _days_between(dialect: str, start: str, end: str) -> str:
    if dialect == "postgresql":
        return f"(extract(epoch FROM {end} - {start}) / 86400.0)::float8"
    return f"(julianday({end}) - julianday({start}))"


def _target(dialect: str, table: str) -> tuple[str, str]:
    """The INSERT target and how its current row is named in DO UPDATE (SQLite: no alias)."""
    return (f"{table} AS r", "r.") if dialect == "postgresql" else (table, "")


def _brand(row: str) -> str:
    return f"(SELECT brand_id FROM products WHERE id = {row}.product_id)"


# One statement list per change, shared by both dialects' triggers.


def _stock_minus(dialect: str, row: str) -> list[str]:
    key = f"purchase_hour = {_hour(dialect, f'{row}.purchased_at')} AND brand_id = {_brand(row)} AND status = {row}.status"
    return [
        f"UPDATE stock_hourly SET units = units - 1, value = value - {row}.purchase_price "
        f"WHERE {key} AND {row}.status IN {IN_INVENTORY};",
        f"DELETE FROM stock_hourly WHERE {key} AND units = 0;",
    ]


def _stock_plus(dialect: str, row: str) -> list[str]:
    # "WHERE ..." before ON CONFLICT: SQLite's parser needs a WHERE after INSERT ... SELECT.
    target, r = _target(dialect, "stock_hourly")
    return [
        f"INSERT INTO {target} (purchase_hour, brand_id, status, units, value) "
        f"SELECT {_hour(dialect, f'{row}.purchased_at')}, {_brand(row)}, {row}.status, 1, {row}.purchase_price "
        f"WHERE {row}.status IN {IN_INVENTORY} "
        "ON CONFLICT (purchase_hour, brand_id, status) "
        f"DO UPDATE SET units = {r}units + 1, value = {r}value + excluded.value;",
    ]


def _sales_minus(dialect: str, row: str) -> list[str]:
    key = f"hour = {_hour(dialect, f'{row}.sold_at')} AND brand_id = {_brand(row)} AND platform = {row}.platform"
    sums = ", ".join(
        f"{name} = {name} - {row}.{column}" for name, column in zip(_SALES_SUMS, _ORDER_COLUMNS, strict=True)
    )
    days = _days_between(dialect, f"{row}.purchased_at", f"{row}.sold_at")
    return [
        f"UPDATE sales_hourly SET orders = orders - 1, {sums}, days_to_sell_sum = days_to_sell_sum - {days} "
        f"WHERE {key};",
        f"DELETE FROM sales_hourly WHERE {key} AND orders = 0;",
    ]


def _sales_plus(dialect: str, row: str) -> list[str]:
    values = ", ".join(f"{row}.{column}" for column in _ORDER_COLUMNS)
    days = _days_between(dialect, f"{row}.purchased_at", f"{row}.sold_at")
    target, r = _target(dialect, "sales_hourly")
    updates = ", ".join(
        f"{name} = {r}{name} + excluded.{name}" for name in (*_SALES_SUMS, "days_to_sell_sum")
    )
    return [
        f"INSERT INTO {target} (hour, brand_id, platform, orders, {', '.join(_SALES_SUMS)}, days_to_sell_sum) "
        f"SELECT {_hour(dialect, f'{row}.sold_at')}, {_brand(row)}, {row}.platform, 1, {values}, {days} WHERE true "
        f"ON CONFLICT (hour, brand_id, platform) DO UPDATE SET orders = {r}orders + 1, {updates};",
    ]


def _postgres_function(name: str, minus: list[str], plus: list[str]) -> str:
    return f"""
CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        {" ".join(minus)}
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        {" ".join(plus)}
    END IF;
    RETURN NULL;
END
$$"""


def _postgres_triggers() -> list[str]:
    dialect = "postgresql"
    return [
        _postgres_function(
            "analytics_hourly_items", _stock_minus(dialect, "OLD"), _stock_plus(dialect, "NEW")
        ),
        "CREATE TRIGGER analytics_hourly_items AFTER INSERT OR DELETE OR UPDATE OF status, purchase_price, "
        "purchased_at, product_id ON inventory_items FOR EACH ROW EXECUTE FUNCTION analytics_hourly_items()",
        _postgres_function(
            "analytics_hourly_orders", _sales_minus(dialect, "OLD"), _sales_plus(dialect, "NEW")
        ),
        "CREATE TRIGGER analytics_hourly_orders AFTER INSERT OR DELETE OR UPDATE ON orders "
        "FOR EACH ROW EXECUTE FUNCTION analytics_hourly_orders()",
    ]


def _trigger(name: str, event: str, body: list[str]) -> str:
    return f"CREATE TRIGGER {name} AFTER {event} FOR EACH ROW BEGIN " + " ".join(body) + " END"


def _sqlite_triggers() -> list[str]:
    items_insert, items_delete, items_update, orders_insert, orders_delete, orders_update = (
        _SQLITE_TRIGGER_NAMES
    )
    dialect = "sqlite"
    return [
        _trigger(items_insert, "INSERT ON inventory_items", _stock_plus(dialect, "NEW")),
        _trigger(items_delete, "DELETE ON inventory_items", _stock_minus(dialect, "OLD")),
        _trigger(
            items_update,
            "UPDATE OF status, purchase_price, purchased_at, product_id ON inventory_items",
            _stock_minus(dialect, "OLD") + _stock_plus(dialect, "NEW"),
        ),
        _trigger(orders_insert, "INSERT ON orders", _sales_plus(dialect, "NEW")),
        _trigger(orders_delete, "DELETE ON orders", _sales_minus(dialect, "OLD")),
        _trigger(
            orders_update, "UPDATE ON orders", _sales_minus(dialect, "OLD") + _sales_plus(dialect, "NEW")
        ),
    ]
