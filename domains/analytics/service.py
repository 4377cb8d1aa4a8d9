"""Analytics: the KPIs, inventory health and sales breakdowns of docs/domain.md, as a read model.

The AI assistant's tools and the REST API both call this service, so an answer and the dashboard
cannot disagree. Sums come from SQL (repository); this layer only turns sums into ratios."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession

from domains.analytics.repository import AGING_BUCKETS, AnalyticsRepository, Filters
from domains.analytics.schemas import (
    AgingBucket,
    BestSeller,
    BrandInventory,
    InventorySummary,
    Kpis,
    LowStockRow,
    PlatformSales,
    SeriesPoint,
    WindowOut,
)
from domains.analytics.windows import Window, last_n_days
from domains.pricing.platforms import PLATFORMS, normalize_platform
from shared.database.sql import GRAINS, Grain
from shared.database.types import to_money
from shared.error_handling.errors import NotFound, ValidationFailed

DEFAULT_DEAD_STOCK_DAYS = 60
MAX_DEAD_STOCK_DAYS = 3650
MAX_SERIES_POINTS = 400
LOW_STOCK_SALES_DAYS = 90
LOW_STOCK_MAX_UNITS = 1  # "at most 1 pair in inventory"
BY_BRAND_LIMIT = 10
ZERO = Decimal("0.00")


def percent(numerator: Decimal | int | float, denominator: Decimal | int | float) -> float | None:
    """numerator / denominator x 100, rounded to 2 places; None ("not available") when denominator is 0."""
    return ratio(Decimal(str(numerator)) * 100, denominator)


def ratio(numerator: Decimal | int | float, denominator: Decimal | int | float) -> float | None:
    den = Decimal(str(denominator))
    if den == 0:
        return None
    value = Decimal(str(numerator)) / den
    return float(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(
        f"Invalid request: {field}: {message}",
        details=[{"field": field, "message": message, "type": "value_error"}],
    )


def period_floor(day: date, grain: Grain) -> date:
    """First day of the day / ISO week (Monday) / month containing `day`."""
    if grain == "week":
        return day - timedelta(days=day.weekday())
    if grain == "month":
        return day.replace(day=1)
    return day


def next_period(day: date, grain: Grain) -> date:
    if grain == "day":
        return day + timedelta(days=1)
    if grain == "week":
        return day + timedelta(days=7)
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def series_periods(window: Window, grain: Grain) -> list[date]:
    """Every period start touching [start, end): from the period containing start to the one
    containing the last instant before end."""
    first = period_floor(window.start.date(), grain)
    last = period_floor((window.end - timedelta(microseconds=1)).date(), grain)
    periods = []
    current = first
    while current <= last:
        periods.append(current)
        current = next_period(current, grain)
    return periods


def count_periods(window: Window, grain: Grain) -> int:
    first = period_floor(window.start.date(), grain)
    last = period_floor((window.end - timedelta(microseconds=1)).date(), grain)
    if grain == "month":
        return (last.year - first.year) * 12 + last.month - first.month + 1
    return (last - first).days // (7 if grain == "week" else 1) + 1


class AnalyticsService:
    def __init__(self, session: AsyncSession, *, now: datetime | None = None) -> None:
        self.session = session
        self.now = (now or datetime.now(UTC)).astimezone(UTC)
        self.repository = AnalyticsRepository(session)

    # --- input ---------------------------------------------------------------------------

    async def _brand(self, brand: str | None) -> tuple[int, str] | None:
        if brand is None or not brand.strip():
            return None
        found = await self.repository.find_brand(brand)
        if found is None:
            raise NotFound(f"Brand {brand.strip()!r} not found", code="brand_not_found")
        return found

    @staticmethod
    def platform_code(platform: str | None) -> str | None:
        if platform is None or not platform.strip():
            return None
        code = normalize_platform(platform)
        if code is None:
            raise _invalid("platform", f"unknown platform; use one of {', '.join(PLATFORMS)}")
        return code

    @staticmethod
    def _dead_stock_days(days: int) -> int:
        if not 0 <= days <= MAX_DEAD_STOCK_DAYS:
            raise _invalid("dead_stock_days", f"must be between 0 and {MAX_DEAD_STOCK_DAYS}")
        return days

    @staticmethod
    def _window(window: Window) -> Window:
        if window.start >= window.end:
            raise _invalid("end", "the window must end after it starts")
        return window

    async def _filters(self, brand: str | None, platform: str | None) -> tuple[Filters, str | None]:
        code = self.platform_code(platform)
        found = await self._brand(brand)
        return Filters(brand_id=None if found is None else found[0], platform=code), (
            None if found is None else found[1]
        )

    # --- KPIs ----------------------------------------------------------------------------

    async def kpis(
        self,
        *,
        window: Window,
        dead_stock_days: int = DEFAULT_DEAD_STOCK_DAYS,
        brand: str | None = None,
        platform: str | None = None,
    ) -> Kpis:
        """Period sales KPIs over `window` plus inventory health now (one SQL round trip)."""
        window = self._window(window)
        dead_stock_days = self._dead_stock_days(dead_stock_days)
        filters, brand_name = await self._filters(brand, platform)
        row = await self.repository.kpi_figures(
            window=window, now=self.now, dead_stock_days=dead_stock_days, filters=filters
        )
        orders: int = row.orders
        revenue: Decimal = row.revenue
        cogs: Decimal = row.cogs
        profit: Decimal = row.profit
        units: int = row.units
        value: Decimal = row.value
        value_at_start = value - row.purchases_after_start + row.sales_cost_after_start
        value_at_end = value - row.purchases_after_end + row.sales_cost_after_end
        average_value = (value_at_start + value_at_end) / 2
        return Kpis(
            window=WindowOut.of(window),
            brand=brand_name,
            platform=filters.platform,
            revenue=revenue,
            orders=orders,
            avg_order_value=None if orders == 0 else to_money(revenue / orders),
            cogs=cogs,
            profit=profit,
            margin_pct=percent(profit, revenue),
            roi_pct=percent(profit, cogs),
            sell_through_pct=percent(orders, orders + units),
            days_to_sell=None if row.days_to_sell is None else round(float(row.days_to_sell), 2),
            inventory_turnover=ratio(cogs, average_value),
            units_in_inventory=units,
            inventory_value=value,
            dead_stock_units=row.dead_units,
            dead_stock_rate_pct=percent(row.dead_units, units),
            dead_stock_days=dead_stock_days,
        )

    # --- inventory -----------------------------------------------------------------------

    async def inventory_summary(
        self, *, dead_stock_days: int = DEFAULT_DEAD_STOCK_DAYS, brand: str | None = None
    ) -> InventorySummary:
        """Pairs in inventory now: units, value, dead stock and aging buckets."""
        dead_stock_days = self._dead_stock_days(dead_stock_days)
        found = await self._brand(brand)
        brand_id = None if found is None else found[0]
        row = await self.repository.inventory_now(
            now=self.now, dead_stock_days=dead_stock_days, brand_id=brand_id
        )
        by_brand = await self.repository.inventory_by_brand(brand_id=brand_id, limit=BY_BRAND_LIMIT)
        return InventorySummary(
            brand=None if found is None else found[1],
            units_in_inventory=row.units,
            inventory_value=row.value,
            in_stock_units=row.in_stock_units,
            listed_units=row.listed_units,
            dead_stock_units=row.dead_units,
            dead_stock_value=row.dead_value,
            dead_stock_rate_pct=percent(row.dead_units, row.units),
            dead_stock_days=dead_stock_days,
            aging_buckets=[
                AgingBucket(
                    label=label,
                    units=getattr(row, f"bucket{index}_units"),
                    value=getattr(row, f"bucket{index}_value"),
                )
                for index, (label, _youngest, _oldest) in enumerate(AGING_BUCKETS)
            ],
            by_brand=[BrandInventory(brand=r.brand, units=r.units, value=r.value) for r in by_brand],
        )

    # --- sales breakdowns ----------------------------------------------------------------

    async def best_sellers(
        self,
        *,
        window: Window,
        by: Literal["brand", "product"] = "product",
        limit: int = 10,
        brand: str | None = None,
        platform: str | None = None,
    ) -> list[BestSeller]:
        """Brands or products ranked by units sold in the window; ties by revenue, then name."""
        window = self._window(window)
        if by not in ("brand", "product"):
            raise _invalid("by", "must be 'brand' or 'product'")
        if not 1 <= limit <= 100:
            raise _invalid("limit", "must be between 1 and 100")
        filters, _brand_name = await self._filters(brand, platform)
        rows = await self.repository.best_sellers(window=window, by=by, limit=limit, filters=filters)
        return [
            BestSeller(
                rank=position,
                key=r.key,
                name=r.name,
                brand=r.brand,
                units=r.units,
                revenue=r.revenue,
                profit=r.profit,
            )
            for position, r in enumerate(rows, start=1)
        ]

    async def sales_by_platform(self, *, window: Window, brand: str | None = None) -> list[PlatformSales]:
        """Orders, revenue, fees, payout and profit per platform in the window (by revenue)."""
        window = self._window(window)
        filters, _brand_name = await self._filters(brand, None)
        rows = await self.repository.sales_by_platform(window=window, filters=filters)
        return [
            PlatformSales(
                platform=r.platform,
                orders=r.orders,
                revenue=r.revenue,
                platform_fees=r.platform_fees,
                processing_fees=r.processing_fees,
                shipping_costs=r.shipping_costs,
                payout=r.payout,
                profit=r.profit,
                margin_pct=percent(r.profit, r.revenue),
                avg_sale_price=None if r.orders == 0 else to_money(r.revenue / r.orders),
            )
            for r in rows
        ]

    async def time_series(
        self,
        *,
        window: Window,
        grain: Literal["day", "week", "month"] = "month",
        brand: str | None = None,
        platform: str | None = None,
    ) -> list[SeriesPoint]:
        """Revenue, profit and orders per day / ISO week (Monday) / month, empty periods as zeros."""
        window = self._window(window)
        if grain not in GRAINS:
            raise _invalid("grain", "must be day, week or month")
        if count_periods(window, grain) > MAX_SERIES_POINTS:
            raise _invalid(
                "grain",
                f"the window spans more than {MAX_SERIES_POINTS} {grain}s; use a coarser grain "
                "or a shorter window",
            )
        filters, _brand_name = await self._filters(brand, platform)
        rows = await self.repository.time_series(window=window, grain=grain, filters=filters)
        found: dict[date, Any] = {date.fromisoformat(str(r.period_start)[:10]): r for r in rows}
        points = []
        for start in series_periods(window, grain):
            r = found.get(start)
            points.append(
                SeriesPoint(period_start=start, revenue=ZERO, profit=ZERO, orders=0)
                if r is None
                else SeriesPoint(period_start=start, revenue=r.revenue, profit=r.profit, orders=r.orders)
            )
        return points

    # --- low stock -----------------------------------------------------------------------

    async def low_stock(
        self, *, by_size: bool = False, limit: int = 50, offset: int = 0
    ) -> tuple[list[LowStockRow], int]:
        """Products (or product + size) sold in the last 90 days with at most 1 pair in inventory."""
        if not 1 <= limit <= 500:
            raise _invalid("limit", "must be between 1 and 500")
        if offset < 0:
            raise _invalid("offset", "must be 0 or more")
        window = last_n_days(LOW_STOCK_SALES_DAYS, self.now)
        rows, total = await self.repository.low_stock(
            window=window, by_size=by_size, max_units=LOW_STOCK_MAX_UNITS, limit=limit, offset=offset
        )
        return [
            LowStockRow(
                product_id=r.product_id,
                sku=r.sku,
                name=r.name,
                brand=r.brand,
                size=r.size if by_size else None,
                units_in_inventory=r.units_in_inventory,
                units_sold_90d=r.units_sold,
            )
            for r in rows
        ], total
