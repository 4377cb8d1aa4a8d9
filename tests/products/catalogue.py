"""A small, realistic catalogue for search and filter tests."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from domains.products.models import Brand, Product
from tests.factories import make_brand, make_product

# sku -> (brand, name, colorway)
CATALOGUE: dict[str, tuple[str, str, str]] = {
    "DZ5485-612": ("Jordan", 'Air Jordan 1 Retro High OG "Chicago Lost & Found"', "Varsity Red/Black-Sail"),
    "553558-612": ("Jordan", "Air Jordan 1 Low", "Bred Toe"),
    "378037-100": ("Jordan", "Air Jordan 11 Retro", "Concord"),
    "DD1391-100": ("Nike", "Dunk Low Retro", "White Black Panda"),
    "DD1399-105": ("Nike", "Dunk High Retro", "White Black"),
    "CW2288-111": ("Nike", "Air Force 1 '07", "Triple White"),
    "BB550WT1": ("New Balance", "550", "White Green"),
    "CP9654": ("Yeezy", "Yeezy Boost 350 V2", "Zebra"),
}


async def make_catalogue(session: AsyncSession) -> dict[str, Product]:
    brands: dict[str, Brand] = {}
    products: dict[str, Product] = {}
    for sku, (brand_name, name, colorway) in CATALOGUE.items():
        if brand_name not in brands:
            brands[brand_name] = await make_brand(session, brand_name)
        products[sku] = await make_product(
            session, brand=brands[brand_name], sku=sku, name=name, colorway=colorway
        )
    return products
