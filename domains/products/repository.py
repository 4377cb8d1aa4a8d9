"""Queries over brands and products, named by what they are for."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import contains_eager
from sqlalchemy.sql.elements import ColumnElement

from domains.products.models import Brand, Product


@dataclass(frozen=True, slots=True)
class CatalogueEntry:
    """The fields fuzzy search reads, one per product."""

    product_id: int
    sku: str
    name: str
    brand: str
    brand_id: int
    colorway: str | None


def compact_sku(value: str) -> str:
    """A SKU without case, dashes or spaces: 'dz5485 612' and 'DZ5485-612' are the same."""
    return "".join(ch for ch in value.upper() if ch.isalnum())


# What the catalogue's version is read from: one round trip (it is read before every question
# the assistant's built-in engine reads), built once.
_PRODUCT_VERSION = select(
    func.count().label("products"),
    func.max(Product.id).label("max_product_id"),
    func.max(Product.updated_at).label("products_updated_at"),
).subquery()
_BRAND_VERSION = select(func.count().label("brands"), func.max(Brand.id).label("max_brand_id")).subquery()
_CATALOGUE_VERSION = select(_PRODUCT_VERSION, _BRAND_VERSION).select_from(
    _PRODUCT_VERSION.join(_BRAND_VERSION, true())
)


def _compact_sku_column() -> ColumnElement[str]:
    return func.replace(func.replace(func.upper(Product.sku), "-", ""), " ", "")


class ProductRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get_product_with_brand(self, product_id: int) -> Product | None:
        stmt = (
            select(Product)
            .join(Product.brand)
            .options(contains_eager(Product.brand))
            .where(Product.id == product_id)
        )
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def find_product_by_sku(self, sku: str) -> Product | None:
        """Exact SKU ignoring case; failing that, ignoring dashes and spaces too."""
        base = select(Product).join(Product.brand).options(contains_eager(Product.brand))
        exact = await self.session.execute(base.where(func.upper(Product.sku) == sku.strip().upper()))
        product = exact.scalar_one_or_none()
        if product is not None:
            return product
        compact = compact_sku(sku)
        if not compact:
            return None
        loose = await self.session.execute(base.where(_compact_sku_column() == compact).limit(1))
        return loose.scalars().first()

    async def find_products_by_skus(self, skus: Sequence[str]) -> dict[str, Product]:
        """Products whose SKU matches one of `skus`, keyed by compact SKU."""
        compacts = sorted({compact_sku(s) for s in skus if compact_sku(s)})
        found: dict[str, Product] = {}
        # Chunks keep the IN list under SQLite's bound-parameter limit.
        for start in range(0, len(compacts), 500):
            chunk = compacts[start : start + 500]
            stmt = (
                select(Product)
                .join(Product.brand)
                .options(contains_eager(Product.brand))
                .where(_compact_sku_column().in_(chunk))
            )
            for product in (await self.session.execute(stmt)).scalars():
                found[compact_sku(product.sku)] = product
        return found

    async def catalogue(self, *, brand_id: int | None = None) -> list[CatalogueEntry]:
        stmt = (
            select(Product.id, Product.sku, Product.name, Brand.name, Brand.id, Product.colorway)
            .join(Brand, Brand.id == Product.brand_id)
            .order_by(Product.id)
        )
        if brand_id is not None:
            stmt = stmt.where(Product.brand_id == brand_id)
        rows = await self.session.execute(stmt)
        return [CatalogueEntry(*row) for row in rows.all()]

    async def catalogue_version(self) -> tuple[object, ...]:
        """Changes whenever a product or brand is added, renamed or removed (cheap: two aggregates
        in one statement)."""
        return tuple((await self.session.execute(_CATALOGUE_VERSION)).one())

    async def products_by_ids(self, product_ids: Sequence[int]) -> dict[int, Product]:
        if not product_ids:
            return {}
        stmt = (
            select(Product)
            .join(Product.brand)
            .options(contains_eager(Product.brand))
            .where(Product.id.in_(list(product_ids)))
        )
        return {p.id: p for p in (await self.session.execute(stmt)).scalars()}

    async def list_products_page(
        self, *, brand_id: int | None, limit: int, offset: int
    ) -> tuple[list[Product], int]:
        filters = [] if brand_id is None else [Product.brand_id == brand_id]
        total = await self.session.scalar(select(func.count()).select_from(Product).where(*filters))
        stmt = (
            select(Product)
            .join(Product.brand)
            .options(contains_eager(Product.brand))
            .where(*filters)
            .order_by(Brand.name, Product.name, Product.id)
            .limit(limit)
            .offset(offset)
        )
        return list((await self.session.execute(stmt)).scalars()), int(total or 0)

    async def all_brands(self) -> list[Brand]:
        return list((await self.session.execute(select(Brand).order_by(Brand.name))).scalars())

    async def brand_by_name_or_slug(self, *, name: str, slug: str) -> Brand | None:
        stmt = select(Brand).where((func.lower(Brand.name) == name.lower()) | (Brand.slug == slug))
        return (await self.session.execute(stmt.limit(1))).scalars().first()

    async def add_brand(self, *, name: str, slug: str) -> Brand:
        brand = Brand(name=name, slug=slug)
        self.session.add(brand)
        await self.session.flush()
        return brand

    async def add_product(self, product: Product) -> Product:
        self.session.add(product)
        await self.session.flush()
        return product
