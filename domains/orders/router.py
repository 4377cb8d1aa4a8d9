from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, File, Path, Query, UploadFile, status

from domains.auth.dependencies import CurrentUser
from domains.orders.importer import SalesImporter
from domains.orders.schemas import OrderCreate, OrderFilters, OrderOut, SalesImportResult
from domains.orders.service import OrderService
from shared.api.dependencies import AppSettings, DbSession, Pagination
from shared.api.schemas import ERROR_RESPONSES, Page
from shared.csv_import import DecimalQuery
from shared.database.types import clamp_to_business_range
from shared.error_handling.errors import PayloadTooLarge, ValidationFailed

router = APIRouter(prefix="/orders", tags=["orders"], responses=ERROR_RESPONSES)

OrderId = Annotated[int, Path(ge=1, le=2**63 - 1, description="order id")]


def _utc(value: datetime | None, field: str) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise ValidationFailed(
            f"{field} needs a time zone (times are UTC)",
            details=[{"field": field, "message": "give a time zone, e.g. 2025-01-31T00:00:00Z"}],
        )
    # Far-away bounds (year 1, 9999) select the same rows as the range's ends, and cannot be
    # converted to UTC safely: clamp them instead of failing.
    return None if value is None else clamp_to_business_range(value)


@router.post("", response_model=OrderOut, status_code=status.HTTP_201_CREATED)
async def record_sale(body: OrderCreate, user: CurrentUser, session: DbSession) -> OrderOut:
    """Record the sale of one pair; fees follow the platform's schedule valid at `sold_at`."""
    return await OrderService(session).record_sale(data=body)


@router.get("", response_model=Page[OrderOut])
async def list_orders(
    user: CurrentUser,
    session: DbSession,
    page: Pagination,
    platform: Annotated[str | None, Query(min_length=1, max_length=30)] = None,
    brand: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
    sku: Annotated[str | None, Query(min_length=1, max_length=40)] = None,
    start: Annotated[datetime | None, Query(description="sold at or after (UTC)")] = None,
    end: Annotated[datetime | None, Query(description="sold before (UTC)")] = None,
) -> Page[OrderOut]:
    """Sales, newest first, filtered by platform, brand, SKU and sale time."""
    filters = OrderFilters(
        platform=platform, brand=brand, sku=sku, start=_utc(start, "start"), end=_utc(end, "end")
    )
    items, total = await OrderService(session).list_orders(
        filters=filters, limit=page.limit, offset=page.offset
    )
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.get("/{order_id}", response_model=OrderOut)
async def get_order(order_id: OrderId, user: CurrentUser, session: DbSession) -> OrderOut:
    """One sale with its fees, payout and profit."""
    return await OrderService(session).get_order(order_id)


@router.post("/import", response_model=SalesImportResult)
async def import_sales(
    user: CurrentUser,
    session: DbSession,
    settings: AppSettings,
    file: Annotated[UploadFile, File(description="sales CSV: generic format or StockX sales export")],
    dry_run: Annotated[bool, Query(description="check and preview only; write nothing")] = False,
    decimal: DecimalQuery = "auto",
) -> SalesImportResult:
    """Import sales from a CSV (see docs/import.md). Any bad row: 422 listing them, nothing written."""
    content = await file.read(settings.MAX_BODY_BYTES + 1)
    if len(content) > settings.MAX_BODY_BYTES:
        raise PayloadTooLarge(f"The file is larger than {settings.MAX_BODY_BYTES} bytes; split it")
    return await SalesImporter(OrderService(session)).run(content=content, dry_run=dry_run, decimal=decimal)
