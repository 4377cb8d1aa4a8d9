"""Small typed factories that write real rows. Defaults are plausible; override what a test needs."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import bcrypt
import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession

from domains.auth.models import User
from domains.auth.security import create_access_token
from domains.inventory.models import InventoryItem
from domains.orders.models import Order
from domains.pricing.models import MarketPrice
from domains.products.models import Brand, Product

_seq = itertools.count(1)
# Cheap hash rounds: tests log in often, and the rounds are not what they test.
_FAST_SALT = bcrypt.gensalt(rounds=4)
DEFAULT_PASSWORD = "correct-horse-battery"


def now_utc() -> datetime:
    return datetime.now(UTC)


def days_ago(days: float, *, now: datetime | None = None) -> datetime:
    return (now or now_utc()) - timedelta(days=days)


async def make_user(
    session: AsyncSession,
    *,
    email: str | None = None,
    password: str = DEFAULT_PASSWORD,
    is_owner: bool = False,
) -> User:
    user = User(
        email=email or f"user{next(_seq)}@example.com",
        hashed_password=bcrypt.hashpw(password.encode(), _FAST_SALT).decode(),
        is_owner=is_owner,
    )
    session.add(user)
    await session.flush()
    return user


def auth_headers_for(app: FastAPI, user: User) -> dict[str, str]:
    token = create_access_token(app.state.settings, user_id=user.id)
    return {"Authorization": f"Bearer {token}"}


async def demo_login(client: httpx.AsyncClient, app: FastAPI) -> httpx.Response:
    """POST /auth/token as the demo user of the app's settings (the demo data creates it)."""
    settings = app.state.settings
    return await client.post(
        "/auth/token",
        data={
            "username": settings.DEMO_USER_EMAIL,
            "password": settings.DEMO_USER_PASSWORD.get_secret_value(),
        },
    )


async def make_brand(session: AsyncSession, name: str = "Nike") -> Brand:
    brand = Brand(name=name, slug=name.lower().replace(" ", "-"))
    session.add(brand)
    await session.flush()
    return brand


async def make_product(
    session: AsyncSession,
    *,
    brand: Brand,
    sku: str | None = None,
    name: str = "Air Jordan 1 Retro High OG Chicago",
    colorway: str | None = "Varsity Red/Black-Sail",
    retail_price: Decimal | None = Decimal("180.00"),
) -> Product:
    product = Product(
        sku=sku or f"SKU{next(_seq):05d}-100",
        name=name,
        brand_id=brand.id,
        colorway=colorway,
        retail_price=retail_price,
    )
    session.add(product)
    await session.flush()
    return product


async def make_item(
    session: AsyncSession,
    *,
    product: Product,
    size: str = "10",
    purchase_price: Decimal | str = Decimal("150.00"),
    purchased_at: datetime | None = None,
    status: str = "in_stock",
    condition: str = "new",
    listed_price: Decimal | None = None,
    listed_platform: str | None = None,
) -> InventoryItem:
    item = InventoryItem(
        product_id=product.id,
        size=size,
        condition=condition,
        purchase_price=Decimal(purchase_price),
        purchased_at=purchased_at or days_ago(10),
        status=status,
        listed_price=listed_price,
        listed_platform=listed_platform,
    )
    session.add(item)
    await session.flush()
    return item


async def make_order(
    session: AsyncSession,
    *,
    item: InventoryItem,
    sale_price: Decimal | str = Decimal("250.00"),
    platform: str = "stockx",
    sold_at: datetime | None = None,
    platform_fee: Decimal | str = Decimal("22.50"),
    processing_fee: Decimal | str = Decimal("7.50"),
    shipping_cost: Decimal | str = Decimal("0.00"),
) -> Order:
    """An order written directly (not through the service): for arranging analytics fixtures."""
    sale = Decimal(sale_price)
    fees = Decimal(platform_fee) + Decimal(processing_fee) + Decimal(shipping_cost)
    item.status = "sold"
    order = Order(
        inventory_item_id=item.id,
        product_id=item.product_id,
        platform=platform,
        sale_price=sale,
        platform_fee=Decimal(platform_fee),
        processing_fee=Decimal(processing_fee),
        shipping_cost=Decimal(shipping_cost),
        payout=sale - fees,
        purchase_price=item.purchase_price,
        purchased_at=item.purchased_at,
        size=item.size,
        sold_at=sold_at or now_utc(),
    )
    session.add(order)
    await session.flush()
    return order


async def make_market_price(
    session: AsyncSession,
    *,
    product: Product,
    size: str = "10",
    platform: str = "stockx",
    observed_at: datetime | None = None,
    lowest_ask: Decimal | str | None = Decimal("260.00"),
    highest_bid: Decimal | str | None = Decimal("230.00"),
    last_sale: Decimal | str | None = Decimal("245.00"),
) -> MarketPrice:
    price = MarketPrice(
        product_id=product.id,
        size=size,
        platform=platform,
        observed_at=observed_at or now_utc(),
        lowest_ask=None if lowest_ask is None else Decimal(lowest_ask),
        highest_bid=None if highest_bid is None else Decimal(highest_bid),
        last_sale=None if last_sale is None else Decimal(last_sale),
    )
    session.add(price)
    await session.flush()
    return price
