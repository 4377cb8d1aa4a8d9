"""Pricing rules: date-versioned fee schedules, market observations and price recommendations.

Other domains (orders, analytics, the AI tools) call this service; it calls the products and
inventory domains only through their services.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domains.inventory.schemas import InventoryFilters, ItemOut
from domains.inventory.service import InventoryService
from domains.pricing.fees import HUNDRED, compute_fees, price_for_margin
from domains.pricing.models import FeeSchedule, MarketPrice
from domains.pricing.platforms import PLATFORMS, normalize_platform
from domains.pricing.repository import PricingRepository
from domains.pricing.schemas import (
    Confidence,
    FeeEstimate,
    FeeScheduleCreate,
    FeeScheduleOut,
    ListingComparison,
    ListingPosition,
    MarketPriceCreate,
    MarketPriceOut,
    MarketSnapshot,
    PriceRecommendation,
)
from domains.products.service import ProductService
from shared.config.settings import Settings, get_settings
from shared.database.base import utcnow
from shared.database.types import to_money
from shared.error_handling.errors import Conflict, NotFound, ValidationFailed

DEFAULT_PLATFORM = "stockx"
# Age rules of a recommendation (days since purchase).
UNDERCUT_AFTER_DAYS = 60
FLOOR_AFTER_DAYS = 90
UNDERCUT_PCT = Decimal(5)
# Market data older than this gives at most medium confidence.
FRESH_MARKET_DAYS = 14


def _margin_pct(profit: Decimal, price: Decimal) -> float | None:
    return None if price <= 0 else round(float(profit / price * HUNDRED), 2)


def _euro(value: Decimal) -> str:
    return f"{to_money(value):,.2f}"


class PricingService:
    def __init__(
        self, session: AsyncSession, *, now: datetime | None = None, settings: Settings | None = None
    ) -> None:
        self.session = session
        self.now = now
        self.settings = settings or get_settings()
        self.repo = PricingRepository(session)

    def _now(self) -> datetime:
        return self.now or utcnow()

    @staticmethod
    def _platform(value: str) -> str:
        platform = normalize_platform(value)
        if platform is None:
            raise NotFound(
                f"Unknown platform {value!r}; known: {', '.join(PLATFORMS)}", code="unknown_platform"
            )
        return platform

    # --- fee schedules ---------------------------------------------------------------------------

    async def fee_schedule(self, *, platform: str, at: datetime | None = None) -> FeeSchedule:
        """The version of `platform`'s fees valid at `at` (default now)."""
        key = self._platform(platform)
        when = at or self._now()
        schedule = await self.repo.fee_schedule_valid_at(platform=key, at=when)
        if schedule is None:
            raise NotFound(
                f"No {PLATFORMS[key]} fee schedule is valid at {when.isoformat()}",
                code="fee_schedule_not_found",
            )
        return schedule

    async def current_fee_schedules(self) -> list[FeeScheduleOut]:
        rows = await self.repo.current_fee_schedules(at=self._now())
        return [FeeScheduleOut.model_validate(row) for row in rows]

    async def fee_history(
        self, *, platform: str, limit: int = 50, offset: int = 0
    ) -> tuple[list[FeeScheduleOut], int]:
        """Every version of a platform's fees, newest first."""
        rows, total = await self.repo.fee_history(
            platform=self._platform(platform), limit=limit, offset=offset
        )
        return [FeeScheduleOut.model_validate(row) for row in rows], total

    async def create_fee_schedule(self, *, data: FeeScheduleCreate) -> FeeScheduleOut:
        """Add a version; it applies to sales from `valid_from` on (earlier sales keep theirs)."""
        if await self.repo.fee_version_exists(platform=data.platform, valid_from=data.valid_from):
            raise Conflict(
                f"{PLATFORMS[data.platform]} already has a fee version valid from "
                f"{data.valid_from.isoformat()}",
                code="fee_version_exists",
            )
        row = FeeSchedule(**data.model_dump())
        try:
            await self.repo.add(row)
        except IntegrityError as exc:  # a concurrent request added the same version
            raise Conflict("That fee version was just added", code="fee_version_exists") from exc
        return FeeScheduleOut.model_validate(row)

    async def estimate_fees(
        self,
        *,
        platform: str,
        sale_price: Decimal,
        shipping_cost: Decimal = Decimal(0),
        at: datetime | None = None,
    ) -> FeeEstimate:
        if sale_price < 0 or shipping_cost < 0:
            raise ValidationFailed("sale_price and shipping_cost must not be negative")
        schedule = await self.fee_schedule(platform=platform, at=at)
        fees = compute_fees(schedule, sale_price=Decimal(sale_price), shipping_cost=Decimal(shipping_cost))
        return FeeEstimate(
            platform=schedule.platform,
            sale_price=fees.sale_price,
            platform_fee=fees.platform_fee,
            processing_fee=fees.processing_fee,
            shipping_cost=fees.shipping_cost,
            payout=fees.payout,
            fee_schedule_id=schedule.id,
            valid_from=schedule.valid_from,
        )

    # --- market prices ---------------------------------------------------------------------------

    async def record_market_price(self, *, data: MarketPriceCreate) -> MarketPriceOut:
        products = ProductService(self.session)
        if data.product_id is not None:
            product = await products.get_product(data.product_id)
        else:
            assert data.sku is not None  # the schema requires one of them
            product = await products.get_by_sku(data.sku)
        observed_at = data.observed_at or self._now()
        if observed_at > self._now() + timedelta(minutes=5):
            raise ValidationFailed(
                "observed_at lies in the future",
                details=[{"field": "observed_at", "message": "must not be in the future"}],
            )
        row = MarketPrice(
            product_id=product.id,
            size=data.size,
            platform=data.platform,
            observed_at=observed_at,
            lowest_ask=data.lowest_ask,
            highest_bid=data.highest_bid,
            last_sale=data.last_sale,
        )
        await self.repo.add(row)
        return self._market_out(row, sku=product.sku)

    async def latest_market_prices(
        self, *, product_id: int, size: str | None = None, platform: str | None = None
    ) -> list[MarketPriceOut]:
        """The newest observation per (size, platform) of a product."""
        key = self._platform(platform) if platform is not None else None
        sku = await self._sku_of(product_id)
        rows = await self.repo.latest_market_prices(product_ids=[product_id], size=size, platform=key)
        return [self._market_out(row, sku=sku) for row in rows]

    async def market_history(
        self,
        *,
        product_id: int,
        size: str | None,
        platform: str | None,
        start: datetime | None,
        end: datetime | None,
        limit: int,
        offset: int,
    ) -> tuple[list[MarketPriceOut], int]:
        """Observations of a product, newest first; `start` inclusive, `end` exclusive."""
        key = self._platform(platform) if platform is not None else None
        sku = await self._sku_of(product_id)
        rows, total = await self.repo.market_history(
            product_id=product_id,
            size=size,
            platform=key,
            start=start,
            end=end,
            limit=limit,
            offset=offset,
        )
        return [self._market_out(row, sku=sku) for row in rows], total

    async def _sku_of(self, product_id: int) -> str:
        product = await ProductService(self.session).get_product(product_id)
        return product.sku

    @staticmethod
    def _market_out(row: MarketPrice, *, sku: str | None) -> MarketPriceOut:
        out = MarketPriceOut.model_validate(row)
        out.sku = sku
        return out

    # --- listings and recommendations ------------------------------------------------------------

    async def listings(self, *, limit: int = 50, offset: int = 0) -> tuple[list[ListingComparison], int]:
        """Listed pairs with their listed price against the newest lowest ask (same platform first)."""
        items, total = await InventoryService(self.session, now=self.now).list_items(
            filters=InventoryFilters(status="listed"), limit=limit, offset=offset
        )
        observations = await self.repo.latest_market_prices_for_pairs(
            pairs=[(item.product_id, item.size) for item in items]
        )
        by_pair: dict[tuple[int, str], list[MarketPrice]] = {}
        for row in observations:
            by_pair.setdefault((row.product_id, row.size), []).append(row)
        return [
            self._compare_listing(item, by_pair.get((item.product_id, item.size), [])) for item in items
        ], total

    @staticmethod
    def _compare_listing(item: ItemOut, observations: Sequence[MarketPrice]) -> ListingComparison:
        asks = [row for row in observations if row.lowest_ask is not None]
        same_platform = [row for row in asks if row.platform == item.listed_platform]
        candidates = same_platform or asks
        market = min(candidates, key=lambda row: row.lowest_ask or Decimal(0)) if candidates else None
        difference: Decimal | None = None
        difference_pct: float | None = None
        position: ListingPosition = "no_market_data"
        if market is not None and market.lowest_ask is not None and item.listed_price is not None:
            difference = to_money(item.listed_price - market.lowest_ask)
            difference_pct = round(float(difference / market.lowest_ask * HUNDRED), 2)
            position = "above_market" if difference > 0 else "below_market" if difference < 0 else "at_market"
        return ListingComparison(
            item_id=item.id,
            sku=item.sku,
            product_name=item.product_name,
            size=item.size,
            age_days=item.age_days,
            purchase_price=item.purchase_price,
            listed_price=item.listed_price,
            listed_platform=item.listed_platform,
            market_platform=market.platform if market else None,
            lowest_ask=market.lowest_ask if market else None,
            observed_at=market.observed_at if market else None,
            difference=difference,
            difference_pct=difference_pct,
            position=position,
        )

    async def recommend_price(
        self, *, item_id: int, target_margin_pct: float | None = None, platform: str | None = None
    ) -> PriceRecommendation:
        """A listing price for one pair from market data, fees, its age and the target margin."""
        key = self._platform(platform) if platform is not None else DEFAULT_PLATFORM
        target = self.settings.TARGET_MARGIN_PCT if target_margin_pct is None else target_margin_pct
        if not 0 <= target <= 95:
            raise ValidationFailed(
                "target_margin_pct must be between 0 and 95",
                details=[{"field": "target_margin_pct", "message": "must be between 0 and 95"}],
            )
        item = await InventoryService(self.session, now=self.now).get_item(item_id)
        if item.status == "sold":
            raise Conflict(f"Item {item_id} is already sold", code="already_sold")
        schedule = await self.fee_schedule(platform=key)
        floor = price_for_margin(schedule, cost=item.purchase_price, margin_pct=Decimal(str(target)))
        name = PLATFORMS[key]
        reasoning: list[str] = []

        observations = await self.repo.latest_market_prices(product_ids=[item.product_id], size=item.size)
        market = next((row for row in observations if row.platform == key), None)
        confidence: Confidence = "high"
        if market is None and observations:
            market = max(observations, key=lambda row: row.observed_at)
            confidence = "medium"
            reasoning.append(
                f"No {name} market data for size {item.size}; used {PLATFORMS.get(market.platform, market.platform)} "
                "figures instead."
            )
        if market is not None and self._now() - market.observed_at > timedelta(days=FRESH_MARKET_DAYS):
            confidence = "medium"
            reasoning.append(f"The market figures are {(self._now() - market.observed_at).days} days old.")

        anchor, anchor_name = self._market_anchor(market)
        if floor is None:
            reasoning.append(
                f"No price reaches a {target:g}% margin after {name} fees "
                f"({schedule.commission_pct}% + {schedule.processing_pct}% + {_euro(schedule.fixed_fee)} fixed)."
            )
        else:
            reasoning.append(
                f"Floor price {_euro(floor)}: the lowest {name} price whose payout after fees "
                f"still leaves a {target:g}% margin on the {_euro(item.purchase_price)} purchase price."
            )

        if anchor is None:
            confidence = "low"
            price = floor if floor is not None else self._break_even(schedule, item.purchase_price)
            reasoning.append(
                f"No market data for {item.sku} size {item.size}: recommending the "
                + (
                    "floor price."
                    if floor is not None
                    else "break-even price (the target margin is unreachable)."
                )
            )
        else:
            assert market is not None
            reasoning.append(
                f"Anchored on the {anchor_name} of {_euro(anchor)} on "
                f"{PLATFORMS.get(market.platform, market.platform)} "
                f"(observed {market.observed_at.date().isoformat()})."
            )
            if item.age_days > FLOOR_AFTER_DAYS and floor is not None:
                price = floor
                reasoning.append(
                    f"The pair is {item.age_days} days old (over {FLOOR_AFTER_DAYS}): going to the floor "
                    "price to sell it."
                )
            elif item.age_days > UNDERCUT_AFTER_DAYS:
                price = to_money(anchor * (HUNDRED - UNDERCUT_PCT) / HUNDRED)
                reasoning.append(
                    f"The pair is {item.age_days} days old (over {UNDERCUT_AFTER_DAYS}): undercutting the "
                    f"{anchor_name} by {UNDERCUT_PCT}% to {_euro(price)}."
                )
            else:
                price = anchor
                reasoning.append(f"The pair is {item.age_days} days old: no age markdown.")
            if floor is not None and price < floor:
                at_market = compute_fees(schedule, sale_price=price).payout - item.purchase_price
                margin_at_market = _margin_pct(at_market, price)
                reasoning.append(
                    f"{_euro(price)} is below the floor (margin there: "
                    f"{'n/a' if margin_at_market is None else f'{margin_at_market:g}%'}); "
                    f"holding at the floor price {_euro(floor)}."
                )
                price = floor
                if confidence == "high":
                    confidence = "medium"

        fees = compute_fees(schedule, sale_price=price)
        profit = fees.payout - item.purchase_price
        reasoning.append(
            f"{name} fees at {_euro(price)}: platform fee {_euro(fees.platform_fee)} + processing "
            f"{_euro(fees.processing_fee)}, payout {_euro(fees.payout)}, profit {_euro(profit)}."
        )
        return PriceRecommendation(
            item_id=item.id,
            sku=item.sku,
            product_name=item.product_name,
            size=item.size,
            platform=key,
            age_days=item.age_days,
            purchase_price=item.purchase_price,
            market=MarketSnapshot(
                platform=market.platform if market else None,
                lowest_ask=market.lowest_ask if market else None,
                highest_bid=market.highest_bid if market else None,
                last_sale=market.last_sale if market else None,
                observed_at=market.observed_at if market else None,
            ),
            recommended_price=price,
            floor_price=floor,
            expected_payout=fees.payout,
            expected_profit=to_money(profit),
            expected_margin_pct=_margin_pct(profit, price),
            target_margin_pct=target,
            reasoning=reasoning,
            confidence=confidence,
        )

    @staticmethod
    def _market_anchor(market: MarketPrice | None) -> tuple[Decimal | None, str]:
        """The figure a listing competes with: the lowest ask, else the last sale, else the highest bid."""
        if market is None:
            return None, ""
        if market.lowest_ask is not None:
            return market.lowest_ask, "lowest ask"
        if market.last_sale is not None:
            return market.last_sale, "last sale"
        if market.highest_bid is not None:
            return market.highest_bid, "highest bid"
        return None, ""

    @staticmethod
    def _break_even(schedule: FeeSchedule, cost: Decimal) -> Decimal:
        return price_for_margin(schedule, cost=cost, margin_pct=Decimal(0)) or to_money(cost)
