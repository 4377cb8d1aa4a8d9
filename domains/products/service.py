"""Products and brands: lookup by id or SKU, fuzzy search, brand resolution, creation."""

from __future__ import annotations

import re
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager, nullcontext
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from domains.products import search
from domains.products.models import Brand, Product
from domains.products.repository import CatalogueEntry, ProductRepository, compact_sku
from domains.products.schemas import ProductCreate
from shared.error_handling.errors import Conflict, NotFound, ValidationFailed

# A brand name this close to an existing one (rapidfuzz ratio) is taken to mean it: "Adiddas".
BRAND_MATCH_MIN_RATIO = 88.0


@dataclass(frozen=True)
class ProductMatch:
    product_id: int
    sku: str
    name: str
    brand: str
    colorway: str | None
    score: float  # 0-100


class Popularity(Protocol):
    """How much each product moves (pairs sold plus in inventory): breaks ties between equal matches.

    The inventory service provides it; the catalogue sits below inventory and does not import it,
    so callers that rank search results hand one in (ProductService(session, popularity=...)).
    """

    async def pairs_handled(self, *, product_ids: Sequence[int]) -> dict[int, int]: ...


def slugify(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", " ".join(search.words(name))).strip("-")


class ProductService:
    def __init__(self, session: AsyncSession, *, popularity: Popularity | None = None) -> None:
        self.session = session
        self.popularity = popularity  # None: equal matches keep the search's own order
        self.repo = ProductRepository(session)
        # Per-request caches: a service lives for one request (or one assistant turn).
        self._catalogue: dict[int | None, list[CatalogueEntry]] = {}
        self._brands: list[Brand] | None = None

    # --- products ---------------------------------------------------------------------

    async def get_product(self, product_id: int) -> Product:
        """The product with its brand loaded; NotFound if there is none."""
        product = await self.repo.get_product_with_brand(product_id)
        if product is None:
            raise NotFound(f"Product {product_id} not found", code="product_not_found")
        return product

    async def get_by_sku(self, sku: str) -> Product:
        """The product with this SKU, ignoring case (and dashes/spaces when needed)."""
        product = await self.repo.find_product_by_sku(sku)
        if product is None:
            raise NotFound(f"No product with SKU {sku.strip()!r}", code="product_not_found")
        return product

    async def get_by_skus(self, skus: Sequence[str]) -> dict[str, Product]:
        """Products for many SKUs at once, keyed by compact SKU (see `compact_sku`)."""
        return await self.repo.find_products_by_skus(skus)

    async def get_products(self, product_ids: Sequence[int]) -> dict[int, Product]:
        return await self.repo.products_by_ids(product_ids)

    async def search_products(
        self, *, query: str, limit: int = 10, brand: str | None = None, min_score: float = search.MIN_SCORE
    ) -> list[ProductMatch]:
        """Products matching a name, nickname or SKU (typos allowed), best first."""
        query = query.strip()
        if not query or limit <= 0:
            return []
        brand_id: int | None = None
        if brand is not None:
            found = await self.find_brand(brand)
            if found is None:
                return []
            brand_id = found.id
        entries = await self._catalogue_for(brand_id)
        return [
            ProductMatch(
                product_id=s.entry.product_id,
                sku=s.entry.sku,
                name=s.entry.name,
                brand=s.entry.brand,
                colorway=s.entry.colorway,
                score=s.score,
            )
            for s in await self._ranked(entries, query, limit=limit, min_score=min_score)
        ]

    async def _ranked(
        self,
        entries: Sequence[CatalogueEntry],
        query: str,
        *,
        limit: int,
        min_score: float = search.MIN_SCORE,
    ) -> list[search.ScoredEntry]:
        """Ranked matches; equal scores go to the product the shop sells and stocks most."""
        ranked = search.rank(entries, query, limit=len(entries), min_score=min_score)
        tied = search.tied_at_cut(ranked, limit)
        if not tied or self.popularity is None:
            return ranked[:limit]
        popularity = await self.popularity.pairs_handled(product_ids=tied)
        return search.reorder(ranked, popularity)[:limit]

    async def list_products(
        self, *, query: str | None = None, brand: str | None = None, limit: int = 50, offset: int = 0
    ) -> tuple[list[Product], int]:
        """A page of products: ranked by match when `query` is given, else by brand and name."""
        brand_id: int | None = None
        if brand is not None:
            found = await self.find_brand(brand)
            if found is None:
                return [], 0
            brand_id = found.id
        if not query or not query.strip():
            return await self.repo.list_products_page(brand_id=brand_id, limit=limit, offset=offset)
        ranked = await self._ranked(await self._catalogue_for(brand_id), query.strip(), limit=10_000)
        page_ids = [s.entry.product_id for s in ranked[offset : offset + limit]]
        by_id = await self.repo.products_by_ids(page_ids)
        return [by_id[i] for i in page_ids if i in by_id], len(ranked)

    async def create_product(self, *, data: ProductCreate) -> Product:
        """A new product; its brand is found by name (created when new). Conflict on a duplicate SKU."""
        sku = data.sku.strip().upper()
        if not compact_sku(sku):
            raise ValidationFailed(
                "SKU must contain letters or digits",
                details=[{"field": "sku", "message": "must contain letters or digits"}],
            )
        if await self.repo.find_product_by_sku(sku) is not None:
            raise Conflict(f"A product with SKU {sku} already exists", code="duplicate_sku")
        brand = await self.get_or_create_brand(data.brand)
        product = Product(
            sku=sku,
            name=data.name.strip(),
            brand_id=brand.id,
            category=data.category.strip(),
            colorway=data.colorway.strip() if data.colorway else None,
            retail_price=data.retail_price,
            release_date=data.release_date,
        )
        try:
            async with self._savepoint():
                await self.repo.add_product(product)
        except IntegrityError:  # a concurrent request created the same SKU
            raise Conflict(f"A product with SKU {sku} already exists", code="duplicate_sku") from None
        product.brand = brand
        self._catalogue.clear()
        return product

    def _savepoint(self) -> AbstractAsyncContextManager[object]:
        # A unique-key race must not poison the request's transaction on PostgreSQL. SQLite
        # (pysqlite's transaction emulation) mishandles SAVEPOINT, and serialises writers anyway.
        if self.session.get_bind().dialect.name == "postgresql":
            return self.session.begin_nested()
        return nullcontext()

    async def _catalogue_for(self, brand_id: int | None) -> list[CatalogueEntry]:
        if brand_id not in self._catalogue:
            self._catalogue[brand_id] = await self.repo.catalogue(brand_id=brand_id)
        return self._catalogue[brand_id]

    async def catalogue(self) -> list[CatalogueEntry]:
        """Every product with its brand: the names the assistant's vocabulary is read from."""
        return list(await self._catalogue_for(None))

    async def catalogue_version(self) -> tuple[object, ...]:
        """A value that changes when the catalogue does (for caches of derived vocabularies)."""
        return await self.repo.catalogue_version()

    # --- brands -----------------------------------------------------------------------

    async def list_brands(self) -> list[Brand]:
        if self._brands is None:
            self._brands = await self.repo.all_brands()
        return list(self._brands)

    async def find_brand(self, name: str) -> Brand | None:
        """The brand a person means: "Jordans", "nike's", "new balance", "NB", "adidas originals"."""
        keys = search.brand_keys(name)
        if not keys:
            return None
        brands = await self.list_brands()
        by_key = {" ".join(search.words(b.name)): b for b in brands}
        by_key.update({" ".join(search.words(b.slug)): b for b in brands if b.slug})
        for key in keys:
            if key in by_key:
                return by_key[key]
        best: tuple[float, Brand] | None = None
        for key in keys:
            for brand in brands:
                ratio = search.brand_similarity(key, brand.name)
                if ratio >= BRAND_MATCH_MIN_RATIO and (best is None or ratio > best[0]):
                    best = (ratio, brand)
        return best[1] if best else None

    async def create_brand(self, *, name: str) -> Brand:
        """A new brand; Conflict if one with the same name (ignoring case) exists."""
        name = " ".join(name.split())
        slug = slugify(name)
        if not slug:
            raise ValidationFailed(
                "Brand name must contain letters or digits",
                details=[{"field": "name", "message": "must contain letters or digits"}],
            )
        if await self.repo.brand_by_name_or_slug(name=name, slug=slug) is not None:
            raise Conflict(f"Brand {name!r} already exists", code="duplicate_brand")
        try:
            async with self._savepoint():
                brand = await self.repo.add_brand(name=name, slug=slug)
        except IntegrityError:
            raise Conflict(f"Brand {name!r} already exists", code="duplicate_brand") from None
        self._brands = None
        return brand

    async def get_or_create_brand(self, name: str) -> Brand:
        """The existing brand `name` means, or a new one with that name."""
        found = await self.find_brand(name)
        if found is not None:
            return found
        return await self.create_brand(name=name)
