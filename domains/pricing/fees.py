"""Fee arithmetic of a platform's fee schedule (see models.FeeSchedule). Pure; no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from domains.pricing.models import FeeSchedule
from shared.database.types import to_money

HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True)
class FeeBreakdown:
    platform: str
    sale_price: Decimal
    platform_fee: Decimal
    processing_fee: Decimal
    shipping_cost: Decimal

    @property
    def payout(self) -> Decimal:
        return self.sale_price - self.platform_fee - self.processing_fee - self.shipping_cost

    @property
    def total_fees(self) -> Decimal:
        return self.platform_fee + self.processing_fee


def compute_fees(
    schedule: FeeSchedule, *, sale_price: Decimal, shipping_cost: Decimal = Decimal("0")
) -> FeeBreakdown:
    pct = schedule.commission_pct
    if (
        schedule.threshold_price is not None
        and schedule.commission_pct_below_threshold is not None
        and sale_price < schedule.threshold_price
    ):
        pct = schedule.commission_pct_below_threshold
    commission = max(sale_price * pct / HUNDRED, schedule.min_commission)
    platform_fee = to_money(commission + schedule.fixed_fee) if sale_price > 0 else to_money(0)
    processing_fee = to_money(sale_price * schedule.processing_pct / HUNDRED)
    return FeeBreakdown(
        platform=schedule.platform,
        sale_price=to_money(sale_price),
        platform_fee=platform_fee,
        processing_fee=processing_fee,
        shipping_cost=to_money(shipping_cost),
    )


def price_for_net(schedule: FeeSchedule, *, net: Decimal, shipping_cost: Decimal = Decimal("0")) -> Decimal:
    """The lowest sale price whose payout reaches `net` (inverse of compute_fees), to the cent."""
    pct = schedule.commission_pct + schedule.processing_pct
    guess = (net + shipping_cost + schedule.fixed_fee) / (1 - pct / HUNDRED) if pct < HUNDRED else net
    price = to_money(guess)
    # Thresholds and minimums make the inverse piecewise: walk to the exact cent.
    for _ in range(10_000):
        if compute_fees(schedule, sale_price=price, shipping_cost=shipping_cost).payout >= net:
            lower = price - Decimal("0.01")
            if (
                lower <= 0
                or compute_fees(schedule, sale_price=lower, shipping_cost=shipping_cost).payout < net
            ):
                return price
            price = lower
        else:
            price += Decimal("0.01")
    return price
