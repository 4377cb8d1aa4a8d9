"""The marketplaces SoleFlip sells on, with the names people use for them."""

from __future__ import annotations

PLATFORMS: dict[str, str] = {
    "stockx": "StockX",
    "goat": "GOAT / Alias",
    "ebay": "eBay",
    "klekt": "Klekt",
    "shop": "Own shop",
    "local": "Local sale",
}

ALIASES: dict[str, str] = {
    "alias": "goat",
    "goat/alias": "goat",
    "stock x": "stockx",
    "own shop": "shop",
    "webshop": "shop",
    "store": "shop",
    "laden": "local",
}


def normalize_platform(value: str) -> str | None:
    key = value.strip().lower()
    if key in PLATFORMS:
        return key
    return ALIASES.get(key)
