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


STABLE_CENTS = 100


def _reaches_margin(
    schedule: FeeSchedule, price: Decimal, *, cost: Decimal, margin_pct: Decimal, shipping_cost: Decimal
) -> bool:
    payout = compute_fees(schedule, sale_price=price, shipping_cost=shipping_cost).payout
    return payout - cost >= price * margin_pct / HUNDRED


def price_for_margin(
    schedule: FeeSchedule,
    *,
    cost: Decimal,
    margin_pct: Decimal,
    shipping_cost: Decimal = Decimal("0"),
) -> Decimal | None:
    """The lowest sale price from which on profit (payout - cost) is at least `margin_pct` % of the price.

    None when no price can reach it (fees + margin take 100 % or more of every extra euro).
    Fee thresholds (eBay) and minimum commissions make fees piecewise linear, so each piece is
    solved in closed form and the candidates are then checked and walked to the exact cent.
    """
    margin = margin_pct / HUNDRED
    rates = {schedule.commission_pct}
    if schedule.commission_pct_below_threshold is not None:
        rates.add(schedule.commission_pct_below_threshold)
    fixed = cost + shipping_cost + schedule.fixed_fee
    candidates: list[Decimal] = []
    for rate in rates:
        keep = 1 - (rate + schedule.processing_pct) / HUNDRED - margin
        if keep > 0:
            candidates.append(fixed / keep)
    # The minimum-commission piece: commission is a constant there.
    keep = 1 - schedule.processing_pct / HUNDRED - margin
    if keep > 0:
        candidates.append((fixed + schedule.min_commission) / keep)
    if schedule.threshold_price is not None:
        candidates.append(schedule.threshold_price)
    found: list[Decimal] = []
    for guess in candidates:
        price = max(to_money(guess), Decimal("0.01"))
        # Walk up (at most 1 % of the guess or 5.00) until the margin is reached, then down to the cent.
        for _ in range(500):
            if _reaches_margin(
                schedule, price, cost=cost, margin_pct=margin_pct, shipping_cost=shipping_cost
            ):
                break
            price += Decimal("0.01")
        else:
            continue
        for _ in range(500):
            lower = price - Decimal("0.01")
            if lower <= 0 or not _reaches_margin(
                schedule, lower, cost=cost, margin_pct=margin_pct, shipping_cost=shipping_cost
            ):
                break
            price = lower
        # Cent rounding of each fee makes the margin flicker near the crossing (147.05 reaches it,
        # 147.06 not): the floor is where it holds for every price of the next euro.
        step = 1
        while step <= STABLE_CENTS:
            above = price + Decimal(step) / 100
            if _reaches_margin(
                schedule, above, cost=cost, margin_pct=margin_pct, shipping_cost=shipping_cost
            ):
                step += 1
            else:
                price, step = above + Decimal("0.01"), 1
        found.append(price)
    return min(found) if found else None
