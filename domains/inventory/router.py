from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, File, Path, Query, UploadFile, status

from domains.auth.dependencies import CurrentUser
from domains.inventory.importer import MAX_IMPORT_BYTES, InventoryImporter
from domains.inventory.schemas import (
    Condition,
    DeadStockResult,
    ImportResult,
    InventoryFilters,
    ItemCreate,
    ItemOut,
    ItemSort,
    ItemUpdate,
    ListingRequest,
    StatusFilter,
)
from domains.inventory.service import InventoryService
from shared.api.dependencies import DbSession, Pagination
from shared.api.schemas import ERROR_RESPONSES, Page
from shared.csv_import import DecimalQuery
from shared.error_handling.errors import PayloadTooLarge

router = APIRouter(prefix="/inventory", tags=["inventory"], responses=ERROR_RESPONSES)

ItemId = Annotated[int, Path(ge=1, le=2**63 - 1, description="inventory item id")]


@router.get("/items", response_model=Page[ItemOut])
async def list_items(
    _: CurrentUser,
    session: DbSession,
    page: Pagination,
    status_: Annotated[StatusFilter | None, Query(alias="status")] = None,
    brand: Annotated[str | None, Query(max_length=100)] = None,
    sku: Annotated[str | None, Query(max_length=40)] = None,
    size: Annotated[str | None, Query(max_length=20)] = None,
    condition: Annotated[Condition | None, Query(description="new or used")] = None,
    listed_platform: Annotated[
        str | None, Query(max_length=30, description="where a listed pair is listed: stockx, goat, ebay, ...")
    ] = None,
    product_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    q: Annotated[str | None, Query(max_length=200, description="fuzzy product name, nickname or SKU")] = None,
    min_age_days: Annotated[int | None, Query(ge=0, le=36500)] = None,
    max_age_days: Annotated[int | None, Query(ge=0, le=36500)] = None,
    min_purchase_price: Annotated[Decimal | None, Query(ge=0, le=Decimal("9999999999.99"))] = None,
    max_purchase_price: Annotated[Decimal | None, Query(ge=0, le=Decimal("9999999999.99"))] = None,
    sort: ItemSort = "oldest",
) -> Page[ItemOut]:
    """Pairs matching the filters; `status=in_inventory` means in stock or listed. Oldest first by default."""
    filters = InventoryFilters(
        status=status_,
        brand=brand,
        sku=sku,
        size=size,
        condition=condition,
        listed_platform=listed_platform,
        product_id=product_id,
        product_query=q,
        min_age_days=min_age_days,
        max_age_days=max_age_days,
        min_purchase_price=min_purchase_price,
        max_purchase_price=max_purchase_price,
        sort=sort,
    )
    items, total = await InventoryService(session).list_items(
        filters=filters, limit=page.limit, offset=page.offset
    )
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.post("/items", response_model=ItemOut, status_code=status.HTTP_201_CREATED)
async def create_item(body: ItemCreate, _: CurrentUser, session: DbSession) -> ItemOut:
    """Record one pair bought, by `product_id` or `sku`. It starts in stock."""
    return await InventoryService(session).create_item(data=body)


@router.get("/dead-stock", response_model=DeadStockResult)
async def dead_stock(
    _: CurrentUser,
    session: DbSession,
    page: Pagination,
    threshold_days: Annotated[int, Query(ge=0, le=36500, description="age above which a pair is dead")] = 60,
    brand: Annotated[str | None, Query(max_length=100)] = None,
    q: Annotated[str | None, Query(max_length=200, description="fuzzy product name or SKU")] = None,
) -> DeadStockResult:
    """Pairs in inventory older than `threshold_days` days (oldest first), with their units and value."""
    return await InventoryService(session).dead_stock(
        threshold_days=threshold_days, brand=brand, product_query=q, limit=page.limit, offset=page.offset
    )


@router.post("/import", response_model=ImportResult)
async def import_items(
    _: CurrentUser,
    session: DbSession,
    file: Annotated[UploadFile, File(description="CSV in the format of docs/import.md")],
    dry_run: Annotated[bool, Query(description="validate and count only; write nothing")] = False,
    decimal: DecimalQuery = "auto",
) -> ImportResult:
    """Import pairs from a CSV: all rows or none. Row errors come back as 422 `[{row, field, message}]`."""
    content = await file.read(MAX_IMPORT_BYTES + 1)
    if len(content) > MAX_IMPORT_BYTES:
        raise PayloadTooLarge(f"The file is larger than {MAX_IMPORT_BYTES} bytes; split it")
    return await InventoryImporter(session).import_csv(content, dry_run=dry_run, decimal=decimal)


@router.get("/items/{item_id}", response_model=ItemOut)
async def get_item(item_id: ItemId, _: CurrentUser, session: DbSession) -> ItemOut:
    """One pair."""
    return await InventoryService(session).get_item(item_id)


@router.patch("/items/{item_id}", response_model=ItemOut)
async def update_item(item_id: ItemId, body: ItemUpdate, _: CurrentUser, session: DbSession) -> ItemOut:
    """Change a pair's fields. `sold` comes only from recording an order; a sold pair's cost is fixed (409)."""
    return await InventoryService(session).update_item(item_id, data=body)


@router.post("/items/{item_id}/list", response_model=ItemOut)
async def list_item(item_id: ItemId, body: ListingRequest, _: CurrentUser, session: DbSession) -> ItemOut:
    """List a pair on a platform at a price (or change its listing)."""
    return await InventoryService(session).list_item(
        item_id, listed_price=body.listed_price, platform=body.platform
    )


@router.post("/items/{item_id}/delist", response_model=ItemOut)
async def delist_item(item_id: ItemId, _: CurrentUser, session: DbSession) -> ItemOut:
    """Take a listed pair off the market; it is in stock again."""
    return await InventoryService(session).delist_item(item_id)
