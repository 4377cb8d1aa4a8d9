from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from domains.auth.dependencies import CurrentUser
from domains.inventory.service import InventoryService
from domains.products.models import Product
from domains.products.schemas import (
    BrandCreate,
    BrandOut,
    ProductCreate,
    ProductDetail,
    ProductMatchOut,
    ProductOut,
)
from domains.products.service import ProductService
from shared.api.dependencies import DbSession, Pagination
from shared.api.schemas import ERROR_RESPONSES, Page

router = APIRouter(prefix="/products", tags=["products"], responses=ERROR_RESPONSES)


def _out(product: Product) -> ProductOut:
    return ProductOut(
        id=product.id,
        sku=product.sku,
        name=product.name,
        brand=product.brand.name,
        brand_id=product.brand_id,
        category=product.category,
        colorway=product.colorway,
        retail_price=product.retail_price,
        release_date=product.release_date,
    )


@router.get("", response_model=Page[ProductOut])
async def list_products(
    _: CurrentUser,
    session: DbSession,
    page: Pagination,
    q: Annotated[str | None, Query(max_length=200, description="fuzzy name, nickname or SKU")] = None,
    brand: Annotated[str | None, Query(max_length=100)] = None,
) -> Page[ProductOut]:
    """Products, best match first when `q` is given, else by brand and name."""
    products, total = await ProductService(session, popularity=InventoryService(session)).list_products(
        query=q, brand=brand, limit=page.limit, offset=page.offset
    )
    return Page(items=[_out(p) for p in products], total=total, limit=page.limit, offset=page.offset)


@router.post("", response_model=ProductOut, status_code=status.HTTP_201_CREATED)
async def create_product(body: ProductCreate, _: CurrentUser, session: DbSession) -> ProductOut:
    """Add a product; its brand is matched by name and created when new. 409 on a duplicate SKU."""
    return _out(await ProductService(session).create_product(data=body))


@router.get("/search", response_model=list[ProductMatchOut])
async def search_products(
    _: CurrentUser,
    session: DbSession,
    q: Annotated[str, Query(min_length=1, max_length=200, examples=["jordan 1 chicago"])],
    brand: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> list[ProductMatchOut]:
    """Products ranked by how well they match a name, nickname or SKU (score 0-100)."""
    matches = await ProductService(session, popularity=InventoryService(session)).search_products(
        query=q, limit=limit, brand=brand
    )
    return [
        ProductMatchOut(
            product_id=m.product_id, sku=m.sku, name=m.name, brand=m.brand, colorway=m.colorway, score=m.score
        )
        for m in matches
    ]


@router.get("/brands", response_model=list[BrandOut])
async def list_brands(_: CurrentUser, session: DbSession) -> list[BrandOut]:
    """Every brand, by name."""
    return [BrandOut.model_validate(b) for b in await ProductService(session).list_brands()]


@router.post("/brands", response_model=BrandOut, status_code=status.HTTP_201_CREATED)
async def create_brand(body: BrandCreate, _: CurrentUser, session: DbSession) -> BrandOut:
    """Add a brand. 409 when one with the same name exists."""
    return BrandOut.model_validate(await ProductService(session).create_brand(name=body.name))


@router.get("/{product_id}", response_model=ProductDetail)
async def get_product(
    product_id: Annotated[int, Path(ge=1, le=2**31 - 1)], _: CurrentUser, session: DbSession
) -> ProductDetail:
    """One product, with the pairs of it in inventory now."""
    product = await ProductService(session).get_product(product_id)
    units = await InventoryService(session).units_in_inventory(product_ids=[product.id])
    return ProductDetail(**_out(product).model_dump(), units_in_inventory=units.get(product.id, 0))
