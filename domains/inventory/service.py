"""Inventory: one row per physical pair, its status lifecycle, filters, age and dead stock.

Lifecycle: in_stock -> listed -> sold (listed -> in_stock by delisting). `sold` is set only
by the orders service through `mark_sold`, so every sold pair has exactly one order.
Ages are whole days from purchased_at to `now`; age cut-offs are computed here as
datetimes and compared in SQL, which reads the same on PostgreSQL and SQLite.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from domains.inventory.models import IN_INVENTORY, InventoryItem
from domains.inventory.repository import InventoryRepository, ItemCriteria, ItemRow
from domains.inventory.schemas import (
    DeadStockResult,
    InventoryFilters,
    ItemCreate,
    ItemOut,
    ItemUpdate,
    as_utc,
    normalize_size,
)
from domains.pricing.platforms import PLATFORMS, normalize_platform
from domains.products.models import Product
from domains.products.service import ProductService
from shared.error_handling.errors import Conflict, NotFound, ValidationFailed

DAY = timedelta(days=1)
# Clocks of the caller and of this service differ by moments: an order "sold now" is not "in the future".
FUTURE_TOLERANCE = timedelta(minutes=5)
# A fuzzy product query keeps matches this close to the best one (score points), at most this many.
PRODUCT_QUERY_SPREAD = 10.0
PRODUCT_QUERY_MAX_PRODUCTS = 200


def age_in_days(purchased_at: datetime, now: datetime) -> int:
    """Whole days from `purchased_at` to `now` (0 for a pair bought today or, oddly, later)."""
    return max(0, (now - purchased_at) // DAY)


def purchased_at_latest_for_age(min_age_days: int, now: datetime) -> datetime:
    """age >= N  <=>  purchased_at <= now - N days."""
    return now - min_age_days * DAY


def purchased_after_for_age(max_age_days: int, now: datetime) -> datetime:
    """age <= N  <=>  purchased_at > now - (N + 1) days."""
    return now - (max_age_days + 1) * DAY


def _field_error(field: str, message: str, *, code: str | None = None) -> ValidationFailed:
    return ValidationFailed(f"{field}: {message}", code=code, details=[{"field": field, "message": message}])


class InventoryService:
    def __init__(self, session: AsyncSession, *, now: datetime | None = None) -> None:
        self.session = session
        self.repo = InventoryRepository(session)
        self.products = ProductService(session, popularity=self)
        self._fixed_now = None if now is None else as_utc(now)

    @property
    def now(self) -> datetime:
        """The injected moment (tests, one assistant turn), else the current time."""
        return self._fixed_now or datetime.now(UTC)

    # --- reading ----------------------------------------------------------------------

    async def get_item(self, item_id: int) -> ItemOut:
        row = await self.repo.get_item_row(item_id)
        if row is None:
            raise NotFound(f"Item {item_id} not found", code="item_not_found")
        return self._out(row, self.now)

    async def list_items(
        self, *, filters: InventoryFilters, limit: int = 50, offset: int = 0
    ) -> tuple[list[ItemOut], int]:
        """A page of items matching `filters`, and how many match in all."""
        criteria = await self._criteria(filters, self.now)
        if criteria is None:
            return [], 0
        total = await self.repo.count_items(criteria)
        if limit <= 0 or offset >= total:
            return [], total
        return await self._page(criteria, filters, limit=limit, offset=offset), total

    async def page_items(self, *, filters: InventoryFilters, limit: int = 50) -> list[ItemOut]:
        """The first `limit` items matching `filters`, without counting them all (a caller that
        has the count from the stock rollups: the assistant's list_inventory)."""
        criteria = await self._criteria(filters, self.now)
        if criteria is None or limit <= 0:
            return []
        return await self._page(criteria, filters, limit=limit, offset=0)

    async def _page(
        self, criteria: ItemCriteria, filters: InventoryFilters, *, limit: int, offset: int
    ) -> list[ItemOut]:
        rows = await self.repo.find_items(criteria, sort=filters.sort, limit=limit, offset=offset)
        return [self._out(row, self.now) for row in rows]

    async def dead_stock(
        self,
        *,
        threshold_days: int = 60,
        brand: str | None = None,
        product_query: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> DeadStockResult:
        """Pairs in inventory older than `threshold_days` (oldest first), with units and value of all of them."""
        if not 0 <= threshold_days <= 36500:
            raise _field_error("threshold_days", "must be from 0 to 36500")
        now = self.now
        # model_construct: the age cut-off may lie beyond what a client may send as a filter.
        filters = InventoryFilters.model_construct(
            status="in_inventory",
            brand=brand,
            product_query=product_query,
            min_age_days=threshold_days + 1,  # age > threshold
            sort="oldest",
        )
        criteria = await self._criteria(filters, now)
        items: list[ItemOut] = []
        units, value = 0, Decimal("0.00")
        if criteria is not None:
            units, value = await self.repo.count_and_value(criteria)
            if limit > 0 and offset < units:
                items = await self._page(criteria, filters, limit=limit, offset=offset)
        return DeadStockResult(
            items=items,
            total=units,
            total_value=value,
            threshold_days=threshold_days,
            limit=limit,
            offset=offset,
        )

    async def units_in_inventory(self, *, product_ids: Sequence[int]) -> dict[int, int]:
        """Pairs in stock or listed now, per product id (absent = 0)."""
        return await self.repo.units_in_inventory_by_product(product_ids)

    async def pairs_handled(self, *, product_ids: Sequence[int]) -> dict[int, int]:
        """Pairs sold plus pairs in inventory, per product id (absent = 0): how much a product moves."""
        return await self.repo.pairs_handled_by_product(product_ids)

    # --- writing ----------------------------------------------------------------------

    async def create_item(self, *, data: ItemCreate) -> ItemOut:
        """Record one pair bought (status in_stock)."""
        product = await self._product_for(data)
        self._check_purchased_at(data.purchased_at)
        item = InventoryItem(
            product_id=product.id,
            size=data.size,
            condition=data.condition,
            purchase_price=data.purchase_price,
            purchased_at=data.purchased_at,
            location=_clean(data.location),
            source=_clean(data.source),
            notes=_clean(data.notes),
            status="in_stock",
        )
        await self.repo.add_items([item])
        return self._out(ItemRow(item, product.sku, product.name, product.brand.name), self.now)

    async def update_item(self, item_id: int, *, data: ItemUpdate) -> ItemOut:
        """Change the fields sent. Status `sold` only comes from an order; a sold pair's cost is fixed."""
        item = await self._item(item_id)
        changes: dict[str, Any] = {name: getattr(data, name) for name in data.model_fields_set}
        for required in ("size", "condition", "purchase_price", "purchased_at"):
            if required in changes and changes[required] is None:
                raise _field_error(required, "may not be null")
        status = changes.pop("status", None)
        if status == "sold":
            raise _field_error(
                "status", "an item becomes sold only by recording its order", code="sold_via_orders"
            )
        if item.status == "sold":
            locked = sorted(
                set(changes) & {"purchase_price", "purchased_at", "listed_price", "listed_platform"}
            )
            if locked or status is not None:
                field = locked[0] if locked else "status"
                raise Conflict(f"Item {item_id} is sold: {field} can no longer change", code="item_sold")
        if "purchased_at" in changes:
            self._check_purchased_at(changes["purchased_at"])

        listing_fields = {"listed_price", "listed_platform"} & set(changes)
        listed_price = changes.pop("listed_price", item.listed_price)
        listed_platform = changes.pop("listed_platform", item.listed_platform)
        for name, value in changes.items():
            setattr(item, name, _clean(value) if name in ("location", "source", "notes") else value)

        target = status or item.status
        if target == "listed":
            if listed_price is None or listed_platform is None:
                missing = "listed_price" if listed_price is None else "listed_platform"
                raise _field_error(missing, "required to list an item")
            self._apply_listing(item, listed_price=listed_price, platform=listed_platform)
        elif target == "in_stock" and item.status != "sold":
            if listing_fields:
                raise _field_error(
                    sorted(listing_fields)[0], "the item is not listed: send status 'listed' to list it"
                )
            self._clear_listing(item)
        await self.session.flush()
        return await self.get_item(item_id)

    async def list_item(self, item_id: int, *, listed_price: Decimal, platform: str) -> ItemOut:
        """List a pair (or change its listing): in_stock|listed -> listed."""
        item = await self._item(item_id)
        if item.status == "sold":
            raise Conflict(f"Item {item_id} is sold and cannot be listed", code="item_sold")
        self._apply_listing(item, listed_price=listed_price, platform=platform)
        await self.session.flush()
        return await self.get_item(item_id)

    async def delist_item(self, item_id: int) -> ItemOut:
        """Take a listed pair off the market: listed -> in_stock."""
        item = await self._item(item_id)
        if item.status != "listed":
            code = "item_sold" if item.status == "sold" else "not_listed"
            raise Conflict(f"Item {item_id} is {item.status}, not listed", code=code)
        self._clear_listing(item)
        await self.session.flush()
        return await self.get_item(item_id)

    async def mark_sold(self, item_id: int, *, sold_at: datetime) -> InventoryItem:
        """For the orders service: in_stock|listed -> sold. The order itself is the caller's."""
        item = await self.repo.get_item(item_id, for_update=True)
        if item is None:
            raise NotFound(f"Item {item_id} not found", code="item_not_found")
        if item.status == "sold":
            raise Conflict(f"Item {item_id} is already sold", code="already_sold")
        sold_at = as_utc(sold_at)
        if sold_at < item.purchased_at:
            raise _field_error("sold_at", "must not be before the item was purchased")
        if sold_at > self.now + FUTURE_TOLERANCE:
            raise _field_error("sold_at", "must not be in the future")
        item.status = "sold"
        await self.session.flush()
        return item

    # --- internals --------------------------------------------------------------------

    async def _item(self, item_id: int) -> InventoryItem:
        item = await self.repo.get_item(item_id)
        if item is None:
            raise NotFound(f"Item {item_id} not found", code="item_not_found")
        return item

    async def _product_for(self, data: ItemCreate) -> Product:
        if data.product_id is not None:
            product = await self.products.get_product(data.product_id)
            if data.sku and product.sku.upper() != data.sku.strip().upper():
                raise _field_error("sku", f"does not belong to product {data.product_id}")
            return product
        assert data.sku is not None  # ItemCreate requires one of the two
        return await self.products.get_by_sku(data.sku)

    def _check_purchased_at(self, purchased_at: datetime) -> None:
        if as_utc(purchased_at) > self.now + FUTURE_TOLERANCE:
            raise _field_error("purchased_at", "must not be in the future")

    def _apply_listing(self, item: InventoryItem, *, listed_price: Decimal, platform: str) -> None:
        if listed_price is None or listed_price <= 0:
            raise _field_error("listed_price", "must be greater than 0")
        key = normalize_platform(platform)
        if key is None:
            raise _field_error("platform", f"unknown platform; one of: {', '.join(PLATFORMS)}")
        if item.status != "listed" or item.listed_price != listed_price or item.listed_platform != key:
            item.listed_at = self.now
        item.status = "listed"
        item.listed_price = listed_price
        item.listed_platform = key

    @staticmethod
    def _clear_listing(item: InventoryItem) -> None:
        item.status = "in_stock"
        item.listed_price = None
        item.listed_platform = None
        item.listed_at = None

    async def _criteria(self, filters: InventoryFilters, now: datetime) -> ItemCriteria | None:
        """Filters as columns; None when they cannot match anything (unknown brand, SKU or product)."""
        statuses: tuple[str, ...] | None = None
        if filters.status == "in_inventory":
            statuses = IN_INVENTORY
        elif filters.status is not None:
            statuses = (filters.status,)

        brand_id: int | None = None
        if filters.brand:
            brand = await self.products.find_brand(filters.brand)
            if brand is None:
                return None
            brand_id = brand.id

        product_ids: set[int] | None = None
        if filters.product_id is not None:
            product_ids = {filters.product_id}
        if filters.sku:
            by_sku = await self.products.get_by_skus([filters.sku])
            product_ids = _intersect(product_ids, {p.id for p in by_sku.values()})
        if filters.skus:
            by_skus = await self.products.get_by_skus(filters.skus)
            product_ids = _intersect(product_ids, {p.id for p in by_skus.values()})
        if filters.product_query and filters.product_query.strip():
            matches = await self.products.search_products(
                query=filters.product_query,
                brand=filters.brand,
                limit=PRODUCT_QUERY_MAX_PRODUCTS,
            )
            best = matches[0].score if matches else 0.0
            wanted = {m.product_id for m in matches if m.score >= best - PRODUCT_QUERY_SPREAD}
            product_ids = _intersect(product_ids, wanted)
        if product_ids is not None and not product_ids:
            return None

        listed_platform: str | None = None
        if filters.listed_platform and filters.listed_platform.strip():
            listed_platform = normalize_platform(filters.listed_platform)
            if listed_platform is None:
                raise _field_error("listed_platform", f"unknown platform; one of: {', '.join(PLATFORMS)}")

        return ItemCriteria(
            statuses=statuses,
            brand_id=brand_id,
            product_ids=sorted(product_ids) if product_ids is not None else None,
            size=normalize_size(filters.size) if filters.size and filters.size.strip() else None,
            sizes=[normalize_size(s) for s in filters.sizes] if filters.sizes else None,
            condition=filters.condition,
            listed_platform=listed_platform,
            purchased_at_or_before=(
                None
                if filters.min_age_days is None
                else purchased_at_latest_for_age(filters.min_age_days, now)
            ),
            purchased_after=(
                None if filters.max_age_days is None else purchased_after_for_age(filters.max_age_days, now)
            ),
            min_purchase_price=filters.min_purchase_price,
            max_purchase_price=filters.max_purchase_price,
        )

    @staticmethod
    def _out(row: ItemRow, now: datetime) -> ItemOut:
        item = row.item
        return ItemOut(
            id=item.id,
            sku=row.sku,
            product_name=row.product_name,
            brand=row.brand,
            size=item.size,
            condition=item.condition,
            status=item.status,
            purchase_price=item.purchase_price,
            purchased_at=item.purchased_at,
            listed_price=item.listed_price,
            listed_platform=item.listed_platform,
            listed_at=item.listed_at,
            location=item.location,
            source=item.source,
            notes=item.notes,
            age_days=age_in_days(item.purchased_at, now),
            product_id=item.product_id,
        )


def _intersect(current: set[int] | None, other: set[int]) -> set[int]:
    return other if current is None else current & other


def _clean(value: Any) -> Any:
    """Blank text is no text."""
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value
