"""What the assistant's answers are estimated to cost: list prices per model, in USD.

Estimates for budgeting and the usage report, not invoices.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

# USD per 1M tokens (input, output), list prices; matched by the longest model-name prefix.
# Estimates for budgeting, not invoices. The built-in engine costs nothing.
PRICES_PER_MILLION: dict[str, tuple[Decimal, Decimal]] = {
    "gpt-4o-mini": (Decimal("0.15"), Decimal("0.60")),
    "gpt-4o": (Decimal("2.50"), Decimal("10.00")),
    "gpt-4.1-nano": (Decimal("0.10"), Decimal("0.40")),
    "gpt-4.1-mini": (Decimal("0.40"), Decimal("1.60")),
    "gpt-4.1": (Decimal("2.00"), Decimal("8.00")),
    "gpt-4-turbo": (Decimal("10.00"), Decimal("30.00")),
    "gpt-4": (Decimal("30.00"), Decimal("60.00")),
    "gpt-3.5-turbo": (Decimal("0.50"), Decimal("1.50")),
    "o4-mini": (Decimal("1.10"), Decimal("4.40")),
    "claude-3-5-haiku": (Decimal("0.80"), Decimal("4.00")),
    "claude-3-haiku": (Decimal("0.25"), Decimal("1.25")),
    "claude-haiku-4": (Decimal("1.00"), Decimal("5.00")),
    "claude-3-5-sonnet": (Decimal("3.00"), Decimal("15.00")),
    "claude-3-7-sonnet": (Decimal("3.00"), Decimal("15.00")),
    "claude-sonnet-4": (Decimal("3.00"), Decimal("15.00")),
    "claude-3-opus": (Decimal("15.00"), Decimal("75.00")),
    "claude-opus-4": (Decimal("15.00"), Decimal("75.00")),
}
# A model we have no price for is estimated at its provider's mid-range model.
PROVIDER_DEFAULT_PRICES: dict[str, tuple[Decimal, Decimal]] = {
    "openai": PRICES_PER_MILLION["gpt-4o"],
    "anthropic": PRICES_PER_MILLION["claude-sonnet-4"],
}
FREE_PROVIDERS = frozenset({"builtin"})
MILLION = Decimal(1_000_000)
COST_PLACES = Decimal("0.000001")


def price_per_million(provider: str, model: str) -> tuple[Decimal, Decimal]:
    if provider in FREE_PROVIDERS:
        return Decimal(0), Decimal(0)
    name = model.lower()
    for prefix in sorted(PRICES_PER_MILLION, key=len, reverse=True):
        if name.startswith(prefix):
            return PRICES_PER_MILLION[prefix]
    return PROVIDER_DEFAULT_PRICES.get(provider, (Decimal(0), Decimal(0)))


def estimate_cost_usd(*, provider: str, model: str, prompt_tokens: int, completion_tokens: int) -> Decimal:
    """Estimated USD cost of one call, to 6 places."""
    input_price, output_price = price_per_million(provider, model)
    cost = (input_price * prompt_tokens + output_price * completion_tokens) / MILLION
    return cost.quantize(COST_PLACES, rounding=ROUND_HALF_UP)
