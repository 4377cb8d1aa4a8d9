"""A small, varied shop relative to a fixed `now`: items of every age (with the 30/31, 60/61,
90/91 day boundaries), sales on several platforms, items bought and sold inside recent windows,
and orders exactly on window boundaries."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from domains.products.models import Product
from tests.factories import make_brand, make_item, make_order, make_product

# A Wednesday in March: this week starts Mon 16 March, last month is February.
NOW = datetime(2026, 3, 18, 15, 30, tzinfo=UTC)
CENT = Decimal("0.01")


def _money(value: float) -> Decimal:
    return Decimal(str(value)).quantize(CENT)


async def build(session: AsyncSession, now: datetime = NOW) -> dict[str, Product]:
    brands = {name: await make_brand(session, name) for name in ("Jordan", "Nike", "Adidas", "New Balance")}
    products = {
        "J1": await make_product(session, brand=brands["Jordan"], sku="J1-001", name="Air Jordan 1 Chicago"),
        "J4": await make_product(session, brand=brands["Jordan"], sku="J4-004", name="Air Jordan 4 Bred"),
        "DUNK": await make_product(session, brand=brands["Nike"], sku="DD1391-100", name="Dunk Low Panda"),
        "AM1": await make_product(session, brand=brands["Nike"], sku="AM1-001", name="Air Max 1"),
        "SAMBA": await make_product(session, brand=brands["Adidas"], sku="B75806", name="Samba OG"),
        "NB550": await make_product(
            session, brand=brands["New Balance"], sku="BB550", name="550 White Green"
        ),
    }
    keys = list(products)

    # Pairs still in inventory, at the age boundaries (whole days) and a few ordinary ages.
    ages = [
        timedelta(hours=1),
        timedelta(days=30),
        timedelta(days=30, hours=23, minutes=59),
        timedelta(days=31),
        timedelta(days=45, hours=6),
        timedelta(days=60),
        timedelta(days=60, hours=23, minutes=59, seconds=59),
        timedelta(days=61),
        timedelta(days=75),
        timedelta(days=90),
        timedelta(days=91),
        timedelta(days=200),
        timedelta(days=400),
    ]
    for index, age in enumerate(ages):
        await make_item(
            session,
            product=products[keys[index % len(keys)]],
            size=str(8 + index % 5),
            purchase_price=_money(90 + 13.37 * index),
            purchased_at=now - age,
            status="listed" if index % 3 == 0 else "in_stock",
            listed_price=_money(300) if index % 3 == 0 else None,
            listed_platform="stockx" if index % 3 == 0 else None,
        )

    # Sold pairs: deterministic pseudo-random purchases and sales over the last ~250 days.
    rng = random.Random(7)
    platforms = ["stockx", "goat", "ebay", "shop", "local"]
    for index in range(40):
        purchased_at = now - timedelta(days=rng.uniform(3, 250))
        held = timedelta(days=rng.uniform(0.2, (now - purchased_at).days - 0.1))
        sold_at = purchased_at + held
        price = _money(rng.uniform(80, 260))
        item = await make_item(
            session,
            product=products[keys[rng.randrange(len(keys))]],
            size=str(rng.choice([9, 9.5, 10, 11])),
            purchase_price=price,
            purchased_at=purchased_at,
        )
        sale = _money(float(price) * rng.uniform(0.8, 1.9))
        await make_order(
            session,
            item=item,
            sale_price=sale,
            platform=platforms[index % len(platforms)],
            sold_at=sold_at,
            platform_fee=(sale * Decimal("0.09")).quantize(CENT),
            processing_fee=(sale * Decimal("0.03")).quantize(CENT),
            shipping_cost=rng.choice([Decimal("0"), Decimal("5.99"), Decimal("12.50")]),
        )

    # Orders exactly on boundaries: 1 March 00:00 is in "this month", not in "last month";
    # 1 February 00:00 opens "last month"; one sale exactly `now` is outside every window ending now.
    boundaries = [
        datetime(2026, 3, 1, tzinfo=UTC),
        datetime(2026, 2, 1, tzinfo=UTC),
        now - timedelta(days=30),
        now,
    ]
    for index, sold_at in enumerate(boundaries):
        item = await make_item(
            session,
            product=products[keys[index]],
            size="10",
            purchase_price=_money(120 + index),
            purchased_at=sold_at - timedelta(days=12, hours=index),
        )
        await make_order(session, item=item, sale_price=_money(210 + index), platform="goat", sold_at=sold_at)
    return products
