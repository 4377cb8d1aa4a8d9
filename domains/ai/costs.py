"""What the assistant's answers are estimated to cost: list prices per model, in USD.

Estimates for budgeting and the usage report, not invoices.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

# USD per 1M tokens (input, output), list prices; matched by the longest model-name prefix.
# Estimates for budgeting, not invoices. The built-in engine costs nothing.
PRICES_PER_MILLION: dict[str, tuple[Decimal, Decimal]] = {
    "gpt-5-nano": (Decimal("0.05"), Decimal("0.40")),
    "gpt-5-mini": (Decimal("0.25"), Decimal("2.00")),
    "gpt-5": (Decimal("1.25"), Decimal("10.00")),
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
# USD per 1M prompt tokens served from OpenAI's automatic prompt cache (list prices; a model
# not named here: half its input price). Anthropic bills a cache read at 0.1x and a cache write
# at 1.25x the input price, for every model.
CACHED_INPUT_PER_MILLION: dict[str, Decimal] = {
    "gpt-5-nano": Decimal("0.005"),
    "gpt-5-mini": Decimal("0.025"),
    "gpt-5": Decimal("0.125"),
    "gpt-4o-mini": Decimal("0.075"),
    "gpt-4o": Decimal("1.25"),
    "gpt-4.1-nano": Decimal("0.025"),
    "gpt-4.1-mini": Decimal("0.10"),
    "gpt-4.1": Decimal("0.50"),
    "o4-mini": Decimal("0.275"),
}
ANTHROPIC_CACHE_READ = Decimal("0.1")
ANTHROPIC_CACHE_WRITE = Decimal("1.25")
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


def cache_prices_per_million(provider: str, model: str) -> tuple[Decimal, Decimal]:
    """(cache read, cache write) USD per 1M prompt tokens."""
    input_price, _output = price_per_million(provider, model)
    if provider == "anthropic":
        return input_price * ANTHROPIC_CACHE_READ, input_price * ANTHROPIC_CACHE_WRITE
    name = model.lower()
    for prefix in sorted(CACHED_INPUT_PER_MILLION, key=len, reverse=True):
        if name.startswith(prefix) and provider not in FREE_PROVIDERS:
            return CACHED_INPUT_PER_MILLION[prefix], input_price
    return input_price / 2, input_price


def estimate_cost_usd(
    *,
    provider: str,
    model: str,
    prompt_tokens: int,
    completion_tokens: int,
    cached_tokens: int = 0,
    cache_write_tokens: int = 0,
) -> Decimal:
    """Estimated USD cost of one call, to 6 places. cached_tokens and cache_write_tokens are the
    parts of prompt_tokens read from / written to the provider's prompt cache."""
    input_price, output_price = price_per_million(provider, model)
    read_price, write_price = cache_prices_per_million(provider, model)
    uncached = max(0, prompt_tokens - cached_tokens - cache_write_tokens)
    cost = (
        input_price * uncached
        + read_price * cached_tokens
        + write_price * cache_write_tokens
        + output_price * completion_tokens
    ) / MILLION
    return cost.quantize(COST_PLACES, rounding=ROUND_HALF_UP)
