"""The marketplaces SoleFlip sells on: one registry (code, names in English and German, the
spellings people use). Everything else that lists platforms derives from it: the API's
validation, the assistant's vocabulary and tool schemas, memory extraction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

PlatformCode = Literal["stockx", "goat", "ebay", "klekt", "shop", "local"]


@dataclass(frozen=True, slots=True)
class Platform:
    code: PlatformCode
    name_en: str
    name_de: str
    aliases: tuple[str, ...] = ()


REGISTRY: tuple[Platform, ...] = (
    Platform("stockx", "StockX", "StockX", ("stock x", "sx")),
    Platform("goat", "GOAT / Alias", "GOAT / Alias", ("alias", "goat/alias", "goat alias")),
    Platform("ebay", "eBay", "eBay", ("e bay", "ebay.de", "ebay.com")),
    Platform("klekt", "Klekt", "Klekt", ("klect", "klekt.com")),
    Platform(
        "shop",
        "own shop",
        "eigener Shop",
        (
            "own shop",
            "webshop",
            "web shop",
            "online shop",
            "my shop",
            "our shop",
            "store",
            "eigener shop",
            "eigenen shop",
            "onlineshop",
        ),
    ),
    Platform(
        "local",
        "local sale",
        "Verkauf vor Ort",
        ("local", "locally", "in person", "laden", "vor ort", "lokal", "offline", "local sales"),
    ),
)
assert tuple(p.code for p in REGISTRY) == get_args(PlatformCode), "PlatformCode and REGISTRY differ"

BY_CODE: dict[str, Platform] = {p.code: p for p in REGISTRY}
PLATFORMS: dict[str, str] = {p.code: p.name_en for p in REGISTRY}
ALIASES: dict[str, str] = {alias: p.code for p in REGISTRY for alias in p.aliases}


def normalize_platform(value: str) -> str | None:
    key = value.strip().lower()
    if key in PLATFORMS:
        return key
    return ALIASES.get(key)


def platform_label(code: str, language: str = "en") -> str:
    platform = BY_CODE.get(code)
    if platform is None:
        return code
    return platform.name_de if language == "de" else platform.name_en
